import * as assert from "assert";
import { DATABASE_EXPORT_NAMES } from "../../infra/contract";
import { nameFor } from "../../infra/stacks/names";
import { evaluate } from "../../plan/policyEval";
import { StackPlan } from "../../plan/run";
import { qualifiedName } from "../../plan/stackFiles";
import {
    all,
    DEFAULT_ORGANIZATION,
    only,
    planDatabase,
    planFromConfig,
    policy,
    ruleResources,
    securityGroupId,
    shippedConfig,
    zoneIdsOf,
} from "../support/stacks";

const DB_ACCOUNT = "111111112974";
const ENGINEERING = "222222225884";
const ANALYTICS = "333333336021";
const FUNCTION_ROLE = `arn:aws:iam::${ENGINEERING}:role/cross-account-rds-engineering-fetch-rows`;
const ANALYTICS_ROLE = `arn:aws:iam::${ANALYTICS}:role/cross-account-rds-analytics-fetch-rows`;
const DEPLOYER = `arn:aws:iam::${ENGINEERING}:role/pulumi-deployer`;
const CONSUMERS = "cross-account-rds:consumers";

type Entry = Record<string, unknown>;

/** The shipped database config with its consumers list changed. */
function withConsumers(change: (consumers: Entry[]) => Entry[]): Record<string, unknown> {
    const config = shippedConfig("dev");
    return { ...config, [CONSUMERS]: change(config[CONSUMERS] as Entry[]) };
}

/** The database stack run over what its previous deployment exported. */
function planOver(previous: Record<string, unknown>, config = shippedConfig("dev")): Promise<StackPlan> {
    return planFromConfig("dev", config, {
        [qualifiedName(DEFAULT_ORGANIZATION, "dev")]: { outputs: previous },
    });
}

function ingressOnDatabase(plan: StackPlan): Array<string | undefined> {
    const dbSg = only(plan, "aws:rds/instance:Instance").inputs.vpcSecurityGroupIds;
    return ruleResources(plan, "ingress")
        .filter((r) => dbSg.includes(r.inputs.securityGroupId))
        .map((r) => {
            assert.deepStrictEqual(
                [r.inputs.fromPort, r.inputs.toPort],
                [3306, 3306],
                `${r.name} is 3306 only`,
            );
            return r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId;
        });
}

function rolePolicies(plan: StackPlan, roleName: string) {
    const role = only(plan, "aws:iam/role:Role", roleName);
    return all(plan, "aws:iam/rolePolicy:RolePolicy").filter(
        (p) => p.inputs.role === role.id || p.inputs.role === role.state.name,
    );
}

async function refusal(plan: Promise<unknown>): Promise<string> {
    try {
        await plan;
    } catch (err) {
        return (err as Error).message;
    }
    assert.fail("the update was not refused");
}

