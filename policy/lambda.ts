// Lambda: functions run in the VPC, hold no secrets in their environment, and keep logs for a bounded time.
import * as aws from "@pulumi/aws";
import {
    validateResourceOfType,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import { isAutoNameOf } from "./autoName";
import { resourceRule } from "./resourceRule";

export const lambdaInVpc: ResourceValidationPolicy = resourceRule(
    { name: "lambda-in-vpc", description: "Lambda functions run in a VPC (subnets and security groups)." },
    aws.lambda.Function,
    (fn) => {
        const vpc = fn.vpcConfig;
        return !vpc || vpc.subnetIds.length === 0 || vpc.securityGroupIds.length === 0
            ? "The function does not run in a VPC; set vpcConfig with the private subnetIds and the function's securityGroupIds."
            : undefined;
    },
);

/** Environment variable names that say "I hold a secret" (an `_ARN` of a secret is fine). */
const SECRET_ENV_NAME = /PASSWORD|PASSWD|SECRET(?!_ARN)|TOKEN|PRIVATE_KEY|KEY$/i;
const ARN = /^arn:aws[a-z-]*:/;
const SECRET_VALUE = [
    /^(AKIA|ASIA)[A-Z0-9]{16}$/,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /^(ghp|gho|github_pat|xox[bpa]|sk_live)_/,
];

export const lambdaNoSecretEnv: ResourceValidationPolicy = {
    name: "lambda-no-secret-env",
    description:
        "Lambda environment variables hold no secrets (pass a secret's ARN and read it at run time).",
    validateResource: validateResourceOfType(aws.lambda.Function, (fn, _args, reportViolation) => {
        for (const [key, value] of Object.entries(fn.environment?.variables ?? {})) {
            // The value itself is never printed: it may be the secret.
            if (SECRET_VALUE.some((re) => re.test(value))) {
                reportViolation(
                    `The environment variable ${key} holds a credential; store it in Secrets Manager and pass the secret's ARN instead.`,
                );
            } else if (SECRET_ENV_NAME.test(key) && !ARN.test(value)) {
                const stem = key.replace(/(_?(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|KEY))$/i, "");
                reportViolation(
                    `The environment variable ${key} looks like a secret; store it in Secrets Manager and pass the secret's ARN (e.g. ${stem}_SECRET_ARN) instead.`,
                );
            }
        }
    }),
};

/** Whether a log group keeps logs for a bounded time (0 or unset: forever). */
const hasRetention = (group: { retentionInDays?: number }) => (group.retentionInDays ?? 0) > 0;

export const logGroupRetention: ResourceValidationPolicy = resourceRule(
    { name: "log-group-retention", description: "CloudWatch log groups have a retention period." },
    aws.cloudwatch.LogGroup,
    (group) =>
        hasRetention(group)
            ? undefined
            : "The log group keeps logs forever; set retentionInDays (config logRetentionDays).",
);

export const lambdaLogRetention: StackValidationPolicy = {
    name: "lambda-log-retention",
    description:
        "Every Lambda function has its log group (/aws/lambda/<name>) declared with a retention period.",
    validateStack: (args, reportViolation) => {
        const groups = args.resources.flatMap((r) => {
            const group = r.asType(aws.cloudwatch.LogGroup);
            return group?.name !== undefined ? [group] : [];
        });
        for (const resource of args.resources) {
            const fn = resource.asType(aws.lambda.Function);
            if (!fn) {
                continue;
            }
            const expected =
                fn.loggingConfig?.logGroup ?? (fn.name !== undefined ? `/aws/lambda/${fn.name}` : undefined);
            // Without outputs (an offline run of inputs) an auto-named function has no name yet.
            const matches = groups.filter((g) =>
                expected !== undefined
                    ? g.name === expected
                    : isAutoNameOf(g.name, resource.name, "/aws/lambda/"),
            );
            const shown = expected ?? `/aws/lambda/<${resource.name} function name>`;
            if (matches.length === 0) {
                reportViolation(
                    `The function has no log group ${shown} in this stack, so Lambda creates one that keeps logs forever; declare an aws.cloudwatch.LogGroup named ${shown} with retentionInDays.`,
                    resource.urn,
                );
            } else if (!matches.some(hasRetention)) {
                reportViolation(
                    `The function's log group ${shown} has no retention; set retentionInDays on it.`,
                    resource.urn,
                );
            }
        }
    },
};

export const lambdaPolicies = [lambdaInVpc, lambdaNoSecretEnv, logGroupRetention, lambdaLogRetention];
