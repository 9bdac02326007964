import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    SharedRdsResource,
    SharedRdsResourceArgs,
    validateSharedRdsResourceArgs,
} from "../../infra/components/sharedRdsResource";
import {
    assertChildren,
    assertMysqlRule,
    assertNothingDeclared,
    assertOwnSecurityGroup,
    assertRefuses,
    declarations,
    declaredUnder,
    itNeverDeclares,
    observed,
    recorded,
    registeredOutputs,
    uniqueName,
} from "./support";
import { TYPE } from "../support/resourceTypes";

const COMPONENT = "cross-account-rds:privatelink:SharedRdsResource";

const VPC = "vpc-0d0d0d0d0d0d0d0d0";
const SUBNETS = ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b2b2b2b2b2b2b2b2"];
const DB_SG = "sg-0db0db0db0db0db0d";
const DB_ARN = `arn:aws:rds:us-east-1:${TEST_ACCOUNT_ID}:db:fruits-veggies`;
const PARTNER_ACCOUNT = "333333333333";

function args(overrides: Partial<SharedRdsResourceArgs> = {}): SharedRdsResourceArgs {
    return {
        vpcId: VPC,
        subnetIds: SUBNETS,
        dbSecurityGroupId: DB_SG,
        dbInstanceArn: DB_ARN,
        consumers: [
            { name: "engineering", accountId: OTHER_ACCOUNT_ID },
            { name: "partner", accountId: PARTNER_ACCOUNT, outsideOrganization: true },
        ],
        tags: { project: "x" },
        ...overrides,
    };
}

function refuses(name: string, value: SharedRdsResourceArgs, path: string, detail?: RegExp): void {
    assertRefuses(() => validateSharedRdsResourceArgs(name, value), path, detail);
}

/** The component, noting what it passes to `registerOutputs`. */
const Observed = observed(SharedRdsResource);