describe("database stack (Pulumi.dev.yaml under mocks: a peering and a privatelink consumer)", function () {
    let plan: StackPlan;

    before(async () => {
        plan = await planDatabase();
    });

    it("builds a VPC of isolated subnets in two AZs with DNS on and no NAT", () => {
        const vpc = only(plan, "awsx:ec2:Vpc");
        assert.strictEqual(vpc.inputs.cidrBlock, "10.10.0.0/16");
        assert.deepStrictEqual(vpc.inputs.availabilityZoneNames, ["us-east-1a", "us-east-1b"]);
        assert.deepStrictEqual(
            vpc.inputs.subnetSpecs.map((s: { type: string; cidrMask: number }) => [s.type, s.cidrMask]),
            [["Isolated", 24]],
        );
        assert.strictEqual(vpc.inputs.natGateways.strategy, "None");
        assert.strictEqual(vpc.inputs.enableDnsSupport, true);
        assert.strictEqual(vpc.inputs.enableDnsHostnames, true);
    });

    it("exports the zone ids its subnets span, so consumers can span the same physical zones", async () => {
        const names = only(plan, "awsx:ec2:Vpc").inputs.availabilityZoneNames as string[];
        assert.deepStrictEqual(plan.exports.availabilityZoneIds, await zoneIdsOf(DB_ACCOUNT, names));
        for (const id of plan.exports.availabilityZoneIds as string[]) {
            assert.match(id, /^use1-az[1-6]$/);
        }
    });

    it("sizes the subnets to fit a small VPC: a /24 in two zones gets two /25", async () => {
        const small = await planDatabase({
            ...withConsumers((c) => c.filter((e) => e.network === "peering")),
            "cross-account-rds:vpcCidr": "10.10.0.0/24",
        });
        assert.strictEqual(only(small, "awsx:ec2:Vpc").inputs.subnetSpecs[0].cidrMask, 25);
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

    it("keeps the storage key when the stack is destroyed, so the final snapshot stays restorable", () => {
        const key = only(plan, "aws:kms/key:Key", "database-storage");
        assert.strictEqual(key.options?.retainOnDelete, true);
        assert.strictEqual(key.inputs.deletionWindowInDays, 30);
    });

    it("names the final snapshot uniquely per instance, from a suffix renewed when the instance is replaced", async () => {
        const db = only(plan, "aws:rds/instance:Instance");
        const suffix = only(plan, "random:index/randomId:RandomId", "database-final-snapshot");
        assert.match(db.inputs.finalSnapshotIdentifier, /^cross-account-rds-dev-final-[0-9a-f]{8}$/);
        assert.ok(db.inputs.finalSnapshotIdentifier.endsWith(suffix.state.hex));
        assert.deepStrictEqual(suffix.inputs.keepers, { dbName: "fruits_veggies", engine: "mysql" });
        const renamed = await planDatabase({
            ...shippedConfig("dev"),
            "cross-account-rds:dbName": "harvest",
        });
        assert.notStrictEqual(
            only(renamed, "aws:rds/instance:Instance").inputs.finalSnapshotIdentifier,
            db.inputs.finalSnapshotIdentifier,
        );
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

    it("admits 3306 from the peering consumer's CIDR, the resource gateway and the bootstrap function only", () => {
        const bootstrapSg = securityGroupId(plan, "db-bootstrap");
        const gatewaySg = securityGroupId(plan, "database-privatelink-gateway-sg");
        assert.deepStrictEqual(
            ingressOnDatabase(plan).sort(),
            ["10.20.0.0/16", bootstrapSg, gatewaySg].sort(),
        );
        assert.ok(!ingressOnDatabase(plan).includes("10.10.0.0/16"), "never the privatelink consumer's CIDR");
        for (const rule of [...ruleResources(plan, "ingress"), ...ruleResources(plan, "egress")]) {
            assert.ok(rule.inputs.description?.length > 10, `${rule.name} has a description`);
        }
    });

    it("trusts exactly each consumer's function role with its own data-access role", () => {
        for (const [name, allowed, other] of [
            ["engineering", FUNCTION_ROLE, ANALYTICS_ROLE],
            ["analytics", ANALYTICS_ROLE, FUNCTION_ROLE],
        ]) {
            const role = only(plan, "aws:iam/role:Role", `data-access-${name}`);
            const trust = policy(role.inputs.assumeRolePolicy);
            assert.strictEqual(role.inputs.maxSessionDuration, 3600);
            assert.deepStrictEqual(trust.Statement[0].Condition, {
                ArnEquals: { "aws:PrincipalArn": [allowed] },
            });
            assert.ok(evaluate(trust, { principalArn: allowed, action: "sts:AssumeRole" }));
            assert.ok(!evaluate(trust, { principalArn: other, action: "sts:AssumeRole" }));
            assert.ok(!evaluate(trust, { principalArn: DEPLOYER, action: "sts:AssumeRole" }));
        }
    });

    it("grants each data-access role read on the reader secret only, through its key", () => {
        const secret = only(plan, "aws:secretsmanager/secret:Secret");
        for (const name of ["engineering", "analytics"]) {
            const inline = rolePolicies(plan, `data-access-${name}`);
            assert.strictEqual(inline.length, 1, `one grant for ${name}`);
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
        }
    });

    it("keeps the reader secret on a customer-managed key, shared only with the data-access roles", () => {
        const secret = only(plan, "aws:secretsmanager/secret:Secret");
        assert.ok(all(plan, "aws:kms/key:Key").some((k) => k.state.arn === secret.inputs.kmsKeyId));
        const secretPolicy = only(plan, "aws:secretsmanager/secretPolicy:SecretPolicy");
        assert.strictEqual(secretPolicy.inputs.blockPublicPolicy, true);
        const principals = policy(secretPolicy.inputs.policy).Statement.flatMap((s) =>
            [(s.Principal as { AWS: string | string[] }).AWS].flat(),
        );
        assert.deepStrictEqual(
            [...new Set(principals)].sort(),
            ["data-access-engineering", "data-access-analytics"]
                .map((name) => only(plan, "aws:iam/role:Role", name).state.arn)
                .sort(),
        );
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

    it("lets only the peering consumer's deployer assume a peering-accepter role, scoped to this VPC", () => {
        assert.throws(() => only(plan, "aws:iam/role:Role", "peering-accepter-analytics"), /found 0/);
        const role = only(plan, "aws:iam/role:Role", "peering-accepter-engineering");
        const trust = policy(role.inputs.assumeRolePolicy);
        assert.ok(evaluate(trust, { principalArn: DEPLOYER, action: "sts:AssumeRole" }));
        assert.ok(!evaluate(trust, { principalArn: FUNCTION_ROLE, action: "sts:AssumeRole" }));
        const vpc = only(plan, "awsx:ec2:Vpc");
        const statements = policy(
            rolePolicies(plan, "peering-accepter-engineering")[0].inputs.policy,
        ).Statement;
        const accept = statements.find((s) => s.Sid === "AcceptPeeringIntoThisVpc");
        assert.deepStrictEqual(accept?.Condition?.ArnEquals, {
            "ec2:AccepterVpc": `arn:aws:ec2:us-east-1:${DB_ACCOUNT}:vpc/${vpc.state.vpcId}`,
        });
        const routes = statements.find((s) => s.Sid === "RouteBackToTheConsumer");
        assert.deepStrictEqual(
            routes?.Resource,
            vpc.state.routeTables.map(
                (t: { id: string }) => `arn:aws:ec2:us-east-1:${DB_ACCOUNT}:route-table/${t.id}`,
            ),
        );
        const wildcard = statements.filter((s) => [s.Resource].flat().includes("*"));
        assert.ok(wildcard.every((s) => [s.Action].flat().every((a) => a?.startsWith("ec2:Describe"))));
    });

    it("shares the RDS instance with the privatelink consumer's account alone, through a resource gateway", () => {
        const config = only(plan, "aws:vpclattice/resourceConfiguration:ResourceConfiguration");
        assert.strictEqual(config.inputs.type, "ARN");
        assert.strictEqual(config.inputs.allowAssociationToShareableServiceNetwork, false);
        assert.strictEqual(
            config.inputs.resourceConfigurationDefinition.arnResource.arn,
            only(plan, "aws:rds/instance:Instance").state.arn,
        );
        const gateway = only(plan, "aws:vpclattice/resourceGateway:ResourceGateway");
        assert.deepStrictEqual(gateway.inputs.subnetIds, only(plan, "awsx:ec2:Vpc").state.isolatedSubnetIds);
        const principals = all(plan, "aws:ram/principalAssociation:PrincipalAssociation").map(
            (p) => p.inputs.principal,
        );
        assert.deepStrictEqual(principals, [ANALYTICS]);
        assert.strictEqual(
            only(plan, "aws:ram/resourceShare:ResourceShare").inputs.allowExternalPrincipals,
            false,
        );
    });

    it("bootstraps the schema with an in-VPC function, invoked under CRUD once every rule it uses exists", () => {
        const fn = only(plan, "aws:lambda/function:Function");
        const invocation = only(plan, "aws:lambda/invocation:Invocation");
        assert.strictEqual(invocation.inputs.functionName, fn.state.name);
        assert.strictEqual(invocation.inputs.lifecycleScope, "CRUD");
        assert.strictEqual(
            invocation.inputs.triggers,
            undefined,
            "no triggers: an input change is an update",
        );
        const input = JSON.parse(invocation.inputs.input);
        assert.match(input.fingerprint, /^[0-9a-f]{64}$/);
        assert.strictEqual(input.readerUser, "veggie_reader");
        assert.strictEqual(input.database, "fruits_veggies");
        assert.strictEqual(invocation.options?.deleteBeforeReplace, true);
        const dependsOn = invocation.options?.dependsOn ?? [];
        for (const name of [
            "database-endpoints-https-from-bootstrap",
            "db-bootstrap-mysql",
            "db-bootstrap-endpoints",
            "database-mysql-from-bootstrap",
        ]) {
            assert.ok(
                dependsOn.some((d) => d.endsWith(`::${name}`)),
                `the invocation waits for ${name}`,
            );
        }
        assert.ok(
            dependsOn.some((d) => d.endsWith("::database-secretsmanager")),
            "and for the endpoint",
        );
        assert.strictEqual(fn.inputs.runtime, "nodejs22.x");
        assert.deepStrictEqual(
            fn.inputs.vpcConfig.subnetIds,
            only(plan, "awsx:ec2:Vpc").state.isolatedSubnetIds,
        );
        const env = fn.inputs.environment.variables;
        assert.strictEqual(env.DB_TLS, "rds");
        for (const value of Object.values(env) as string[]) {
            for (const secret of plan.secretValues) {
                assert.ok(!value.includes(secret), "no secret in the function's environment");
            }
        }
    });

    it("exports every value of the contract, one record per consumer with what its stack needs", () => {
        for (const name of DATABASE_EXPORT_NAMES) {
            assert.notStrictEqual(plan.exports[name], undefined, `export ${name}`);
        }
        const records = plan.exports.consumers as Record<string, Record<string, unknown>>;
        assert.deepStrictEqual(Object.keys(records).sort(), ["analytics", "engineering"]);
        assert.deepStrictEqual(
            {
                ...records.engineering,
                dataAccessRoleArn: undefined,
                peeringAccepterRoleArn: undefined,
            },
            {
                accountId: ENGINEERING,
                network: "peering",
                vpcCidr: "10.20.0.0/16",
                functionRoleName: "cross-account-rds-engineering-fetch-rows",
                functionRoleArn: FUNCTION_ROLE,
                externalIdRequired: false,
                outsideOrganization: false,
                retiring: false,
                dataAccessRoleArn: undefined,
                peeringAccepterRoleArn: undefined,
            },
        );
        assert.strictEqual(
            records.engineering.dataAccessRoleArn,
            only(plan, "aws:iam/role:Role", "data-access-engineering").state.arn,
        );
        assert.strictEqual(
            records.engineering.peeringAccepterRoleArn,
            only(plan, "aws:iam/role:Role", "peering-accepter-engineering").state.arn,
        );
        assert.strictEqual(records.analytics.network, "privatelink");
        assert.strictEqual(
            records.analytics.resourceConfigurationArn,
            only(plan, "aws:vpclattice/resourceConfiguration:ResourceConfiguration").state.arn,
        );
        assert.strictEqual(
            records.analytics.resourceShareArn,
            only(plan, "aws:ram/resourceShare:ResourceShare").state.arn,
        );
        assert.strictEqual(records.analytics.peeringAccepterRoleArn, undefined);
        assert.ok(plan.secretExports.includes("consumerExternalIds"), "external ids are a secret output");
        assert.strictEqual((plan.exports.routeTableIds as string[]).length, 2);
    });

    it("carries an external id into the trust policy and the secret output, never in plain text", async () => {
        const withId = await planDatabase(
            withConsumers((c) =>
                c.map((e) => (e.name === "engineering" ? { ...e, externalId: "ext-1234567" } : e)),
            ),
        );
        const role = only(withId, "aws:iam/role:Role", "data-access-engineering");
        assert.ok(role.secretInputs.includes("assumeRolePolicy"));
        assert.deepStrictEqual(policy(role.inputs.assumeRolePolicy).Statement[0].Condition?.StringEquals, {
            "sts:ExternalId": "ext-1234567",
        });
        assert.strictEqual(
            (withId.exports.consumers as Record<string, { externalIdRequired: boolean }>).engineering
                .externalIdRequired,
            true,
        );
        assert.deepStrictEqual(withId.exports.consumerExternalIds, { engineering: "ext-1234567" });
        assert.ok(withId.secretExports.includes("consumerExternalIds"));
        assert.ok(!JSON.stringify(withId.exports.consumers).includes("ext-1234567"));
    });

    it("trusts and admits every configured consumer, and nothing else", async () => {
        const two = await planDatabase(
            withConsumers((c) => [
                ...c,
                {
                    name: "marketing",
                    accountId: "444444444444",
                    vpcCidr: "10.30.0.0/16",
                    deployerPrincipalArns: ["arn:aws:iam::444444444444:role/deployer"],
                },
            ]),
        );
        const cidrs = ingressOnDatabase(two).filter((source) => source?.includes("/"));
        assert.deepStrictEqual(cidrs, ["10.20.0.0/16", "10.30.0.0/16"]);
        const marketingRole = "arn:aws:iam::444444444444:role/cross-account-rds-marketing-fetch-rows";
        const trustOf = (name: string) =>
            policy(only(two, "aws:iam/role:Role", name).inputs.assumeRolePolicy);
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
        const secretPolicy = policy(only(two, "aws:secretsmanager/secretPolicy:SecretPolicy").inputs.policy);
        const readers = secretPolicy.Statement.flatMap((s) => [(s.Principal as { AWS: string }).AWS].flat());
        const records = two.exports.consumers as Record<string, { dataAccessRoleArn: string }>;
        assert.deepStrictEqual(
            [...new Set(readers)].sort(),
            Object.values(records)
                .map((r) => r.dataAccessRoleArn)
                .sort(),
        );
    });

    it("derives AWS names from any stack name: letters, digits and single hyphens, within the length limit", () => {
        assert.strictEqual(nameFor("prod_db.eu--1", "final", 255), "cross-account-rds-prod-db-eu-1-final");
        const long = nameFor("x".repeat(80), "db-bootstrap", 64);
        assert.strictEqual(long.length, 64);
        assert.match(long, /^cross-account-rds-x+-db-bootstrap$/);
    });

    describe("a retiring consumer", () => {
        let retiring: StackPlan;

        before(async () => {
            retiring = await planDatabase(
                withConsumers((c) => c.map((e) => (e.name === "engineering" ? { ...e, retiring: true } : e))),
            );
        });

        it("loses its data-access role, its read grant and its 3306 ingress", () => {
            assert.throws(() => only(retiring, "aws:iam/role:Role", "data-access-engineering"), /found 0/);
            assert.ok(!ingressOnDatabase(retiring).includes("10.20.0.0/16"));
            const secretPolicy = policy(
                only(retiring, "aws:secretsmanager/secretPolicy:SecretPolicy").inputs.policy,
            );
            const readers = secretPolicy.Statement.flatMap((s) =>
                [(s.Principal as { AWS: string }).AWS].flat(),
            );
            assert.deepStrictEqual(
                [...new Set(readers)],
                [only(retiring, "aws:iam/role:Role", "data-access-analytics").state.arn],
            );
        });

        it("keeps the peering-accepter role its stack needs to destroy itself, and says so in its record", () => {
            const accepter = only(retiring, "aws:iam/role:Role", "peering-accepter-engineering");
            const record = (retiring.exports.consumers as Record<string, Record<string, unknown>>)
                .engineering;
            assert.strictEqual(record.retiring, true);
            assert.strictEqual(record.peeringAccepterRoleArn, accepter.state.arn);
            assert.strictEqual(record.dataAccessRoleArn, undefined);
        });

        it("drops a privatelink consumer's RAM share but keeps the gateway its endpoint still uses", async () => {
            const gone = await planDatabase(
                withConsumers((c) => c.map((e) => (e.name === "analytics" ? { ...e, retiring: true } : e))),
            );
            assert.strictEqual(all(gone, "aws:ram/resourceShare:ResourceShare").length, 0);
            assert.strictEqual(all(gone, "aws:vpclattice/resourceGateway:ResourceGateway").length, 1);
            assert.strictEqual(
                all(gone, "aws:vpclattice/resourceConfiguration:ResourceConfiguration").length,
                1,
            );
            const record = (gone.exports.consumers as Record<string, Record<string, unknown>>).analytics;
            assert.strictEqual(record.retiring, true);
            assert.strictEqual(record.resourceShareArn, undefined);
        });

        it("removes the gateway once no privatelink consumer is configured", async () => {
            const peeringOnly = await planDatabase(
                withConsumers((c) => c.filter((e) => e.name !== "analytics")),
            );
            assert.strictEqual(all(peeringOnly, "aws:vpclattice/resourceGateway:ResourceGateway").length, 0);
            assert.strictEqual(all(peeringOnly, "aws:ram/resourceShare:ResourceShare").length, 0);
        });

        it("can retire every consumer: the secret then has no reader, no resource policy and a root-only key policy", async () => {
            const none = await planDatabase(withConsumers((c) => c.map((e) => ({ ...e, retiring: true }))));
            assert.strictEqual(all(none, "aws:secretsmanager/secretPolicy:SecretPolicy").length, 0);
            assert.strictEqual(
                all(none, "aws:iam/role:Role").filter((r) => r.name.startsWith("data-access-")).length,
                0,
            );
            const secret = only(none, "aws:secretsmanager/secret:Secret");
            const key = all(none, "aws:kms/key:Key").find((k) => k.state.arn === secret.inputs.kmsKeyId);
            const statements = policy(key?.inputs.policy).Statement;
            assert.deepStrictEqual(
                statements.map((st) => st.Principal),
                [{ AWS: `arn:aws:iam::${DB_ACCOUNT}:root` }],
            );
        });

        it("serves no consumer at all once the last one is removed", async () => {
            const empty = await planDatabase({ ...shippedConfig("dev"), [CONSUMERS]: [] });
            assert.deepStrictEqual(empty.exports.consumers, {});
            assert.strictEqual(all(empty, "aws:rds/instance:Instance").length, 1);
        });
    });

    describe("day-two guards against its own previous deployment", () => {
        const previous = () => ({
            dbName: "fruits_veggies",
            consumers: {
                engineering: { network: "peering", accountId: ENGINEERING, retiring: false },
                analytics: { network: "privatelink", accountId: ANALYTICS, retiring: false },
            },
        });

        it("deploys over an unchanged previous deployment", async () => {
            const again = await planOver(previous());
            assert.strictEqual(all(again, "aws:rds/instance:Instance").length, 1);
        });

        it("refuses a dbName change that would replace the instance, saying why and how to proceed", async () => {
            const message = await refusal(
                planOver(previous(), { ...shippedConfig("dev"), "cross-account-rds:dbName": "harvest" }),
            );
            assert.match(
                message,
                /cross-account-rds:dbName: changing it from "fruits_veggies" to "harvest" replaces the RDS instance/,
            );
            assert.match(message, /allowDatabaseReplacement: true/);
        });

        it("allows the replacement when the config says it is intended", async () => {
            const replaced = await planOver(previous(), {
                ...shippedConfig("dev"),
                "cross-account-rds:dbName": "harvest",
                "cross-account-rds:allowDatabaseReplacement": true,
            });
            assert.strictEqual(only(replaced, "aws:rds/instance:Instance").inputs.dbName, "harvest");
        });

        it("refuses to drop a consumer that was not retiring, naming it and the two steps", async () => {
            const config = withConsumers((c) => c.filter((e) => e.name !== "engineering"));
            const message = await refusal(planOver(previous(), config));
            assert.match(message, /consumer "engineering" was removed without retiring it first/);
            assert.match(message, /retiring: true/);
        });

        it("refuses to move a deployed consumer to another network path, which would strand its stack", async () => {
            const config = withConsumers((c) =>
                c.map((e) =>
                    e.name === "engineering"
                        ? {
                              name: "engineering",
                              accountId: ENGINEERING,
                              vpcCidr: "10.20.0.0/16",
                              network: "privatelink",
                          }
                        : e,
                ),
            );
            const message = await refusal(planOver(previous(), config));
            assert.match(
                message,
                /consumers\[name=engineering\]: changing its network from peering to privatelink/,
            );
            assert.match(message, /Retire it first/);
        });

        it("refuses to move a deployed consumer to another account", async () => {
            const config = withConsumers((c) =>
                c.map((e) => (e.name === "analytics" ? { ...e, accountId: "444444444444" } : e)),
            );
            const message = await refusal(planOver(previous(), config));
            assert.match(
                message,
                /consumers\[name=analytics\]: changing its account from 333333336021 to 444444444444/,
            );
        });

        it("reads its previous outputs even when they are marked secret, so the guards never fail open", async () => {
            const message = await refusal(
                planFromConfig(
                    "dev",
                    { ...shippedConfig("dev"), "cross-account-rds:dbName": "harvest" },
                    {
                        [qualifiedName(DEFAULT_ORGANIZATION, "dev")]: {
                            outputs: previous(),
                            secretOutputNames: ["dbName", "consumers"],
                        },
                    },
                ),
            );
            assert.match(message, /changing it from "fruits_veggies" to "harvest"/);
        });

        it("drops a consumer that retired in the previous deployment", async () => {
            const before = previous();
            before.consumers.engineering.retiring = true;
            const after = await planOver(
                before,
                withConsumers((c) => c.filter((e) => e.name !== "engineering")),
            );
            assert.throws(() => only(after, "aws:iam/role:Role", "peering-accepter-engineering"), /found 0/);
            assert.deepStrictEqual(Object.keys(after.exports.consumers as object), ["analytics"]);
        });
    });
});
