import * as assert from "assert";
import { evaluate } from "../../plan/policyEval";
import { StackPlan } from "../../plan/run";
import { DATABASE_EXPORT_NAMES } from "../../infra/contract";
import { nameFor } from "../../infra/stacks/database";
import { all, only, planDatabase, policy, shippedConfig } from "../support/stacks";

const DB_ACCOUNT = "111111112974";
const CONSUMER_ACCOUNT = "222222225884";
const FUNCTION_ROLE = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/cross-account-rds-engineering-fetch-rows`;
const DEPLOYER = `arn:aws:iam::${CONSUMER_ACCOUNT}:role/pulumi-deployer`;

describe("database stack (Pulumi.dev.yaml under mocks)", function () {
    let plan: StackPlan;

    before(async () => {
        plan = await planDatabase();
    });

    it("builds a VPC of isolated subnets in two AZs with DNS on and no NAT", () => {
        const vpc = only(plan, "awsx:ec2:Vpc");
        assert.strictEqual(vpc.inputs.cidrBlock, "10.10.0.0/16");
        assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 2);
        assert.deepStrictEqual(
            vpc.inputs.subnetSpecs.map((s: { type: string }) => s.type),
            ["Isolated"],
        );
        assert.strictEqual(vpc.inputs.natGateways.strategy, "None");
        assert.strictEqual(vpc.inputs.enableDnsSupport, true);
        assert.strictEqual(vpc.inputs.enableDnsHostnames, true);
    });

    it("runs RDS MySQL 8.4, private, encrypted with its own CMK, protected and backed up", () => {
        const db = only(plan, "aws:rds/instance:Instance");
        const key = only(plan, "aws:kms/key:Key", "database-storage");
        assert.strictEqual(db.inputs.engine, "mysql");
        assert.strictEqual(db.inputs.engineVersion, "8.4");
        assert.strictEqual(db.inputs.publiclyAccessible, false);
        assert.strictEqual(db.inputs.storageEncrypted, true);
        assert.strictEqual(db.inputs.kmsKeyId, key.state.arn);
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.strictEqual(db.inputs.deletionProtection, true);
        assert.strictEqual(db.inputs.skipFinalSnapshot, false);
        assert.match(db.inputs.finalSnapshotIdentifier, /^cross-account-rds-dev-final$/);
        assert.ok(db.inputs.backupRetentionPeriod >= 7);
        assert.strictEqual(db.inputs.manageMasterUserPassword, true);
        assert.strictEqual(db.inputs.password, undefined, "no master password passes through the program");
        const subnetGroup = only(plan, "aws:rds/subnetGroup:SubnetGroup");
        assert.deepStrictEqual(
            subnetGroup.inputs.subnetIds,
            only(plan, "awsx:ec2:Vpc").state.isolatedSubnetIds,
        );
        assert.strictEqual(db.inputs.dbSubnetGroupName, subnetGroup.state.name ?? subnetGroup.id);
    });

    it("requires TLS through its parameter group", () => {
        const group = only(plan, "aws:rds/parameterGroup:ParameterGroup");
        assert.strictEqual(group.inputs.family, "mysql8.4");
        assert.deepStrictEqual(group.inputs.parameters, [{ name: "require_secure_transport", value: "1" }]);
        assert.strictEqual(
            only(plan, "aws:rds/instance:Instance").inputs.parameterGroupName,
            group.state.name ?? group.id,
        );
    });

    it("lets config turn deletion protection and the final snapshot off", async () => {
        const config = {
            ...shippedConfig("dev"),
            "cross-account-rds:deletionProtection": false,
            "cross-account-rds:skipFinalSnapshot": true,
        };
        const db = only(await planDatabase(config), "aws:rds/instance:Instance");
        assert.strictEqual(db.inputs.deletionProtection, false);
        assert.strictEqual(db.inputs.skipFinalSnapshot, true);
        assert.strictEqual(db.inputs.finalSnapshotIdentifier, undefined);
    });

    it("admits 3306 only from the consumer VPC and the bootstrap function, every rule described", () => {
        const dbSg = only(plan, "aws:rds/instance:Instance").inputs.vpcSecurityGroupIds;
        const rules = all(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) =>
            dbSg.includes(r.inputs.securityGroupId),
        );
        const bootstrapSg = only(plan, "aws:ec2/securityGroup:SecurityGroup", "db-bootstrap").id;
        assert.deepStrictEqual(
            rules.map((r) => [
                r.inputs.fromPort,
                r.inputs.toPort,
                r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId,
            ]),
            [
                [3306, 3306, "10.20.0.0/16"],
                [3306, 3306, bootstrapSg],
            ],
        );
        for (const rule of all(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").concat(
            all(plan, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        )) {
            assert.ok(rule.inputs.description?.length > 10, `${rule.name} has a description`);
        }
    });

    it("trusts exactly the consumer's function role with the data-access role", () => {
        const role = only(plan, "aws:iam/role:Role", "data-access-engineering");
        const trust = policy(role.inputs.assumeRolePolicy);
        assert.strictEqual(role.inputs.maxSessionDuration, 3600);
        assert.deepStrictEqual(trust.Statement[0].Principal, {
            AWS: `arn:aws:iam::${CONSUMER_ACCOUNT}:root`,
        });
        assert.deepStrictEqual(trust.Statement[0].Condition, {
            ArnEquals: { "aws:PrincipalArn": [FUNCTION_ROLE] },
        });
        assert.ok(evaluate(trust, { principalArn: FUNCTION_ROLE, action: "sts:AssumeRole" }));
        assert.ok(!evaluate(trust, { principalArn: DEPLOYER, action: "sts:AssumeRole" }));
    });

    it("lets the data-access role read only the reader secret, through its key", () => {
        const role = only(plan, "aws:iam/role:Role", "data-access-engineering");
        const inline = all(plan, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role.id);
        assert.strictEqual(inline.length, 1);
        const secret = only(plan, "aws:secretsmanager/secret:Secret");
        const statements = policy(inline[0].inputs.policy).Statement;
        const resources = statements.flatMap((s) => [s.Resource].flat());
        assert.ok(!resources.includes("*"));
        assert.deepStrictEqual(statements.flatMap((s) => [s.Action].flat()).sort(), [
            "kms:Decrypt",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
        ]);
        assert.ok(resources.includes(secret.state.arn));
        assert.ok(resources.includes(secret.inputs.kmsKeyId));
    });

    it("keeps the reader secret on a customer-managed key, shared only with the data-access role", () => {
        const secret = only(plan, "aws:secretsmanager/secret:Secret");
        const key = all(plan, "aws:kms/key:Key").find((k) => k.state.arn === secret.inputs.kmsKeyId);
        assert.ok(key, "the secret's key is a CMK of this stack");
        const secretPolicy = only(plan, "aws:secretsmanager/secretPolicy:SecretPolicy");
        assert.strictEqual(secretPolicy.inputs.blockPublicPolicy, true);
        const dataAccessArn = only(plan, "aws:iam/role:Role", "data-access-engineering").state.arn;
        const principals = policy(secretPolicy.inputs.policy).Statement.flatMap((s) =>
            [(s.Principal as { AWS: string | string[] }).AWS].flat(),
        );
        assert.deepStrictEqual([...new Set(principals)], [dataAccessArn]);
    });

    it("stores the reader login as a Pulumi secret holding the generated password", () => {
        const version = only(plan, "aws:secretsmanager/secretVersion:SecretVersion");
        assert.deepStrictEqual(version.secretInputs, ["secretString"], "the engine receives it as a secret");
        const value = JSON.parse(version.inputs.secretString);
        assert.strictEqual(value.username, "veggie_reader");
        assert.strictEqual(value.dbname, "fruits_veggies");
        assert.strictEqual(value.host, only(plan, "aws:rds/instance:Instance").state.address);
        assert.ok(plan.secretValues.has(value.password), "the password is the generated one");
    });

    it("lets only the consumer's deployer assume the peering-accepter role, scoped to this VPC", () => {
        const role = only(plan, "aws:iam/role:Role", "peering-accepter-engineering");
        const trust = policy(role.inputs.assumeRolePolicy);
        assert.ok(evaluate(trust, { principalArn: DEPLOYER, action: "sts:AssumeRole" }));
        assert.ok(!evaluate(trust, { principalArn: FUNCTION_ROLE, action: "sts:AssumeRole" }));
        const inline = all(plan, "aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === role.id);
        const vpcId = only(plan, "awsx:ec2:Vpc").state.vpcId;
        const tables = only(plan, "awsx:ec2:Vpc").state.routeTables.map((t: { id: string }) => t.id);
        const statements = policy(inline?.inputs.policy).Statement;
        const accept = statements.find((s) => s.Sid === "AcceptPeeringIntoThisVpc");
        assert.deepStrictEqual(accept?.Condition?.ArnEquals, {
            "ec2:AccepterVpc": `arn:aws:ec2:us-east-1:${DB_ACCOUNT}:vpc/${vpcId}`,
        });
        const routes = statements.find((s) => s.Sid === "RouteBackToTheConsumer");
        assert.deepStrictEqual(
            routes?.Resource,
            tables.map((t: string) => `arn:aws:ec2:us-east-1:${DB_ACCOUNT}:route-table/${t}`),
        );
        const wildcard = statements.filter((s) => [s.Resource].flat().includes("*"));
        assert.ok(wildcard.every((s) => [s.Action].flat().every((a) => a?.startsWith("ec2:Describe"))));
    });

    it("bootstraps the schema with an in-VPC function invoked on deploy", () => {
        const fn = only(plan, "aws:lambda/function:Function");
        const invocation = only(plan, "aws:lambda/invocation:Invocation");
        assert.strictEqual(invocation.inputs.functionName, fn.state.name);
        assert.match(invocation.inputs.triggers.fingerprint, /^[0-9a-f]{64}$/);
        assert.strictEqual(fn.inputs.runtime, "nodejs22.x");
        assert.deepStrictEqual(
            fn.inputs.vpcConfig.subnetIds,
            only(plan, "awsx:ec2:Vpc").state.isolatedSubnetIds,
        );
        const endpoint = only(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.strictEqual(endpoint.inputs.serviceName, "com.amazonaws.us-east-1.secretsmanager");
        assert.strictEqual(endpoint.inputs.privateDnsEnabled, true);
        const env = fn.inputs.environment.variables;
        assert.strictEqual(env.DB_TLS, "rds");
        for (const value of Object.values(env) as string[]) {
            for (const secret of plan.secretValues) {
                assert.ok(!value.includes(secret), "no secret in the function's environment");
            }
        }
    });

    it("exports every value of the consumer contract", () => {
        for (const name of DATABASE_EXPORT_NAMES) {
            assert.notStrictEqual(plan.exports[name], undefined, `export ${name}`);
        }
        assert.deepStrictEqual(Object.keys(plan.exports.dataAccessRoleArns as object), ["engineering"]);
        assert.strictEqual((plan.exports.routeTableIds as string[]).length, 2);
    });

    it("trusts and admits every configured consumer, and nothing else", async () => {
        const config = shippedConfig("dev");
        const consumers = config["cross-account-rds:consumers"] as Array<Record<string, unknown>>;
        consumers.push({
            name: "marketing",
            accountId: "333333333333",
            vpcCidr: "10.30.0.0/16",
            deployerPrincipalArns: ["arn:aws:iam::333333333333:role/deployer"],
        });
        const two = await planDatabase(config);
        const dbSg = only(two, "aws:rds/instance:Instance").inputs.vpcSecurityGroupIds;
        const cidrs = all(two, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => dbSg.includes(r.inputs.securityGroupId) && r.inputs.cidrIpv4)
            .map((r) => r.inputs.cidrIpv4);
        assert.deepStrictEqual(cidrs, ["10.20.0.0/16", "10.30.0.0/16"]);
        const marketingRole = "arn:aws:iam::333333333333:role/cross-account-rds-marketing-fetch-rows";
        const trustOf = (name: string) =>
            policy(only(two, "aws:iam/role:Role", name).inputs.assumeRolePolicy);
        assert.ok(
            evaluate(trustOf("data-access-engineering"), {
                principalArn: FUNCTION_ROLE,
                action: "sts:AssumeRole",
            }),
        );
        assert.ok(
            evaluate(trustOf("data-access-marketing"), {
                principalArn: marketingRole,
                action: "sts:AssumeRole",
            }),
        );
        assert.ok(
            !evaluate(trustOf("data-access-engineering"), {
                principalArn: marketingRole,
                action: "sts:AssumeRole",
            }),
        );
        assert.ok(
            !evaluate(trustOf("data-access-marketing"), {
                principalArn: FUNCTION_ROLE,
                action: "sts:AssumeRole",
            }),
        );
        const secretPolicy = policy(only(two, "aws:secretsmanager/secretPolicy:SecretPolicy").inputs.policy);
        const readers = secretPolicy.Statement.flatMap((s) => [(s.Principal as { AWS: string }).AWS].flat());
        assert.deepStrictEqual(
            readers.sort(),
            Object.values(two.exports.dataAccessRoleArns as object).sort(),
        );
    });

    it("derives AWS names from any stack name: letters, digits and single hyphens, within the length limit", () => {
        assert.strictEqual(nameFor("prod_db.eu--1", "final", 255), "cross-account-rds-prod-db-eu-1-final");
        const long = nameFor("x".repeat(80), "db-bootstrap", 64);
        assert.strictEqual(long.length, 64);
        assert.match(long, /^cross-account-rds-x+-db-bootstrap$/);
    });
});
