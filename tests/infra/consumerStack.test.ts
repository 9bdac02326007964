import * as assert from "assert";
import { ConsumerRecord, DATABASE_EXPORT_NAMES } from "../../infra/contract";
import { evaluate } from "../../plan/policyEval";
import { Plan, StackPlan } from "../../plan/run";
import { DeployedStack } from "../../plan/mockCloud";
import {
    all,
    consumer,
    inputRows,
    only,
    planFromConfig,
    planPair,
    policy,
    ruleResources,
    securityGroupId,
    shippedConfig,
    zoneIdsOf,
} from "../support/stacks";

const ENGINEERING = "222222225884";
const DB_ACCOUNT = "111111112974";
const DATABASE_STACK = "organization/cross-account-rds/dev";

type Records = Record<string, ConsumerRecord>;

describe("consumer stacks (Pulumi.engineering.yaml and Pulumi.analytics.yaml, fed the database stack's exports)", function () {
    let pair: Plan;
    let plan: StackPlan;
    let analytics: StackPlan;

    before(async () => {
        pair = await planPair(shippedConfig("dev"), [
            shippedConfig("engineering"),
            shippedConfig("analytics"),
        ]);
        plan = consumer(pair, "engineering");
        analytics = consumer(pair, "analytics");
    });

    const records = () => pair.database.exports.consumers as Records;

    it("reads the database stack by StackReference and requires every contract output", () => {
        const ref = only(plan, "pulumi:pulumi:StackReference");
        assert.strictEqual(ref.inputs.name, DATABASE_STACK);
        for (const name of DATABASE_EXPORT_NAMES) {
            assert.ok(name in pair.database.exports, `the database stack exports ${name}`);
        }
    });

    it("takes its VPC CIDR and function role name from its record in the database stack", () => {
        assert.strictEqual(only(plan, "awsx:ec2:Vpc").inputs.cidrBlock, records().engineering.vpcCidr);
        assert.strictEqual(only(analytics, "awsx:ec2:Vpc").inputs.cidrBlock, "10.10.0.0/16");
        assert.strictEqual(
            only(plan, "aws:iam/role:Role", "fetch-rows").inputs.name,
            records().engineering.functionRoleName,
        );
    });

    it("spans the database's physical zones (by zone id), whatever they are called in its own account", async () => {
        const dbZoneIds = pair.database.exports.availabilityZoneIds as string[];
        for (const stack of [plan, analytics]) {
            const names = only(stack, "awsx:ec2:Vpc").inputs.availabilityZoneNames as string[];
            const ids = await zoneIdsOf(stack.accountId, names);
            assert.deepStrictEqual(ids, dbZoneIds, `${stack.stack} spans ${names.join(", ")}`);
        }
        assert.notDeepStrictEqual(
            only(analytics, "awsx:ec2:Vpc").inputs.availabilityZoneNames,
            only(pair.database, "awsx:ec2:Vpc").inputs.availabilityZoneNames,
            "the same zones have other names in the other account",
        );
    });

    it("builds an isolated VPC without NAT and with STS and Secrets Manager endpoints, private DNS on", () => {
        const vpc = only(plan, "awsx:ec2:Vpc");
        assert.strictEqual(vpc.inputs.cidrBlock, "10.20.0.0/16");
        assert.deepStrictEqual(
            vpc.inputs.subnetSpecs.map((s: { type: string }) => s.type),
            ["Isolated"],
        );
        assert.strictEqual(vpc.inputs.natGateways.strategy, "None");
        const endpoints = all(plan, "aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.deepStrictEqual(endpoints.map((e) => e.inputs.serviceName).sort(), [
            "com.amazonaws.us-east-1.secretsmanager",
            "com.amazonaws.us-east-1.sts",
        ]);
        for (const endpoint of endpoints) {
            assert.strictEqual(endpoint.inputs.vpcEndpointType, "Interface");
            assert.strictEqual(endpoint.inputs.privateDnsEnabled, true);
            assert.deepStrictEqual(endpoint.inputs.subnetIds, vpc.state.isolatedSubnetIds);
        }
    });

    it("opens 443 on the endpoints only to the function's security group", () => {
        const fnSg = securityGroupId(plan, "fetch-rows");
        const endpointSg = securityGroupId(plan, "consumer-endpoints");
        assert.deepStrictEqual(
            inputRows(
                ruleResources(plan, "ingress"),
                "securityGroupId",
                "fromPort",
                "toPort",
                "referencedSecurityGroupId",
            ),
            [[endpointSg, 443, 443, fnSg]],
        );
    });

    it("lets the peering function out on 3306 to the database CIDR and 443 to the endpoints only", () => {
        const fnSg = securityGroupId(plan, "fetch-rows");
        const endpointSg = securityGroupId(plan, "consumer-endpoints");
        assert.deepStrictEqual(
            ruleResources(plan, "egress")
                .map((r) => [
                    r.inputs.securityGroupId,
                    r.inputs.fromPort,
                    r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId,
                ])
                .sort(),
            [
                [fnSg, 3306, "10.10.0.0/16"],
                [fnSg, 443, endpointSg],
            ].sort(),
        );
    });

    it("accepts the peering through a provider that assumes the database stack's peering-accepter role", () => {
        const provider = only(plan, "pulumi:providers:aws", "database-account");
        assert.strictEqual(
            JSON.parse(provider.inputs.assumeRoles)[0].roleArn,
            records().engineering.peeringAccepterRoleArn,
        );
        assert.deepStrictEqual(JSON.parse(provider.inputs.allowedAccountIds), [DB_ACCOUNT]);
        assert.strictEqual(provider.accountId, DB_ACCOUNT);
        const accepter = only(plan, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter");
        assert.strictEqual(accepter.accountId, DB_ACCOUNT);
        const peering = only(plan, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
        assert.strictEqual(peering.accountId, ENGINEERING);
        assert.strictEqual(peering.inputs.peerVpcId, pair.database.exports.vpcId);
        assert.strictEqual(peering.inputs.peerOwnerId, DB_ACCOUNT);
    });

    it("routes both ways over the peering for every route table of both VPCs", () => {
        const peeringId = only(plan, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").id;
        const routes = all(plan, "aws:ec2/route:Route").map((r) => [
            r.accountId,
            r.inputs.routeTableId,
            r.inputs.destinationCidrBlock,
            r.inputs.vpcPeeringConnectionId,
        ]);
        const own = only(plan, "awsx:ec2:Vpc").state.routeTables.map((t: { id: string }) => t.id);
        const theirs = pair.database.exports.routeTableIds as string[];
        assert.deepStrictEqual(
            routes.sort(),
            [
                ...theirs.map((t) => [DB_ACCOUNT, t, "10.20.0.0/16", peeringId]),
                ...own.map((t: string) => [ENGINEERING, t, "10.10.0.0/16", peeringId]),
            ].sort(),
        );
    });

    it("names the function's role as the database stack trusts it and lets it assume only the data-access role", () => {
        const role = only(plan, "aws:iam/role:Role", "fetch-rows");
        assert.strictEqual(role.inputs.name, "cross-account-rds-engineering-fetch-rows");
        const trust = policy(role.inputs.assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement[0].Principal, { Service: "lambda.amazonaws.com" });
        const inline = policy(only(plan, "aws:iam/rolePolicy:RolePolicy", "fetch-rows").inputs.policy);
        const dataAccess = records().engineering.dataAccessRoleArn!;
        const assume = inline.Statement.filter((s) => [s.Action].flat().includes("sts:AssumeRole"));
        assert.deepStrictEqual(
            assume.map((s) => s.Resource),
            [dataAccess],
        );
        const request = { principalArn: role.state.arn, action: "sts:AssumeRole" };
        assert.ok(evaluate(inline, { ...request, resource: dataAccess }));
        assert.ok(!evaluate(inline, { ...request, resource: `arn:aws:iam::${DB_ACCOUNT}:role/admin` }));
        const logGroup = only(plan, "aws:cloudwatch/logGroup:LogGroup");
        const logs = inline.Statement.find((s) => [s.Action].flat().includes("logs:PutLogEvents"));
        assert.deepStrictEqual(logs?.Resource, [logGroup.state.arn, `${logGroup.state.arn}:log-stream:*`]);
        const actions = inline.Statement.flatMap((s) => [s.Action].flat());
        assert.ok(!actions.some((a) => a?.startsWith("secretsmanager:") || a?.startsWith("kms:")));
    });

    it("deploys the function inline with an explicit role, Node.js 22, VPC config, logs and its settings", () => {
        const fn = only(plan, "aws:lambda/function:Function");
        const exports = pair.database.exports;
        assert.strictEqual(fn.inputs.role, only(plan, "aws:iam/role:Role", "fetch-rows").state.arn);
        assert.strictEqual(fn.inputs.runtime, "nodejs22.x");
        assert.strictEqual(fn.inputs.timeout, 15);
        assert.strictEqual(fn.inputs.memorySize, 256);
        assert.deepStrictEqual(
            fn.inputs.vpcConfig.subnetIds,
            only(plan, "awsx:ec2:Vpc").state.isolatedSubnetIds,
        );
        assert.deepStrictEqual(fn.inputs.vpcConfig.securityGroupIds, [securityGroupId(plan, "fetch-rows")]);
        assert.deepStrictEqual(fn.inputs.environment.variables, {
            DB_ACCESS_ROLE_ARN: records().engineering.dataAccessRoleArn,
            DB_SECRET_ARN: exports.readerSecretArn,
            DB_HOST: exports.dbHost,
            DB_PORT: "3306",
            DB_NAME: "fruits_veggies",
            DB_TLS: "rds",
            ALLOWED_TABLES: "vegetables",
            MAX_ROWS: "1000",
        });
        const logGroup = only(plan, "aws:cloudwatch/logGroup:LogGroup");
        assert.strictEqual(logGroup.inputs.name, `/aws/lambda/${fn.inputs.name}`);
        assert.strictEqual(logGroup.inputs.retentionInDays, 30);
    });

    it("packs the packages the handler loads, the AWS SDK included, and nothing deploy-time", async () => {
        const fn = only(plan, "aws:lambda/function:Function");
        const files = Object.keys(await fn.inputs.code.assets);
        assert.ok(files.includes("__index.js"));
        assert.ok(files.includes("node_modules/mysql2/index.js"));
        for (const sdk of ["@aws-sdk/client-secrets-manager", "@aws-sdk/credential-providers"]) {
            assert.ok(
                files.some((f) => f.startsWith(`node_modules/${sdk}/`)),
                `${sdk} is in the archive`,
            );
        }
        assert.deepStrictEqual(
            files.filter((f) => /^node_modules\/(@pulumi|zod|yaml|typescript)(\/|$)/.test(f)),
            [],
        );
    });

    it("exports the function, the VPC, its network path and the peering", () => {
        const fn = only(plan, "aws:lambda/function:Function");
        assert.deepStrictEqual(plan.exports, {
            functionName: fn.state.name,
            functionArn: fn.state.arn,
            vpcId: only(plan, "awsx:ec2:Vpc").state.vpcId,
            network: "peering",
            peeringConnectionId: only(plan, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").id,
        });
    });

    it("passes the external id its record requires to the function, as a secret", async () => {
        const database = shippedConfig("dev");
        (database["cross-account-rds:consumers"] as Array<Record<string, unknown>>)[0].externalId =
            "veggies-42";
        const withId = (await planPair(database, [shippedConfig("engineering")])).consumers[0];
        const fn = only(withId, "aws:lambda/function:Function");
        assert.strictEqual(fn.inputs.environment.variables.DB_ACCESS_EXTERNAL_ID, "veggies-42");
        assert.ok(fn.secretInputs.includes("environment"), "the engine receives the environment as a secret");
    });

    describe("over PrivateLink (analytics, a VPC CIDR overlapping the database's)", () => {
        it("creates a Resource endpoint with private DNS for the configuration shared with it, and no peering", () => {
            const endpoint = all(analytics, "aws:ec2/vpcEndpoint:VpcEndpoint").find(
                (e) => e.inputs.vpcEndpointType === "Resource",
            );
            assert.ok(endpoint, "a Resource endpoint");
            assert.strictEqual(endpoint.inputs.privateDnsEnabled, true);
            assert.strictEqual(
                endpoint.inputs.resourceConfigurationArn,
                records().analytics.resourceConfigurationArn,
            );
            assert.deepStrictEqual(
                endpoint.inputs.subnetIds,
                only(analytics, "awsx:ec2:Vpc").state.isolatedSubnetIds,
            );
            assert.strictEqual(all(analytics, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").length, 0);
            assert.strictEqual(all(analytics, "aws:ec2/route:Route").length, 0);
            assert.strictEqual(
                all(analytics, "pulumi:providers:aws").length,
                0,
                "no role in the database account",
            );
            assert.strictEqual(
                all(analytics, "aws:ram/resourceShareAccepter:ResourceShareAccepter").length,
                0,
            );
        });

        it("lets the function out on 3306 only to the endpoint's security group, which admits only the function", () => {
            const fnSg = securityGroupId(analytics, "fetch-rows");
            const endpointSg = securityGroupId(analytics, "database-endpoint-endpoint-sg");
            const mysqlOut = ruleResources(analytics, "egress").filter(
                (r) => r.inputs.securityGroupId === fnSg && r.inputs.fromPort === 3306,
            );
            assert.deepStrictEqual(inputRows(mysqlOut, "cidrIpv4", "referencedSecurityGroupId"), [
                [undefined, endpointSg],
            ]);
            const mysqlIn = ruleResources(analytics, "ingress").filter(
                (r) => r.inputs.securityGroupId === endpointSg,
            );
            assert.deepStrictEqual(
                inputRows(mysqlIn, "fromPort", "toPort", "referencedSecurityGroupId", "cidrIpv4"),
                [[3306, 3306, fnSg, undefined]],
            );
        });

        it("keeps connecting to the RDS host name, so TLS still verifies the RDS certificate", () => {
            const env = only(analytics, "aws:lambda/function:Function").inputs.environment.variables;
            assert.strictEqual(env.DB_HOST, pair.database.exports.dbHost);
            assert.strictEqual(env.DB_TLS, "rds");
            assert.strictEqual(env.DB_ACCESS_ROLE_ARN, records().analytics.dataAccessRoleArn);
            assert.strictEqual(env.MAX_ROWS, "500");
        });

        it("accepts the RAM invitation only when its record says it is outside the organization", async () => {
            const database = shippedConfig("dev");
            const entries = database["cross-account-rds:consumers"] as Array<Record<string, unknown>>;
            entries[1].outsideOrganization = true;
            const outside = (await planPair(database, [shippedConfig("analytics")])).consumers[0];
            const accepter = only(outside, "aws:ram/resourceShareAccepter:ResourceShareAccepter");
            assert.strictEqual(accepter.inputs.shareArn, records().analytics.resourceShareArn);
        });

        it("exports the endpoint as its network path", () => {
            const endpoint = all(analytics, "aws:ec2/vpcEndpoint:VpcEndpoint").find(
                (e) => e.inputs.vpcEndpointType === "Resource",
            );
            assert.strictEqual(analytics.exports.network, "privatelink");
            assert.strictEqual(analytics.exports.resourceEndpointId, endpoint?.id);
            assert.strictEqual(analytics.exports.peeringConnectionId, undefined);
        });
    });

    describe("refuses to build against a database stack it cannot use, naming what to do", () => {
        const deployed = (outputs: Record<string, unknown>): Record<string, DeployedStack> => ({
            [DATABASE_STACK]: { outputs, secretOutputNames: ["consumerExternalIds"] },
        });
        const consumerWith = (stacks: Record<string, DeployedStack>, patch: Record<string, unknown> = {}) =>
            planFromConfig("engineering", { ...shippedConfig("engineering"), ...patch }, stacks);
        const withRecord = (change: Partial<ConsumerRecord>) =>
            deployed({
                ...pair.database.exports,
                consumers: { ...records(), engineering: { ...records().engineering, ...change } },
            });

        it("a database stack that was never deployed", async () => {
            await assert.rejects(consumerWith({}), (err: Error) => {
                assert.match(err.message, /cannot read stack organization\/cross-account-rds\/dev/);
                assert.match(
                    err.message,
                    /Deploy the database stack first: `pulumi up --stack organization\/cross-account-rds\/dev`/,
                );
                return true;
            });
        });

        it("a database stack missing an output of the contract", async () => {
            const { readerSecretArn: _dropped, ...partial } = pair.database.exports;
            await assert.rejects(
                consumerWith(deployed(partial)),
                /has no output "readerSecretArn".*Deploy the database stack first/s,
            );
        });

        it("a database stack that does not admit this consumer", async () => {
            await assert.rejects(
                consumerWith(deployed(pair.database.exports), {
                    "cross-account-rds:consumerName": "marketing",
                }),
                /does not admit consumer "marketing" \(it admits: analytics, engineering\)/,
            );
        });

        it("an account other than its record's, naming both keys and both stacks", async () => {
            await assert.rejects(
                consumerWith(deployed(pair.database.exports), { "aws:allowedAccountIds": ["444444444444"] }),
                (err: Error) => {
                    assert.match(
                        err.message,
                        /aws:allowedAccountIds: stack engineering deploys into account 444444444444/,
                    );
                    assert.match(
                        err.message,
                        /cross-account-rds:consumers\[name=engineering\]\.accountId in stack organization\/cross-account-rds\/dev is 222222225884/,
                    );
                    return true;
                },
            );
        });

        it("a record that retires it: only a destroy is left", async () => {
            await assert.rejects(
                consumerWith(withRecord({ retiring: true, dataAccessRoleArn: undefined })),
                /retiring is true in stack organization\/cross-account-rds\/dev.*`pulumi destroy`/s,
            );
        });

        it("a peering record whose CIDR overlaps the database VPC", async () => {
            await assert.rejects(
                consumerWith(withRecord({ vpcCidr: "10.10.0.0/16" })),
                /vpcCidr in stack organization\/cross-account-rds\/dev: 10\.10\.0\.0\/16 overlaps the database VPC 10\.10\.0\.0\/16/,
            );
        });

        it("a privatelink record whose database zones this account does not have", async () => {
            const analyticsWith = (outputs: Record<string, unknown>) =>
                planFromConfig("analytics", shippedConfig("analytics"), deployed(outputs));
            await assert.rejects(
                analyticsWith({ ...pair.database.exports, availabilityZoneIds: ["use1-az9"] }),
                /none of the zones use1-az9 \(zone ids\).*need at least one zone in common/s,
            );
        });

        it("a region other than the database stack's", async () => {
            await assert.rejects(
                consumerWith(deployed(pair.database.exports), { "aws:region": "eu-west-1" }),
                /aws:region: eu-west-1 differs from the region us-east-1 of stack organization\/cross-account-rds\/dev/,
            );
        });
    });
});
