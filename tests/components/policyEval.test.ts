import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, promiseOf } from "../support/mocks";
import * as assert from "assert";
import { CrossAccountRole } from "../../infra/components/crossAccountRole";
import { evaluate, PolicyJson } from "../../plan/policyEval";
import { recorded, uniqueName } from "./support";

const TRUSTED = OTHER_ACCOUNT_ID;
const THIRD = "333333333333";
const FETCH_ROWS = `arn:aws:iam::${TRUSTED}:role/fetch-rows`;
const EXTERNAL_ID = "consumer-a-7f3c";

describe("CrossAccountRole trust, evaluated", () => {
    let trust: PolicyJson;
    let roleArn: string;

    before(async () => {
        const name = uniqueName("eval-trust");
        const role = new CrossAccountRole(name, {
            trustedAccountId: TRUSTED,
            trustedPrincipalArns: [FETCH_ROWS],
            externalId: EXTERNAL_ID,
            permissions: [{ Effect: "Allow", Action: "rds:DescribeDBInstances", Resource: "*" }],
        });
        roleArn = await promiseOf(role.roleArn);
        trust = JSON.parse((await recorded("aws:iam/role:Role", name)).inputs.assumeRolePolicy) as PolicyJson;
    });

    const assume = (
        principalArn: string,
        context: Record<string, string> = { "sts:ExternalId": EXTERNAL_ID },
    ) => evaluate(trust, { principalArn, action: "sts:AssumeRole", resource: roleArn, context });

    it("lets the named principal assume the role", () => {
        assert.strictEqual(assume(FETCH_ROWS), true);
    });

    it("lets a session of the named role assume it (aws:PrincipalArn is the role)", () => {
        assert.strictEqual(assume(`arn:aws:sts::${TRUSTED}:assumed-role/fetch-rows/lambda-session`), true);
    });

    it("refuses another role in the same trusted account", () => {
        assert.strictEqual(assume(`arn:aws:iam::${TRUSTED}:role/other`), false);
        assert.strictEqual(assume(`arn:aws:iam::${TRUSTED}:user/fetch-rows`), false);
    });

    it("refuses the same role name in a third account", () => {
        assert.strictEqual(assume(`arn:aws:iam::${THIRD}:role/fetch-rows`), false);
    });

    it("refuses the same role name in the role's own account", () => {
        assert.strictEqual(assume(`arn:aws:iam::${TEST_ACCOUNT_ID}:role/fetch-rows`), false);
    });

    it("refuses a wrong or missing external id", () => {
        assert.strictEqual(assume(FETCH_ROWS, { "sts:ExternalId": "guess" }), false);
        assert.strictEqual(assume(FETCH_ROWS, {}), false);
    });

    it("grants only sts:AssumeRole", () => {
        const context = { "sts:ExternalId": EXTERNAL_ID };
        assert.strictEqual(
            evaluate(trust, { principalArn: FETCH_ROWS, action: "sts:TagSession", context }),
            false,
        );
    });
});

describe("policy evaluator", () => {
    const policy = (...Statement: PolicyJson["Statement"]): PolicyJson => ({
        Version: "2012-10-17",
        Statement,
    });
    const secret = `arn:aws:secretsmanager:us-east-1:${TEST_ACCOUNT_ID}:secret:reader-AbCdEf`;
    const reader = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/reader`;

    it("denies when nothing allows", () => {
        assert.strictEqual(evaluate(policy(), { principalArn: reader, action: "s3:GetObject" }), false);
    });

    it("lets an explicit Deny win over an Allow", () => {
        const p = policy(
            { Effect: "Allow", Action: "secretsmanager:*", Resource: "*" },
            { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: secret },
        );
        assert.strictEqual(
            evaluate(p, { principalArn: reader, action: "secretsmanager:DescribeSecret", resource: secret }),
            true,
        );
        assert.strictEqual(
            evaluate(p, { principalArn: reader, action: "secretsmanager:GetSecretValue", resource: secret }),
            false,
        );
    });

    it("matches actions case-insensitively with wildcards, and resources exactly", () => {
        const p = policy({ Effect: "Allow", Action: "secretsmanager:Get*", Resource: secret });
        assert.strictEqual(
            evaluate(p, { principalArn: reader, action: "SecretsManager:getsecretvalue", resource: secret }),
            true,
        );
        assert.strictEqual(
            evaluate(p, {
                principalArn: reader,
                action: "secretsmanager:GetSecretValue",
                resource: `${secret}x`,
            }),
            false,
        );
    });

    it("treats an account root principal as every principal of that account, and nobody else", () => {
        const p = policy({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT_ID}:root` },
            Action: "kms:Decrypt",
        });
        assert.strictEqual(evaluate(p, { principalArn: reader, action: "kms:Decrypt" }), true);
        assert.strictEqual(
            evaluate(p, { principalArn: `arn:aws:iam::${THIRD}:role/reader`, action: "kms:Decrypt" }),
            false,
        );
    });

    it("checks kms:ViaService-style conditions against the request context", () => {
        const p = policy({
            Effect: "Allow",
            Principal: { AWS: [reader] },
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
        });
        const request = {
            principalArn: reader,
            action: "kms:Decrypt",
            resource: "arn:aws:kms:us-east-1:1:key/k",
        };
        assert.strictEqual(
            evaluate(p, {
                ...request,
                context: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" },
            }),
            true,
        );
        assert.strictEqual(
            evaluate(p, { ...request, context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } }),
            false,
        );
        assert.strictEqual(evaluate(p, request), false);
    });

    it("matches ArnLike part by part and passes negated operators when the key is missing", () => {
        const p = policy({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${TRUSTED}:root` },
            Action: "sts:AssumeRole",
            Condition: {
                ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${TRUSTED}:role/app-*` },
                StringNotEquals: { "aws:SourceVpc": "vpc-0123456789abcdef0" },
            },
        });
        assert.strictEqual(
            evaluate(p, {
                principalArn: `arn:aws:iam::${TRUSTED}:role/app-reader`,
                action: "sts:AssumeRole",
            }),
            true,
        );
        assert.strictEqual(
            evaluate(p, { principalArn: `arn:aws:iam::${TRUSTED}:role/web`, action: "sts:AssumeRole" }),
            false,
        );
    });

    it("denies on a condition operator it does not understand", () => {
        const p = policy({
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
        });
        assert.strictEqual(evaluate(p, { principalArn: reader, action: "s3:GetObject" }), false);
    });
});
