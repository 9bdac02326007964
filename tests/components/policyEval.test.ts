import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, promiseOf } from "../support/mocks";
import * as assert from "assert";
import { CrossAccountRole } from "../../infra/components/crossAccountRole";
import { evaluate, PolicyJson } from "../../plan/policyEval";
import { recorded, uniqueName } from "./support";
import { TYPE } from "../support/resourceTypes";

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
        trust = JSON.parse((await recorded(TYPE.role, name)).inputs.assumeRolePolicy) as PolicyJson;
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
    type Request = Parameters<typeof evaluate>[1];
    const secret = `arn:aws:secretsmanager:us-east-1:${TEST_ACCOUNT_ID}:secret:reader-AbCdEf`;
    const reader = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/reader`;
    const decryptKey = {
        principalArn: reader,
        action: "kms:Decrypt",
        resource: "arn:aws:kms:us-east-1:1:key/k",
    };
    const viaSecretsManager = { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" };

    /** One rule of the evaluator: a policy, requests it must allow and requests it must deny. */
    const rules: ReadonlyArray<{
        readonly requirement: string;
        readonly statements: PolicyJson["Statement"];
        readonly allows: readonly Request[];
        readonly denies: readonly Request[];
    }> = [
        {
            requirement: "denies when nothing allows",
            statements: [],
            allows: [],
            denies: [{ principalArn: reader, action: "s3:GetObject" }],
        },
        {
            requirement: "lets an explicit Deny win over an Allow",
            statements: [
                { Effect: "Allow", Action: "secretsmanager:*", Resource: "*" },
                { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: secret },
            ],
            allows: [{ principalArn: reader, action: "secretsmanager:DescribeSecret", resource: secret }],
            denies: [{ principalArn: reader, action: "secretsmanager:GetSecretValue", resource: secret }],
        },
        {
            requirement: "matches actions case-insensitively with wildcards, and resources exactly",
            statements: [{ Effect: "Allow", Action: "secretsmanager:Get*", Resource: secret }],
            allows: [{ principalArn: reader, action: "SecretsManager:getsecretvalue", resource: secret }],
            denies: [
                { principalArn: reader, action: "secretsmanager:GetSecretValue", resource: `${secret}x` },
            ],
        },
        {
            requirement:
                "treats an account root principal as every principal of that account, and nobody else",
            statements: [
                {
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT_ID}:root` },
                    Action: "kms:Decrypt",
                },
            ],
            allows: [{ principalArn: reader, action: "kms:Decrypt" }],
            denies: [{ principalArn: `arn:aws:iam::${THIRD}:role/reader`, action: "kms:Decrypt" }],
        },
        {
            requirement: "checks kms:ViaService-style conditions against the request context",
            statements: [
                {
                    Effect: "Allow",
                    Principal: { AWS: [reader] },
                    Action: ["kms:Decrypt"],
                    Resource: "*",
                    Condition: { StringEquals: viaSecretsManager },
                },
            ],
            allows: [{ ...decryptKey, context: viaSecretsManager }],
            denies: [
                { ...decryptKey, context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
                decryptKey,
            ],
        },
        {
            requirement: "matches ArnLike part by part and passes negated operators when the key is missing",
            statements: [
                {
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${TRUSTED}:root` },
                    Action: "sts:AssumeRole",
                    Condition: {
                        ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${TRUSTED}:role/app-*` },
                        StringNotEquals: { "aws:SourceVpc": "vpc-0123456789abcdef0" },
                    },
                },
            ],
            allows: [{ principalArn: `arn:aws:iam::${TRUSTED}:role/app-reader`, action: "sts:AssumeRole" }],
            denies: [{ principalArn: `arn:aws:iam::${TRUSTED}:role/web`, action: "sts:AssumeRole" }],
        },
        {
            requirement: "denies on a condition operator it does not understand",
            statements: [
                {
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: "*",
                    Condition: { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
                },
            ],
            allows: [],
            denies: [{ principalArn: reader, action: "s3:GetObject" }],
        },
    ];

    for (const { requirement, statements, allows, denies } of rules) {
        it(requirement, () => {
            const policy: PolicyJson = { Version: "2012-10-17", Statement: statements };
            for (const request of allows) {
                assert.strictEqual(evaluate(policy, request), true, `allows ${JSON.stringify(request)}`);
            }
            for (const request of denies) {
                assert.strictEqual(evaluate(policy, request), false, `denies ${JSON.stringify(request)}`);
            }
        });
    }
});
