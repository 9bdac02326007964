import * as assert from "assert";
import {
    T,
    UNKNOWN,
    iamNoWildcardActions,
    iamSensitiveActionsExactResources,
    iamTrustNoWildcardPrincipal,
    iamTrustRootNeedsCondition,
    kmsKeyRotation,
    lambdaInVpc,
    lambdaLogRetention,
    lambdaNoSecretEnv,
    logGroupRetention,
    peeringRoutesToPeerCidr,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsEncryptedWithCmk,
    rdsNotPublic,
    rdsRequireSecureTransport,
    resourcePolicies,
    secretCustomerManagedKey,
    secretPolicyBlockPublic,
    sgMysqlFromPeerOnly,
    sgNoOpenIngress,
    stackPolicies,
    validateResource,
    validateStack,
    type Inputs,
    type PackConfig,
    type ResourcePolicy,
    type StackResource,
} from "../../policy/policies";

const config: PackConfig = { allowedPeerCidrs: ["10.10.0.0/16", "10.20.0.0/16"] };
const KEY_ARN = "arn:aws:kms:us-east-1:111111112974:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CONSUMER_ROLE = "arn:aws:iam::222222225884:role/cross-account-rds-engineering-fetch-rows";

function check(policy: ResourcePolicy, type: string, inputs: Inputs): string[] {
    return policy.check(type, "res", inputs, config);
}

/** Asserts exactly one violation whose message contains every fragment. */
function assertOne(messages: string[], ...fragments: string[]): void {
    assert.strictEqual(messages.length, 1, `expected one violation, got ${JSON.stringify(messages)}`);
    for (const fragment of fragments) {
        assert.ok(messages[0].includes(fragment), `"${messages[0]}" should mention "${fragment}"`);
    }
}

const goodDb: Inputs = {
    engine: "mysql",
    engineVersion: "8.4",
    instanceClass: "db.t4g.micro",
    allocatedStorage: 20,
    publiclyAccessible: false,
    storageEncrypted: true,
    kmsKeyId: KEY_ARN,
    deletionProtection: true,
    backupRetentionPeriod: 7,
    parameterGroupName: "cross-account-rds-mysql84",
    manageMasterUserPassword: true,
};

function trust(statement: Record<string, unknown>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
    });
}

function policyDoc(...statements: Array<Record<string, unknown>>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
    });
}

