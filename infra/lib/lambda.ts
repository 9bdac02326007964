// What every VPC Lambda of this project shares: its role's trust and baseline permissions, its log
// group, and the packaging rule that keeps the archive to what the Node.js runtime lacks.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

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
 * Packages the function archive must not carry: the Pulumi SDKs (deploy-time only) and the AWS SDK
 * (the Lambda Node.js runtime provides `@aws-sdk/*`). Everything else in `dependencies` is kept.
 */
export function runtimeProvidedPackages(): string[] {
    const manifest = JSON.parse(
        fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
    ) as {
        dependencies: Record<string, string>;
    };
    return Object.keys(manifest.dependencies).filter(
        (name) => name.startsWith("@pulumi/") || name.startsWith("@aws-sdk/"),
    );
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
