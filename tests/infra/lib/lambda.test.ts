import { promiseOf } from "../../support/mocks";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import {
    actionMatches,
    arnMatches,
    asList,
    policyDocument,
    POLICY_VERSION,
    toPolicyJson,
} from "../../../infra/lib/iam";
import {
    FUNCTION_PACKAGES,
    functionCodePathOptions,
    functionLogGroup,
    functionPackageDirs,
    LAMBDA_RUNTIME,
    lambdaTrustPolicy,
    vpcFunction,
    VpcFunctionArgs,
    vpcLambdaStatements,
} from "../../../infra/lib/lambda";
import { MockCloud } from "../../../plan/mockCloud";
import { runStack, StackRun } from "../../../plan/runStack";
import { providerRef, recorded, uniqueName } from "../../components/support";

const ROOT = path.join(__dirname, "..", "..", "..");
const ACCOUNT = "111111112974";
const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/cross-account-rds-engineering-fetch-rows`;

describe("infra/lib/lambda: what every VPC Lambda of the project shares", () => {
    it("runs on Node.js 22, the version the repository requires and tests with", () => {
        assert.equal(LAMBDA_RUNTIME, "nodejs22.x");
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
            engines: { node: string };
        };
        assert.equal(
            /^>=(\d+)\./.exec(manifest.engines.node)?.[1],
            /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1],
        );
    });

    describe("lambdaTrustPolicy", () => {
        it("lets only the Lambda service assume the role, on behalf of this account only", () => {
            const document = JSON.parse(toPolicyJson(lambdaTrustPolicy(ACCOUNT))) as {
                Version: string;
                Statement: Array<Record<string, unknown>>;
            };
            assert.equal(document.Version, POLICY_VERSION);
            assert.equal(document.Statement.length, 1, "one statement");
            const [trust] = document.Statement;
            assert.deepEqual(Object.keys(trust).sort(), ["Action", "Condition", "Effect", "Principal"]);
            assert.equal(trust.Effect, "Allow");
            assert.deepEqual(trust.Principal, { Service: "lambda.amazonaws.com" }, "the Lambda service only");
            assert.deepEqual(asList(trust.Action as string | string[]), ["sts:AssumeRole"]);
            assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
        });

        it("names the account it is given", () => {
            const [statement] = lambdaTrustPolicy("222222225884").Statement as Array<{
                Condition: Record<string, Record<string, string>>;
            }>;
            assert.equal(statement.Condition.StringEquals["aws:SourceAccount"], "222222225884");
        });
    });

    describe("vpcLambdaStatements", () => {
        const statements = vpcLambdaStatements(LOG_GROUP);
        const logs = statements.filter((s) =>
            asList(s.Action as string[]).some((a) => a.startsWith("logs:")),
        );

        it("writes to the function's own log group and its streams, named exactly", () => {
            assert.equal(logs.length, 1);
            assert.deepEqual(logs[0].Resource, [LOG_GROUP, `${LOG_GROUP}:log-stream:*`]);
            assert.deepEqual(logs[0].Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
            for (const resource of asList(logs[0].Resource as string[])) {
                assert.ok(resource.startsWith(`${LOG_GROUP}:`) || resource === LOG_GROUP, resource);
            }
        });

        it("covers no other log group, not even one whose name starts the same", () => {
            const patterns = asList(logs[0].Resource as string[]);
            const covers = (arn: string) => patterns.some((p) => arnMatches(p, arn));
            assert.ok(covers(`${LOG_GROUP}:log-stream:2024/01/01/[$LATEST]abc`));
            assert.ok(!covers(`${LOG_GROUP}-2:log-stream:x`));
            assert.ok(!covers(`${LOG_GROUP}2`));
            assert.ok(!covers(LOG_GROUP.replace("engineering", "analytics")));
        });

        it("grants the ENI calls and writing log events only: no log-group creation, no wildcard action", () => {
            const actions = statements.flatMap((s) => asList(s.Action as string[]));
            assert.deepEqual([...actions].sort(), [
                "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:UnassignPrivateIpAddresses",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ]);
            assert.ok(!actions.some((a) => actionMatches(a, "logs:CreateLogGroup")));
            assert.ok(statements.every((s) => s.Effect === "Allow" && s.Sid !== undefined));
        });

        it("leaves only the ENI calls, which EC2 cannot scope, on every resource", () => {
            const unscoped = statements.filter((s) => asList(s.Resource as string[]).includes("*"));
            assert.equal(unscoped.length, 1);
            assert.ok(asList(unscoped[0].Action as string[]).every((a) => a.startsWith("ec2:")));
            assert.equal(unscoped[0].Effect, "Allow");
        });
    });

    describe("functionLogGroup", () => {
        it("is /aws/lambda/<function name> with the retention, tags and options given", async () => {
            const name = uniqueName("lambda-logs");
            const provider = new aws.Provider(`${name}-provider`, { region: "us-east-1" });
            const group = functionLogGroup(
                name,
                {
                    functionName: "cross-account-rds-engineering-fetch-rows",
                    retentionInDays: 90,
                    tags: { a: "b" },
                },
                { provider },
            );
            await promiseOf(group.id);
            const declared = await recorded("aws:cloudwatch/logGroup:LogGroup", name);
            assert.deepEqual(declared.inputs, {
                name: "/aws/lambda/cross-account-rds-engineering-fetch-rows",
                retentionInDays: 90,
                tags: { a: "b" },
            });
            assert.equal(declared.provider, await providerRef(provider));
        });
    });

    describe("vpcFunction", () => {
        // Its resources are named after the function, so each run gets a stack of its own.
        async function run(overrides: Partial<VpcFunctionArgs<unknown, unknown>> = {}): Promise<StackRun> {
            const cloud = new MockCloud({ accountId: ACCOUNT, region: "us-east-1" });
            return runStack("lambda-lib", "cross-account-rds", {}, cloud, () => {
                const marker = new aws.s3.Bucket("marker");
                vpcFunction("fetch-rows", {
                    functionName: "cross-account-rds-engineering-fetch-rows",
                    description: "Reads rows",
                    callbackFactory: () => async () => ({ rows: [] }),
                    timeout: 15,
                    memorySize: 256,
                    environment: {
                        SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111112974:secret:db-AbCdEf",
                    },
                    subnetIds: ["subnet-0a", "subnet-0b"],
                    securityGroupId: SG,
                    accountId: ACCOUNT,
                    roleName: "cross-account-rds-engineering-fetch-rows",
                    roleDescription: "fetch-rows execution role",
                    policy: (logGroupArn) =>
                        logGroupArn.apply((arn) => toPolicyJson(policyDocument(vpcLambdaStatements(arn)))),
                    logRetentionInDays: 30,
                    tags: { project: "x" },
                    dependsOn: [marker],
                    ...overrides,
                });
            });
        }
        const SG = "sg-0f0f0f0f0f0f0f0f0";
        const FUNCTION = "aws:lambda/function:Function";

        it("declares the log group, a role only Lambda may assume for this account, its policy on that log group, and the function", async function () {
            this.timeout(30_000);
            const { cloud } = await run();
            const [logGroup] = cloud.find("aws:cloudwatch/logGroup:LogGroup", "fetch-rows");
            assert.equal(logGroup.inputs.name, "/aws/lambda/cross-account-rds-engineering-fetch-rows");
            assert.equal(logGroup.inputs.retentionInDays, 30);
            const [role] = cloud.find("aws:iam/role:Role", "fetch-rows");
            assert.equal(role.inputs.name, "cross-account-rds-engineering-fetch-rows");
            assert.equal(role.inputs.assumeRolePolicy, toPolicyJson(lambdaTrustPolicy(ACCOUNT)));
            const [rolePolicy] = cloud.find("aws:iam/rolePolicy:RolePolicy", "fetch-rows");
            assert.equal(rolePolicy.inputs.role, role.id);
            assert.equal(
                rolePolicy.inputs.policy,
                toPolicyJson(policyDocument(vpcLambdaStatements(logGroup.state.arn as string))),
                "the policy is built on the log group's own ARN",
            );
            const [fn] = cloud.find(FUNCTION, "fetch-rows");
            assert.equal(fn.inputs.name, "cross-account-rds-engineering-fetch-rows");
            assert.equal(fn.inputs.runtime, LAMBDA_RUNTIME);
            assert.equal(fn.inputs.role, role.state.arn);
            assert.equal(fn.inputs.timeout, 15);
            assert.equal(fn.inputs.memorySize, 256);
            assert.deepEqual(fn.inputs.vpcConfig, {
                subnetIds: ["subnet-0a", "subnet-0b"],
                securityGroupIds: [SG],
            });
            assert.deepEqual(fn.inputs.environment, {
                variables: { SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111112974:secret:db-AbCdEf" },
            });
            for (const resource of [logGroup, role, fn]) {
                assert.deepEqual(resource.inputs.tags, { project: "x" }, resource.type);
            }
        });

        it("creates the function only after its log group, its policy and what the caller names", async function () {
            this.timeout(30_000);
            const { options } = await run();
            const dependsOn = options.get(`${FUNCTION}::fetch-rows`)?.dependsOn ?? [];
            assert.deepEqual([...dependsOn].sort(), [
                "aws:cloudwatch/logGroup:LogGroup::fetch-rows",
                "aws:iam/rolePolicy:RolePolicy::fetch-rows",
                "aws:s3/bucket:Bucket::marker",
            ]);
        });

        it("leaves the role auto-named when no role name is given", async function () {
            this.timeout(30_000);
            const { cloud } = await run({ roleName: undefined });
            const [role] = cloud.find("aws:iam/role:Role", "fetch-rows");
            assert.ok(!("name" in role.inputs), JSON.stringify(role.inputs));
        });
    });

    // FUNCTION_PACKAGES against the imports, and the archives' contents, are tested in
    // tests/infra/packagedFunction.test.ts; these are the packaging rules themselves.
    describe("packaging", () => {
        it("functionPackageDirs holds each function's packages and, transitively, what they depend on", () => {
            for (const fn of Object.keys(FUNCTION_PACKAGES) as Array<keyof typeof FUNCTION_PACKAGES>) {
                const dirs = functionPackageDirs(fn);
                assert.deepEqual(dirs, [...new Set(dirs)].sort(), "sorted, no duplicates");
                for (const name of FUNCTION_PACKAGES[fn]) {
                    assert.ok(dirs.includes(path.join(ROOT, "node_modules", name)), `${fn}: ${name}`);
                }
                const names = new Set(
                    dirs.map(
                        (d) =>
                            (
                                JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")) as {
                                    name: string;
                                }
                            ).name,
                    ),
                );
                for (const dir of dirs) {
                    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
                        dependencies?: Record<string, string>;
                    };
                    for (const dep of Object.keys(manifest.dependencies ?? {})) {
                        assert.ok(names.has(dep), `${fn}: ${dir} needs ${dep}`);
                    }
                }
                assert.ok(
                    !names.has("@pulumi/pulumi") && !names.has("zod"),
                    `${fn} carries nothing deploy-time`,
                );
            }
        });

        it("functionCodePathOptions leaves out every declared dependency except through its own include list", () => {
            const options = functionCodePathOptions("db-bootstrap");
            const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
                dependencies: Record<string, string>;
            };
            assert.deepEqual(options.extraExcludePackages, Object.keys(manifest.dependencies));
            const included = options.extraIncludePaths ?? [];
            assert.ok(included.length > 0);
            for (const entry of included) {
                assert.ok(entry.startsWith(`node_modules${path.sep}`), entry);
                assert.doesNotMatch(entry, /(^|\/)(dist-es|dist-types)(\/|$)|\.d\.[cm]?ts$|\.map$|\.md$/i);
            }
        });

        it("functionCodePathOptions gives a fresh object on every call, since the serializer mutates it", () => {
            const first = functionCodePathOptions("fetch-rows");
            const second = functionCodePathOptions("fetch-rows");
            assert.notEqual(first, second);
            assert.notEqual(first.extraIncludePaths, second.extraIncludePaths);
            first.extraIncludePaths?.push("mutated");
            assert.ok(!functionCodePathOptions("fetch-rows").extraIncludePaths?.includes("mutated"));
        });

        it("functionCodePathOptions refuses to run outside the project directory, naming both", () => {
            const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-cwd-"));
            const cwd = process.cwd();
            try {
                process.chdir(elsewhere);
                assert.throws(
                    () => functionCodePathOptions("fetch-rows"),
                    (err: Error) =>
                        err.message.startsWith("packaging fetch-rows must run in the project directory ") &&
                        err.message.includes(ROOT) &&
                        err.message.includes(fs.realpathSync(elsewhere)),
                );
            } finally {
                process.chdir(cwd);
                fs.rmSync(elsewhere, { recursive: true, force: true });
            }
        });
    });
});
