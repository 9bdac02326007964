import * as assert from "assert";
import { lambdaInVpc, lambdaLogRetention, lambdaNoSecretEnv, logGroupRetention } from "../../policy/lambda";
import { assertOne, check, resource, T, violations } from "./harness";

const fn = {
    name: "fetch-rows",
    runtime: "nodejs22.x",
    vpcConfig: { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] },
    environment: {
        variables: {
            DB_ACCESS_ROLE_ARN: "arn:aws:iam::111111112974:role/data-access",
            DB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111112974:secret:reader-AbCdEf",
            DB_HOST: "db.example.rds.amazonaws.com",
            DB_ACCESS_EXTERNAL_ID: "x-1",
        },
    },
};
const lambda = (changes: Record<string, unknown> = {}) =>
    resource(T.lambda, { ...fn, ...changes }, { name: "fetch-rows" });

describe("policy pack: Lambda", () => {
    it("lambda-in-vpc requires subnets and security groups", () => {
        assert.deepStrictEqual(check(lambdaInVpc, lambda()), []);
        assertOne(check(lambdaInVpc, lambda({ vpcConfig: undefined })), "vpcConfig", "subnetIds");
        assertOne(
            check(lambdaInVpc, lambda({ vpcConfig: { subnetIds: [], securityGroupIds: ["sg-1"] } })),
            "does not run in a VPC",
        );
    });

    it("lambda-no-secret-env refuses secret-looking variables without printing their values", () => {
        assert.deepStrictEqual(check(lambdaNoSecretEnv, lambda()), []);
        const messages = check(
            lambdaNoSecretEnv,
            lambda({ environment: { variables: { DB_PASSWORD: "hunter2-hunter2" } } }),
        );
        assertOne(messages, "DB_PASSWORD", "Secrets Manager", "DB_SECRET_ARN");
        assert.ok(!messages[0].includes("hunter2"), "the value must never be printed");
        assertOne(
            check(
                lambdaNoSecretEnv,
                lambda({ environment: { variables: { SETTING: "AKIAIOSFODNN7EXAMPLE" } } }),
            ),
            "SETTING holds a credential",
        );
        assertOne(
            check(lambdaNoSecretEnv, lambda({ environment: { variables: { API_KEY: "abc" } } })),
            "API_KEY",
        );
    });

    it("log-group-retention requires retentionInDays", () => {
        assert.deepStrictEqual(
            check(
                logGroupRetention,
                resource(T.logGroup, { name: "/aws/lambda/fetch-rows", retentionInDays: 30 }),
            ),
            [],
        );
        assertOne(
            check(logGroupRetention, resource(T.logGroup, { name: "/aws/lambda/fetch-rows" })),
            "retentionInDays",
        );
    });

    describe("lambda-log-retention", () => {
        const logGroup = (name: string, retentionInDays?: number) =>
            resource(
                T.logGroup,
                { name, ...(retentionInDays ? { retentionInDays } : {}) },
                { name: "fetch-rows-logs" },
            );

        it("accepts a function with its /aws/lambda/<name> log group with retention", () => {
            assert.deepStrictEqual(
                check(lambdaLogRetention, [lambda(), logGroup("/aws/lambda/fetch-rows", 30)]),
                [],
            );
        });

        it("links an auto-named function to its log group by the logical name", () => {
            const auto = lambda({ name: undefined });
            assert.deepStrictEqual(
                check(lambdaLogRetention, [auto, logGroup("/aws/lambda/fetch-rows-a1b2c3d", 7)]),
                [],
            );
        });

        it("follows a function's loggingConfig.logGroup", () => {
            const custom = lambda({ loggingConfig: { logFormat: "JSON", logGroup: "/custom/fetch-rows" } });
            assert.deepStrictEqual(
                check(lambdaLogRetention, [custom, logGroup("/custom/fetch-rows", 30)]),
                [],
            );
            assertOne(
                check(lambdaLogRetention, [custom, logGroup("/aws/lambda/fetch-rows", 30)]),
                "/custom/fetch-rows",
            );
        });

        it("refuses a function without its log group, or with one that keeps logs forever, on the function", () => {
            const missing = violations(lambdaLogRetention, [lambda(), logGroup("/aws/lambda/other", 30)]);
            assert.strictEqual(missing.length, 1);
            assert.strictEqual(missing[0].resource, "fetch-rows");
            assert.match(
                missing[0].message,
                /no log group \/aws\/lambda\/fetch-rows in this stack.*declare an aws\.cloudwatch\.LogGroup/,
            );
            assertOne(
                check(lambdaLogRetention, [lambda(), logGroup("/aws/lambda/fetch-rows")]),
                "has no retention; set retentionInDays",
            );
        });
    });
});