describe("policy pack: RDS", () => {
    it("rds-not-public refuses a publicly accessible instance and says to use peering", () => {
        assert.deepStrictEqual(check(rdsNotPublic, T.rdsInstance, goodDb), []);
        assertOne(
            check(rdsNotPublic, T.rdsInstance, { ...goodDb, publiclyAccessible: true }),
            "publiclyAccessible: false",
        );
    });

    it("rds-encrypted-with-cmk requires storage encryption with a customer-managed key", () => {
        assert.deepStrictEqual(check(rdsEncryptedWithCmk, T.rdsInstance, goodDb), []);
        assertOne(
            check(rdsEncryptedWithCmk, T.rdsInstance, { ...goodDb, storageEncrypted: false }),
            "storageEncrypted: true",
        );
        assertOne(
            check(rdsEncryptedWithCmk, T.rdsInstance, { ...goodDb, kmsKeyId: undefined }),
            "AWS-managed key",
            "kmsKeyId",
        );
        assertOne(
            check(rdsEncryptedWithCmk, T.rdsInstance, {
                ...goodDb,
                kmsKeyId: "arn:aws:kms:us-east-1:111111112974:alias/aws/rds",
            }),
            "alias/aws/rds",
        );
    });

    it("rds-deletion-protection requires deletionProtection", () => {
        assert.deepStrictEqual(check(rdsDeletionProtection, T.rdsInstance, goodDb), []);
        assertOne(
            check(rdsDeletionProtection, T.rdsInstance, { ...goodDb, deletionProtection: false }),
            "deletionProtection: true",
        );
    });

    it("rds-backup-retention requires at least 7 days of backups", () => {
        assert.deepStrictEqual(check(rdsBackupRetention, T.rdsInstance, goodDb), []);
        assert.deepStrictEqual(
            check(rdsBackupRetention, T.rdsInstance, { ...goodDb, backupRetentionPeriod: 35 }),
            [],
        );
        assertOne(
            check(rdsBackupRetention, T.rdsInstance, { ...goodDb, backupRetentionPeriod: 3 }),
            "3 day(s)",
            "at least 7",
        );
        assertOne(
            check(rdsBackupRetention, T.rdsInstance, { ...goodDb, backupRetentionPeriod: undefined }),
            "default 1",
        );
    });

    describe("rds-require-secure-transport", () => {
        const group = (value: string, name = "cross-account-rds-mysql84"): StackResource => ({
            type: T.rdsParameterGroup,
            name: "db-params",
            inputs: { family: "mysql8.4", name, parameters: [{ name: "require_secure_transport", value }] },
        });
        const db: StackResource = { type: T.rdsInstance, name: "db", inputs: goodDb };

        it("accepts an instance whose parameter group sets require_secure_transport=ON", () => {
            assert.deepStrictEqual(rdsRequireSecureTransport.check([group("ON"), db], config), []);
        });

        it("finds an auto-named parameter group by its logical name", () => {
            const auto: StackResource = { ...group("1"), inputs: { ...group("1").inputs, name: undefined } };
            const named = { ...db, inputs: { ...goodDb, parameterGroupName: "db-params-0a1b2c3" } };
            assert.deepStrictEqual(rdsRequireSecureTransport.check([auto, named], config), []);
        });

        it("refuses a parameter group that leaves require_secure_transport off", () => {
            const out = rdsRequireSecureTransport.check([group("OFF"), db], config);
            assert.strictEqual(out.length, 1);
            assert.strictEqual(out[0].resource, "db");
            assert.match(
                out[0].message,
                /does not set require_secure_transport; add \{ name: "require_secure_transport", value: "ON" \}/,
            );
        });

        it("refuses the default parameter group and a group not in the stack", () => {
            const noGroup = { ...db, inputs: { ...goodDb, parameterGroupName: undefined } };
            assert.match(
                rdsRequireSecureTransport.check([noGroup], config)[0].message,
                /default parameter group/,
            );
            const foreign = { ...db, inputs: { ...goodDb, parameterGroupName: "default.mysql8.4" } };
            assert.match(
                rdsRequireSecureTransport.check([group("ON"), foreign], config)[0].message,
                /not declared in this stack/,
            );
        });
    });
});