describe("SharedRdsResource", () => {
    describe("argument checks", () => {
        it("accepts two subnets, a DB instance ARN and consumers inside and outside the organization", () => {
            assert.doesNotThrow(() => validateSharedRdsResourceArgs("database-privatelink", args()));
        });

        it("accepts subnets and an ARN that are still outputs (checked once known)", () => {
            assert.doesNotThrow(() =>
                validateSharedRdsResourceArgs(
                    "db",
                    args({ subnetIds: pulumi.output(SUBNETS), dbInstanceArn: pulumi.output("later") }),
                ),
            );
        });

        it("refuses a component name AWS cannot autoname a gateway or configuration from", () => {
            for (const bad of ["Db", "db_link", "db--link", "db-", "1db", "rgw-db", "rcfg-db", "d"]) {
                refuses(bad, args(), "name", /lowercase letters, digits and single hyphens/);
            }
            refuses("a".repeat(25), args(), "name", /longer than 24/);
            assert.doesNotThrow(() => validateSharedRdsResourceArgs("a".repeat(24), args()));
        });

        it("refuses fewer than two gateway subnets, a subnet listed twice and a malformed subnet id", () => {
            refuses(
                "db",
                args({ subnetIds: [SUBNETS[0]] }),
                "subnetIds",
                /at least 2, one per availability zone/,
            );
            refuses("db", args({ subnetIds: [] }), "subnetIds");
            refuses("db", args({ subnetIds: [SUBNETS[0], SUBNETS[0]] }), "subnetIds[1]", /listed twice/);
            refuses(
                "db",
                args({ subnetIds: [SUBNETS[0], "sg-0123456789abcdef0"] }),
                "subnetIds[1]",
                /subnet id/,
            );
        });

        it("refuses an ARN that is not an RDS DB instance of the aws partition", () => {
            for (const bad of [
                `arn:aws:rds:us-east-1:${TEST_ACCOUNT_ID}:cluster:fruits`,
                `arn:aws-cn:rds:cn-north-1:${TEST_ACCOUNT_ID}:db:fruits`,
                "fruits-veggies",
            ]) {
                refuses("db", args({ dbInstanceArn: bad }), "dbInstanceArn", /RDS DB instance ARN/);
            }
        });

        it("refuses consumers that are not a list", () => {
            refuses("db", args({ consumers: "eng" as unknown as [] }), "consumers", /must be a list/);
        });

        it("refuses consumers with the same name, a bad name, a bad account id or a non-boolean flag", () => {
            const one = { name: "engineering", accountId: OTHER_ACCOUNT_ID };
            refuses("db", args({ consumers: [one, { ...one }] }), "consumers[1].name", /listed twice/);
            refuses("db", args({ consumers: [{ ...one, name: "Engineering" }] }), "consumers[0].name");
            refuses(
                "db",
                args({ consumers: [one, { ...one, name: "x", accountId: "1234" }] }),
                "consumers[1].accountId",
            );
            refuses(
                "db",
                args({ consumers: [{ ...one, accountId: 222222225884 as unknown as string }] }),
                "consumers[0].accountId",
            );
            refuses(
                "db",
                args({ consumers: [{ ...one, outsideOrganization: "yes" as unknown as boolean }] }),
                "consumers[0].outsideOrganization",
            );
        });

        it("refuses a missing VPC or DB security group", () => {
            refuses("db", args({ vpcId: undefined as unknown as string }), "vpcId");
            refuses("db", args({ dbSecurityGroupId: "" }), "dbSecurityGroupId");
        });
    });

    describe("resources", () => {
        it("gives the gateway a security group whose only rule is MySQL out to the RDS security group", async () => {
            const name = uniqueName("shared-sg");
            const shared = new SharedRdsResource(name, args());
            const sgId = await promiseOf(shared.gatewaySecurityGroupId);
            const egress = await recorded(TYPE.egressRule, `${name}-gateway-to-db`);
            assertMysqlRule(egress, sgId, DB_SG);
            assert.strictEqual(egress.inputs.cidrIpv4, undefined);
            assertOwnSecurityGroup(await recorded(TYPE.securityGroup, `${name}-gateway-sg`), sgId, VPC, [
                `${name}-gateway-to-db`,
            ]);
        });

        it("admits MySQL into the RDS security group from the gateway's group only", async () => {
            const name = uniqueName("shared-dbsg");
            const shared = new SharedRdsResource(name, args());
            const ingress = await recorded(TYPE.ingressRule, `${name}-db-from-gateway`);
            assertMysqlRule(ingress, DB_SG, await promiseOf(shared.gatewaySecurityGroupId));
            assert.strictEqual(ingress.inputs.cidrIpv4, undefined);
        });

        it("spans the given subnets with an IPv4 resource gateway guarded by its security group", async () => {
            const name = uniqueName("shared-gw");
            const shared = new SharedRdsResource(name, args());
            const gateway = await recorded(TYPE.resourceGateway, `${name}-gateway`);
            assert.strictEqual(gateway.inputs.vpcId, VPC);
            assert.deepStrictEqual(gateway.inputs.subnetIds, SUBNETS);
            assert.deepStrictEqual(gateway.inputs.securityGroupIds, [
                await promiseOf(shared.gatewaySecurityGroupId),
            ]);
            assert.strictEqual(gateway.inputs.ipAddressType, "IPV4");
            assert.deepStrictEqual(gateway.inputs.tags, { project: "x" });
            assert.strictEqual(await promiseOf(shared.resourceGatewayId), gateway.id);
            assert.match(await promiseOf(shared.resourceGatewayArn), /:resourcegateway\/rgw-/);
        });

        it("describes the RDS instance by ARN, on that gateway, with re-sharing through service networks off", async () => {
            const name = uniqueName("shared-cfg");
            const shared = new SharedRdsResource(name, args());
            const config = await recorded(TYPE.resourceConfiguration, `${name}-config`);
            assert.strictEqual(config.inputs.type, "ARN");
            assert.strictEqual(
                config.inputs.resourceGatewayIdentifier,
                await promiseOf(shared.resourceGatewayId),
            );
            assert.deepStrictEqual(config.inputs.resourceConfigurationDefinition, {
                arnResource: { arn: DB_ARN },
            });
            assert.strictEqual(config.inputs.allowAssociationToShareableServiceNetwork, false);
            // The provider refuses port ranges and a protocol next to an ARN resource.
            assert.strictEqual(config.inputs.portRanges, undefined);
            assert.strictEqual(config.inputs.protocol, undefined);
            assert.strictEqual(await promiseOf(shared.resourceConfigurationId), config.id);
            assert.strictEqual(await promiseOf(shared.resourceConfigurationArn), config.state.arn);
            assert.match(
                config.state.arn,
                /^arn:aws:vpc-lattice:us-east-1:\d{12}:resourceconfiguration\/rcfg-/,
            );
        });

        it("shares the configuration with each consumer in its own share naming exactly that account", async () => {
            const name = uniqueName("shared-ram");
            const shared = new SharedRdsResource(name, args());
            const configArn = await promiseOf(shared.resourceConfigurationArn);
            assert.deepStrictEqual(Object.keys(shared.shareArns).sort(), ["engineering", "partner"]);
            const shareArns = new Set<string>();
            for (const [consumer, account] of [
                ["engineering", OTHER_ACCOUNT_ID],
                ["partner", PARTNER_ACCOUNT],
            ]) {
                const shareArn = await promiseOf(shared.shareArns[consumer]);
                shareArns.add(shareArn);
                const share = await recorded(TYPE.resourceShare, `${name}-share-${consumer}`);
                assert.strictEqual(share.state.arn, shareArn);
                const resource = await recorded(
                    TYPE.resourceAssociation,
                    `${name}-share-${consumer}-resource`,
                );
                assert.deepStrictEqual(resource.inputs, {
                    resourceArn: configArn,
                    resourceShareArn: shareArn,
                });
                const principal = await recorded(
                    TYPE.principalAssociation,
                    `${name}-share-${consumer}-principal`,
                );
                assert.deepStrictEqual(principal.inputs, { principal: account, resourceShareArn: shareArn });
            }
            assert.strictEqual(shareArns.size, 2);
            const principals = declaredUnder(name).filter((r) => r.type === TYPE.principalAssociation);
            assert.deepStrictEqual(principals.map((r) => r.inputs.principal).sort(), [
                OTHER_ACCOUNT_ID,
                PARTNER_ACCOUNT,
            ]);
        });

        it("admits external principals only in the share of a consumer outside the organization", async () => {
            const name = uniqueName("shared-ext");
            new SharedRdsResource(name, args());
            const inside = await recorded(TYPE.resourceShare, `${name}-share-engineering`);
            const outside = await recorded(TYPE.resourceShare, `${name}-share-partner`);
            assert.strictEqual(inside.inputs.allowExternalPrincipals, false);
            assert.strictEqual(outside.inputs.allowExternalPrincipals, true);
            assert.deepStrictEqual(outside.inputs.tags, { project: "x" });
        });

        it("declares every child with the component as its parent, under the component's name", async () => {
            const name = uniqueName("shared-tree");
            const { opts, declared } = declarations();
            const shared = new SharedRdsResource(name, args(), opts);
            await promiseOf(shared.resourceConfigurationArn);
            assertChildren(declared, shared, COMPONENT, [
                `${TYPE.securityGroup} ${name}-gateway-sg`,
                `${TYPE.egressRule} ${name}-gateway-to-db`,
                `${TYPE.ingressRule} ${name}-db-from-gateway`,
                `${TYPE.resourceGateway} ${name}-gateway`,
                `${TYPE.resourceConfiguration} ${name}-config`,
                ...["engineering", "partner"].flatMap((c) => [
                    `${TYPE.resourceShare} ${name}-share-${c}`,
                    `${TYPE.resourceAssociation} ${name}-share-${c}-resource`,
                    `${TYPE.principalAssociation} ${name}-share-${c}-principal`,
                ]),
            ]);
            const urn = await promiseOf(shared.urn);
            assert.ok(urn.includes(`::${COMPONENT}::${name}`), urn);
        });

        it("registers the gateway, configuration and per-consumer share ARNs as its outputs", async () => {
            const name = uniqueName("shared-out");
            const shared = new Observed(name, args());
            const outputs = registeredOutputs(shared);
            const resolved = await promiseOf(pulumi.output(outputs));
            assert.deepStrictEqual(resolved, {
                gatewaySecurityGroupId: await promiseOf(shared.gatewaySecurityGroupId),
                resourceGatewayId: (await recorded(TYPE.resourceGateway, `${name}-gateway`)).id,
                resourceGatewayArn: (await recorded(TYPE.resourceGateway, `${name}-gateway`)).state.arn,
                resourceConfigurationId: (await recorded(TYPE.resourceConfiguration, `${name}-config`)).id,
                resourceConfigurationArn: (await recorded(TYPE.resourceConfiguration, `${name}-config`)).state
                    .arn,
                shareArns: {
                    engineering: (await recorded(TYPE.resourceShare, `${name}-share-engineering`)).state.arn,
                    partner: (await recorded(TYPE.resourceShare, `${name}-share-partner`)).state.arn,
                },
            });
        });

        it("takes the subnets as an output, as a VPC component hands them over", async () => {
            const name = uniqueName("shared-late-ok");
            new SharedRdsResource(name, args({ subnetIds: pulumi.output(SUBNETS) }));
            const gateway = await recorded(TYPE.resourceGateway, `${name}-gateway`);
            assert.deepStrictEqual(gateway.inputs.subnetIds, SUBNETS);
        });

        itNeverDeclares<SharedRdsResource>("shared-late", [
            {
                requirement: "never creates a gateway on a subnet output that resolves to a single subnet",
                make: (name) => new SharedRdsResource(name, args({ subnetIds: pulumi.output([SUBNETS[0]]) })),
                settled: (shared) => shared.gatewaySecurityGroupId,
                never: [[TYPE.resourceGateway, "gateway"]],
            },
            {
                requirement:
                    "never describes an ARN output that resolves to something other than a DB instance",
                make: (name) =>
                    new SharedRdsResource(
                        name,
                        args({
                            dbInstanceArn: pulumi.output(
                                `arn:aws:rds:us-east-1:${TEST_ACCOUNT_ID}:cluster:x`,
                            ),
                        }),
                    ),
                settled: (shared) => shared.resourceGatewayId,
                never: [[TYPE.resourceConfiguration, "config"]],
            },
        ]);

        it("lets two instances live in one program without colliding", async () => {
            const [a, b] = [uniqueName("shared-twin"), uniqueName("shared-twin")];
            const pair = [new SharedRdsResource(a, args()), new SharedRdsResource(b, args())];
            const arns = await Promise.all(pair.map((s) => promiseOf(s.resourceConfigurationArn)));
            assert.notStrictEqual(arns[0], arns[1]);
            const shares = await Promise.all(pair.map((s) => promiseOf(s.shareArns.engineering)));
            assert.notStrictEqual(shares[0], shares[1]);
        });

        it("refuses a bad argument with an InputPropertyError and declares nothing, not even itself", async () => {
            const name = uniqueName("shared-bad");
            assertRefuses(
                () => new SharedRdsResource(name, args({ consumers: [{ name: "eng", accountId: "12" }] })),
                "consumers[0].accountId",
            );
            assertRefuses(
                () => new SharedRdsResource(`${name}-x`, args({ subnetIds: [SUBNETS[0]] })),
                "subnetIds",
            );
            await assertNothingDeclared(COMPONENT, name);
        });
    });
});