describe("policy pack: security groups", () => {
    const sg = (ingress: Array<Record<string, unknown>>): Inputs => ({
        vpcId: "vpc-0123",
        ingress,
        egress: [],
    });

    it("sg-no-open-ingress refuses 0.0.0.0/0 and ::/0 on every kind of ingress rule", () => {
        assert.deepStrictEqual(
            check(
                sgNoOpenIngress,
                T.securityGroup,
                sg([{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.20.0.0/16"] }]),
            ),
            [],
        );
        assertOne(
            check(
                sgNoOpenIngress,
                T.securityGroup,
                sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
            ),
            "0.0.0.0/0",
            "peer VPC's CIDR",
        );
        assertOne(
            check(sgNoOpenIngress, T.ingressRule, {
                securityGroupId: "sg-1",
                ipProtocol: "tcp",
                fromPort: 22,
                toPort: 22,
                cidrIpv6: "::/0",
            }),
            "::/0",
        );
        assertOne(
            check(sgNoOpenIngress, T.securityGroupRule, {
                type: "ingress",
                protocol: "-1",
                fromPort: 0,
                toPort: 0,
                cidrBlocks: ["0.0.0.0/0"],
            }),
            "0.0.0.0/0",
        );
    });

    it("sg-no-open-ingress ignores egress rules", () => {
        const egress = { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] };
        assert.deepStrictEqual(check(sgNoOpenIngress, T.securityGroupRule, egress), []);
    });

    it("sg-mysql-from-peer-only admits 3306 from a peer CIDR (or inside one) and from security groups", () => {
        const rule = (extra: Inputs): Inputs => ({
            securityGroupId: "sg-1",
            ipProtocol: "tcp",
            fromPort: 3306,
            toPort: 3306,
            ...extra,
        });
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, T.ingressRule, rule({ cidrIpv4: "10.20.0.0/16" })),
            [],
        );
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, T.ingressRule, rule({ cidrIpv4: "10.20.3.0/24" })),
            [],
        );
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, T.ingressRule, rule({ referencedSecurityGroupId: "sg-2" })),
            [],
        );
        assert.deepStrictEqual(check(sgMysqlFromPeerOnly, T.ingressRule, rule({ cidrIpv4: UNKNOWN })), []);
        // Another port from anywhere private is not this policy's business.
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, T.ingressRule, {
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                cidrIpv4: "172.16.0.0/12",
            }),
            [],
        );
    });

    it("sg-mysql-from-peer-only refuses 3306 from any other CIDR, naming the allowed ones", () => {
        assertOne(
            check(
                sgMysqlFromPeerOnly,
                T.securityGroup,
                sg([{ protocol: "tcp", fromPort: 3300, toPort: 3310, cidrBlocks: ["10.0.0.0/8"] }]),
            ),
            "10.0.0.0/8",
            "10.10.0.0/16, 10.20.0.0/16",
            "allowedPeerCidrs",
        );
        assertOne(
            check(sgMysqlFromPeerOnly, T.securityGroupRule, {
                type: "ingress",
                protocol: "-1",
                fromPort: 0,
                toPort: 0,
                cidrBlocks: ["192.168.0.0/16"],
            }),
            "192.168.0.0/16",
        );
        assertOne(
            sgMysqlFromPeerOnly.check(
                T.ingressRule,
                "r",
                { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.20.0.0/16" },
                { allowedPeerCidrs: [] },
            ),
            "none configured",
        );
    });
});

describe("policy pack: peering routes", () => {
    const route = (destinationCidrBlock: string): StackResource => ({
        type: T.route,
        name: "to-db",
        inputs: { routeTableId: "rtb-1", destinationCidrBlock, vpcPeeringConnectionId: "pcx-1" },
    });

    it("peering-routes-to-peer-cidr accepts a peering route to a peer CIDR and ignores other routes", () => {
        const nat: StackResource = {
            type: T.route,
            name: "nat",
            inputs: { routeTableId: "rtb-1", destinationCidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" },
        };
        assert.deepStrictEqual(peeringRoutesToPeerCidr.check([route("10.10.0.0/16"), nat], config), []);
        const pending = {
            ...route("10.10.0.0/16"),
            inputs: { ...route("10.10.0.0/16").inputs, vpcPeeringConnectionId: UNKNOWN },
        };
        assert.deepStrictEqual(peeringRoutesToPeerCidr.check([pending], config), []);
    });

    it("peering-routes-to-peer-cidr refuses a peering route to anything wider than the peer", () => {
        const out = peeringRoutesToPeerCidr.check([route("0.0.0.0/0")], config);
        assert.strictEqual(out.length, 1);
        assert.strictEqual(out[0].resource, "to-db");
        assert.match(
            out[0].message,
            /leads to 0\.0\.0\.0\/0, which is not a peer CIDR; route only the peer VPC's CIDR/,
        );
        const table: StackResource = {
            type: T.routeTable,
            name: "rt",
            inputs: {
                vpcId: "vpc-1",
                routes: [{ cidrBlock: "10.0.0.0/8", vpcPeeringConnectionId: "pcx-1" }],
            },
        };
        assert.match(peeringRoutesToPeerCidr.check([table], config)[0].message, /10\.0\.0\.0\/8/);
    });
});

describe("policy pack: IAM", () => {
    const role = (assumeRolePolicy: string): Inputs => ({
        name: "data-access",
        assumeRolePolicy,
        maxSessionDuration: 3600,
    });
    const goodTrust = trust({
        Principal: { AWS: "arn:aws:iam::222222225884:root" },
        Condition: { ArnEquals: { "aws:PrincipalArn": CONSUMER_ROLE } },
    });

    it("iam-trust-no-wildcard-principal accepts exact principals and refuses *", () => {
        assert.deepStrictEqual(check(iamTrustNoWildcardPrincipal, T.role, role(goodTrust)), []);
        assert.deepStrictEqual(
            check(
                iamTrustNoWildcardPrincipal,
                T.role,
                role(trust({ Principal: { Service: "lambda.amazonaws.com" } })),
            ),
            [],
        );
        assertOne(
            check(iamTrustNoWildcardPrincipal, T.role, role(trust({ Principal: "*" }))),
            'wildcard principal "*"',
        );
        assertOne(
            check(
                iamTrustNoWildcardPrincipal,
                T.role,
                role(trust({ Principal: { AWS: ["arn:aws:iam::222222225884:root", "*"] } })),
            ),
            "name the exact account root",
        );
        assertOne(
            check(iamTrustNoWildcardPrincipal, T.role, role("{not json")),
            "not a readable IAM policy document",
        );
    });

    it("iam-trust-root-needs-condition requires aws:PrincipalArn or sts:ExternalId on account-root trust", () => {
        assert.deepStrictEqual(check(iamTrustRootNeedsCondition, T.role, role(goodTrust)), []);
        const withExternalId = trust({
            Principal: { AWS: "222222225884" },
            Condition: { StringEquals: { "sts:ExternalId": "x-1" } },
        });
        assert.deepStrictEqual(check(iamTrustRootNeedsCondition, T.role, role(withExternalId)), []);
        assertOne(
            check(
                iamTrustRootNeedsCondition,
                T.role,
                role(trust({ Principal: { AWS: "arn:aws:iam::222222225884:root" } })),
            ),
            "whole account arn:aws:iam::222222225884:root",
            '"aws:PrincipalArn"',
        );
    });

    it("iam-no-wildcard-actions refuses * and service-wide actions, in every kind of identity policy", () => {
        const ok = policyDoc({
            Action: ["sts:AssumeRole"],
            Resource: "arn:aws:iam::111111112974:role/data-access",
        });
        assert.deepStrictEqual(check(iamNoWildcardActions, T.rolePolicy, { role: "r", policy: ok }), []);
        assertOne(
            check(iamNoWildcardActions, T.rolePolicy, {
                role: "r",
                policy: policyDoc({ Action: "*", Resource: "*" }),
            }),
            'wildcard action "*"',
        );
        assertOne(
            check(iamNoWildcardActions, T.policy, {
                policy: policyDoc({ Action: "s3:*", Resource: "arn:aws:s3:::b" }),
            }),
            '"s3:*"',
        );
        assertOne(
            check(iamNoWildcardActions, T.role, {
                assumeRolePolicy: trust({ Principal: { Service: "lambda.amazonaws.com" } }),
                inlinePolicies: [{ name: "all", policy: policyDoc({ Action: "*", Resource: "*" }) }],
            }),
            "inline policy all",
        );
        assertOne(
            check(iamNoWildcardActions, T.rolePolicyAttachment, {
                role: "r",
                policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
            }),
            "AdministratorAccess",
            "only the actions needed",
        );
        // Deny statements may be broad.
        assert.deepStrictEqual(
            check(iamNoWildcardActions, T.policy, {
                policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
            }),
            [],
        );
    });

    it("iam-sensitive-actions-exact-resources refuses AssumeRole, GetSecretValue or Decrypt on *", () => {
        const exact = policyDoc(
            { Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111112974:role/data-access" },
            { Action: ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"], Resource: "*" },
        );
        assert.deepStrictEqual(check(iamSensitiveActionsExactResources, T.rolePolicy, { policy: exact }), []);
        assertOne(
            check(iamSensitiveActionsExactResources, T.rolePolicy, {
                policy: policyDoc({ Action: "sts:AssumeRole", Resource: "*" }),
            }),
            'sts:AssumeRole on "*"',
            "exact role, secret or key ARN",
        );
        assertOne(
            check(iamSensitiveActionsExactResources, T.policy, {
                policy: policyDoc({
                    Action: "secretsmanager:Get*",
                    Resource: "arn:aws:secretsmanager:us-east-1:111111112974:secret:*",
                }),
            }),
            "secretsmanager:GetSecretValue",
        );
        assertOne(
            check(iamSensitiveActionsExactResources, T.policy, {
                policy: policyDoc({ Action: "kms:Decrypt", Resource: ["*"] }),
            }),
            "kms:Decrypt",
        );
    });
});

describe("policy pack: secrets and keys", () => {
    it("secret-cmk requires a customer-managed key", () => {
        assert.deepStrictEqual(
            check(secretCustomerManagedKey, T.secret, { name: "reader", kmsKeyId: KEY_ARN }),
            [],
        );
        assert.deepStrictEqual(
            check(secretCustomerManagedKey, T.secret, { name: "reader", kmsKeyId: UNKNOWN }),
            [],
        );
        assertOne(
            check(secretCustomerManagedKey, T.secret, { name: "reader" }),
            "other accounts cannot use",
            "kmsKeyId",
        );
        assertOne(
            check(secretCustomerManagedKey, T.secret, { kmsKeyId: "alias/aws/secretsmanager" }),
            "alias/aws/secretsmanager",
        );
    });

    it("secret-policy-block-public requires blockPublicPolicy", () => {
        const inputs = {
            secretArn: "arn:aws:secretsmanager:us-east-1:111111112974:secret:r-AbCdEf",
            policy: "{}",
        };
        assert.deepStrictEqual(
            check(secretPolicyBlockPublic, T.secretPolicy, { ...inputs, blockPublicPolicy: true }),
            [],
        );
        assertOne(check(secretPolicyBlockPublic, T.secretPolicy, inputs), "blockPublicPolicy: true");
    });

    it("kms-key-rotation requires rotation on symmetric keys", () => {
        assert.deepStrictEqual(check(kmsKeyRotation, T.kmsKey, { enableKeyRotation: true }), []);
        assert.deepStrictEqual(check(kmsKeyRotation, T.kmsKey, { customerMasterKeySpec: "RSA_2048" }), []);
        assertOne(check(kmsKeyRotation, T.kmsKey, { description: "k" }), "enableKeyRotation: true");
    });
});

describe("policy pack: Lambda", () => {
    const fn: Inputs = {
        name: "fetch-rows",
        runtime: "nodejs20.x",
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

    it("lambda-in-vpc requires subnets and security groups", () => {
        assert.deepStrictEqual(check(lambdaInVpc, T.lambda, fn), []);
        assertOne(check(lambdaInVpc, T.lambda, { ...fn, vpcConfig: undefined }), "vpcConfig", "subnetIds");
        assertOne(
            check(lambdaInVpc, T.lambda, { ...fn, vpcConfig: { subnetIds: [], securityGroupIds: ["sg-1"] } }),
            "does not run in a VPC",
        );
    });

    it("lambda-no-secret-env refuses secret-looking variables without printing their values", () => {
        assert.deepStrictEqual(check(lambdaNoSecretEnv, T.lambda, fn), []);
        const withPassword = { ...fn, environment: { variables: { DB_PASSWORD: "hunter2-hunter2" } } };
        const messages = check(lambdaNoSecretEnv, T.lambda, withPassword);
        assertOne(messages, "DB_PASSWORD", "Secrets Manager", "DB_SECRET_ARN");
        assert.ok(!messages[0].includes("hunter2"), "the value must never be printed");
        assertOne(
            check(lambdaNoSecretEnv, T.lambda, {
                environment: { variables: { SETTING: "AKIAIOSFODNN7EXAMPLE" } },
            }),
            "SETTING holds a credential",
        );
        assertOne(
            check(lambdaNoSecretEnv, T.lambda, { environment: { variables: { API_KEY: "abc" } } }),
            "API_KEY",
        );
    });

    it("log-group-retention requires retentionInDays", () => {
        assert.deepStrictEqual(
            check(logGroupRetention, T.logGroup, { name: "/aws/lambda/fetch-rows", retentionInDays: 30 }),
            [],
        );
        assertOne(
            check(logGroupRetention, T.logGroup, { name: "/aws/lambda/fetch-rows" }),
            "retentionInDays",
        );
    });

    describe("lambda-log-retention", () => {
        const logGroup = (name: string, retentionInDays?: number): StackResource => ({
            type: T.logGroup,
            name: "fetch-rows-logs",
            inputs: { name, ...(retentionInDays ? { retentionInDays } : {}) },
        });
        const lambda: StackResource = { type: T.lambda, name: "fetch-rows", inputs: fn };

        it("accepts a function with its /aws/lambda/<name> log group with retention", () => {
            assert.deepStrictEqual(
                lambdaLogRetention.check([lambda, logGroup("/aws/lambda/fetch-rows", 30)], config),
                [],
            );
        });

        it("links an auto-named function to its log group by the logical name", () => {
            const auto = { ...lambda, inputs: { ...fn, name: undefined } };
            assert.deepStrictEqual(
                lambdaLogRetention.check([auto, logGroup("/aws/lambda/fetch-rows-a1b2c3d", 7)], config),
                [],
            );
        });

        it("refuses a function without its log group, or with one that keeps logs forever", () => {
            const missing = lambdaLogRetention.check([lambda, logGroup("/aws/lambda/other", 30)], config);
            assert.strictEqual(missing.length, 1);
            assert.match(
                missing[0].message,
                /no log group \/aws\/lambda\/fetch-rows in this stack.*declare an aws\.cloudwatch\.LogGroup/,
            );
            const forever = lambdaLogRetention.check([lambda, logGroup("/aws/lambda/fetch-rows")], config);
            assert.match(forever[0].message, /has no retention; set retentionInDays/);
        });
    });
});

describe("policy pack: the whole pack", () => {
    it("names every policy uniquely", () => {
        const names = [...resourcePolicies, ...stackPolicies].map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        assert.strictEqual(names.length, 19);
    });

    it("validateResource reports each violation with its policy and resource", () => {
        const out = validateResource(
            T.rdsInstance,
            "db",
            { ...goodDb, publiclyAccessible: true, deletionProtection: false },
            config,
        );
        assert.deepStrictEqual(
            out.map((v) => [v.policy, v.resource]),
            [
                ["rds-not-public", "db"],
                ["rds-deletion-protection", "db"],
            ],
        );
        assert.deepStrictEqual(validateResource("aws:s3/bucket:Bucket", "b", {}, config), []);
    });

    it("validateStack runs resource and stack policies over a compliant stack with zero violations", () => {
        const resources: StackResource[] = [
            { type: T.kmsKey, name: "key", inputs: { enableKeyRotation: true } },
            {
                type: T.rdsParameterGroup,
                name: "pg",
                inputs: {
                    name: "pg",
                    family: "mysql8.4",
                    parameters: [{ name: "require_secure_transport", value: "ON" }],
                },
            },
            { type: T.rdsInstance, name: "db", inputs: { ...goodDb, parameterGroupName: "pg" } },
            {
                type: T.ingressRule,
                name: "mysql",
                inputs: { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.20.0.0/16" },
            },
            {
                type: T.route,
                name: "peer",
                inputs: { destinationCidrBlock: "10.20.0.0/16", vpcPeeringConnectionId: "pcx-1" },
            },
        ];
        assert.deepStrictEqual(validateStack(resources, config), []);
        const broken = [
            ...resources,
            {
                type: T.route,
                name: "wide",
                inputs: { destinationCidrBlock: "10.0.0.0/8", vpcPeeringConnectionId: "pcx-1" },
            },
        ];
        assert.deepStrictEqual(
            validateStack(broken, config).map((v) => v.policy),
            ["peering-routes-to-peer-cidr"],
        );
    });
});
