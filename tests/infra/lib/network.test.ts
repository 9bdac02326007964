import { promiseOf } from "../../support/mocks";
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    chooseZones,
    functionWithEndpoints,
    interfaceEndpoint,
    isolatedSubnetPrefix,
    isolatedVpc,
    mysqlOnlyGroup,
    ownSecurityGroup,
    tcpBetweenGroups,
    tcpRule,
    TcpRuleArgs,
} from "../../../infra/lib/network";
import { declarations, neverRecorded, providerRef, recorded, uniqueName } from "../../components/support";
import { TYPE } from "../../support/resourceTypes";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const AWSX_VPC = "awsx:ec2:Vpc";
/** Every input of a security group rule that names its peer. */
const PEER_INPUTS = ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"];

const SG = "sg-0a0a0a0a0a0a0a0a0";
const PEER_SG = "sg-0b0b0b0b0b0b0b0b0";

function ruleArgs(peer: TcpRuleArgs["peer"]): TcpRuleArgs {
    return { securityGroupId: SG, port: 3306, description: "MySQL from the consumer VPC", peer };
}

/** Asserts that `promise` rejects with a `pulumi.RunError` (shown without a stack trace) saying exactly `message`. */
async function rejectsWithRunError(promise: Promise<unknown>, message: string): Promise<void> {
    await assert.rejects(promise, (err) => {
        assert.ok(err instanceof pulumi.RunError, String(err));
        assert.equal(err.message, message);
        return true;
    });
}

describe("infra/lib/network: the network pieces both stacks build the same way", () => {
    describe("isolatedSubnetPrefix", () => {
        it("gives /24 subnets in a VPC with room for one per zone", () => {
            assert.equal(isolatedSubnetPrefix({ cidrBlock: "10.10.0.0/16", availabilityZoneCount: 2 }), 24);
            assert.equal(isolatedSubnetPrefix({ cidrBlock: "10.10.0.0/16", availabilityZoneCount: 6 }), 24);
        });

        it("gives smaller subnets in a small VPC", () => {
            assert.equal(isolatedSubnetPrefix({ cidrBlock: "10.10.0.0/24", availabilityZoneCount: 2 }), 25);
            assert.equal(isolatedSubnetPrefix({ cidrBlock: "10.10.0.0/24", availabilityZoneCount: 6 }), 27);
        });

        it("throws, naming the block and the zone count, when the subnets cannot fit or the block is invalid", () => {
            assert.throws(
                () => isolatedSubnetPrefix({ cidrBlock: "10.10.0.0/26", availabilityZoneCount: 6 }),
                /^Error: 10\.10\.0\.0\/26 has no room for 6 subnets$/,
            );
            assert.throws(
                () => isolatedSubnetPrefix({ cidrBlock: "10.10.0.1/16", availabilityZoneCount: 2 }),
                /10\.10\.0\.1\/16 has no room for 2 subnets/,
            );
        });
    });

    describe("isolatedVpc", () => {
        it("asks awsx for isolated subnets of the computed size, no NAT, DNS on, and one route table id per zone", async () => {
            const name = uniqueName("net-vpc");
            const { vpc, routeTableIds } = isolatedVpc(name, {
                cidrBlock: "10.10.0.0/24",
                availabilityZoneCount: 3,
                subnetName: "db",
                tags: { project: "x" },
            });
            const declared = await recorded(AWSX_VPC, name);
            assert.deepEqual(declared.inputs.subnetSpecs, [{ type: "Isolated", name: "db", cidrMask: 26 }]);
            assert.equal(declared.inputs.numberOfAvailabilityZones, 3);
            assert.deepEqual(declared.inputs.natGateways, { strategy: "None" });
            assert.equal(declared.inputs.enableDnsSupport, true);
            assert.equal(declared.inputs.enableDnsHostnames, true);
            assert.deepEqual(declared.inputs.tags, { project: "x" });
            assert.equal(routeTableIds.length, 3, "known without waiting for the VPC");
            const tables = (await promiseOf(vpc.routeTables)) as unknown as Array<{ id: string }>;
            assert.deepEqual(
                await Promise.all(routeTableIds.map(promiseOf)),
                tables.map((t) => t.id),
            );
        });

        it("spans exactly the zones named, instead of a count awsx picks", async () => {
            const name = uniqueName("net-vpc-zones");
            isolatedVpc(name, {
                cidrBlock: "10.10.0.0/16",
                availabilityZoneCount: 2,
                availabilityZoneNames: ["us-east-1d", "us-east-1b"],
                subnetName: "function",
            });
            const declared = await recorded(AWSX_VPC, name);
            assert.deepEqual(declared.inputs.availabilityZoneNames, ["us-east-1d", "us-east-1b"]);
            assert.ok(
                !("numberOfAvailabilityZones" in declared.inputs),
                "one way of choosing zones, not two",
            );
            assert.deepEqual(declared.inputs.subnetSpecs, [
                { type: "Isolated", name: "function", cidrMask: 24 },
            ]);
        });
    });

    describe("chooseZones (the mock account sees us-east-1a-f as use1-az1-6)", () => {
        it("takes the region's first zones when no zone is preferred, by name and by zone id", async () => {
            assert.deepEqual(await chooseZones(2), {
                names: ["us-east-1a", "us-east-1b"],
                zoneIds: ["use1-az1", "use1-az2"],
            });
        });

        it("puts the preferred zone ids first, in their order, then the region's others", async () => {
            assert.deepEqual(await chooseZones(3, ["use1-az4", "use1-az2"]), {
                names: ["us-east-1d", "us-east-1b", "us-east-1a"],
                zoneIds: ["use1-az4", "use1-az2", "use1-az1"],
            });
            assert.deepEqual((await chooseZones(1, ["use1-az6", "use1-az5"])).zoneIds, ["use1-az6"]);
        });

        it("falls back to the first zones when none of the preferred exists here and no overlap is required", async () => {
            assert.deepEqual((await chooseZones(2, ["euw1-az1"])).zoneIds, ["use1-az1", "use1-az2"]);
        });

        it("refuses, naming the key, the zone ids and the region, when a required overlap is impossible", async () => {
            await rejectsWithRunError(
                chooseZones(2, ["euw1-az1", "euw1-az2"], { requireOverlap: "consumers[1]" }),
                "consumers[1]: this account has none of the zones euw1-az1, euw1-az2 (zone ids) in us-east-1; " +
                    "the two VPCs need at least one zone in common",
            );
            assert.deepEqual(
                (await chooseZones(2, ["euw1-az1", "use1-az3"], { requireOverlap: "consumers[1]" })).zoneIds,
                ["use1-az3", "use1-az1"],
                "one zone in common is enough",
            );
        });

        it("refuses more zones than the account has, naming availabilityZoneCount", async () => {
            await rejectsWithRunError(
                chooseZones(7),
                "cross-account-rds:availabilityZoneCount: 7 zones asked for, but this account has 6 available " +
                    "without opting in",
            );
        });
    });

    describe("ownSecurityGroup", () => {
        it("declares a described, tagged group in the VPC as a child of the component, with no inline rules", async () => {
            const name = uniqueName("net-own-sg");
            const { opts, declared } = declarations();
            const parent = new pulumi.ComponentResource("test:network:Owner", name, {}, opts);
            const group = ownSecurityGroup(
                `${name}-sg`,
                "MySQL from the function only",
                { vpcId: "vpc-0c0c0c0c0c0c0c0c0", tags: { project: "x" } },
                parent,
            );
            assert.ok(group instanceof aws.ec2.SecurityGroup);
            await promiseOf(group.id);
            assert.deepEqual(
                declared.filter((d) => d.resource === group).map((d) => d.parent),
                [parent],
            );
            const { inputs } = await recorded(TYPE.securityGroup, `${name}-sg`);
            assert.equal(inputs.vpcId, "vpc-0c0c0c0c0c0c0c0c0");
            assert.equal(inputs.description, "MySQL from the function only");
            assert.deepEqual(inputs.tags, { project: "x" });
            assert.equal(inputs.ingress, undefined);
            assert.equal(inputs.egress, undefined);
        });
    });

    describe("mysqlOnlyGroup", () => {
        for (const direction of ["to", "from"] as const) {
            it(`gives the group one MySQL path ${direction} the peer group: egress on the sender, ingress on the receiver`, async () => {
                const name = uniqueName(`net-mysql-${direction}`);
                const { opts, declared } = declarations();
                const parent = new pulumi.ComponentResource("test:network:Owner", name, {}, opts);
                const group = mysqlOnlyGroup(
                    `${name}-sg`,
                    {
                        vpcId: "vpc-0c0c0c0c0c0c0c0c0",
                        description: "MySQL only",
                        peer: { securityGroupId: PEER_SG, direction },
                        egress: { name: `${name}-out`, description: "MySQL out" },
                        ingress: { name: `${name}-in`, description: "MySQL in" },
                    },
                    parent,
                );
                const own = await promiseOf(group.id);
                const [sender, receiver] = direction === "to" ? [own, PEER_SG] : [PEER_SG, own];
                const out = (await recorded(EGRESS, `${name}-out`)).inputs;
                const into = (await recorded(INGRESS, `${name}-in`)).inputs;
                assert.deepEqual(
                    [out.securityGroupId, out.referencedSecurityGroupId, out.fromPort, out.toPort],
                    [sender, receiver, 3306, 3306],
                );
                assert.deepEqual(
                    [into.securityGroupId, into.referencedSecurityGroupId, into.fromPort, into.toPort],
                    [receiver, sender, 3306, 3306],
                );
                assert.equal(declared.find((d) => d.resource === group)?.parent, parent);
            });
        }
    });

    describe("tcpRule", () => {
        it("builds an ingress rule for one TCP port from one CIDR block", async () => {
            const name = uniqueName("net-in");
            const rule = tcpRule(name, "ingress", ruleArgs({ cidrIpv4: "10.20.0.0/16" }));
            assert.ok(rule instanceof aws.vpc.SecurityGroupIngressRule);
            await promiseOf(rule.id);
            const { inputs } = await recorded(INGRESS, name);
            assert.deepEqual(inputs, {
                securityGroupId: SG,
                description: "MySQL from the consumer VPC",
                ipProtocol: "tcp",
                fromPort: 3306,
                toPort: 3306,
                cidrIpv4: "10.20.0.0/16",
            });
            assert.deepEqual(
                PEER_INPUTS.filter((key) => key in inputs),
                ["cidrIpv4"],
            );
        });

        it("builds an egress rule for one TCP port to one security group", async () => {
            const name = uniqueName("net-out");
            const rule = tcpRule(name, "egress", { ...ruleArgs({ securityGroupId: PEER_SG }), port: 443 });
            assert.ok(rule instanceof aws.vpc.SecurityGroupEgressRule);
            await promiseOf(rule.id);
            const { inputs } = await recorded(EGRESS, name);
            assert.equal(inputs.ipProtocol, "tcp");
            assert.equal(inputs.fromPort, 443);
            assert.equal(inputs.toPort, 443);
            assert.equal(inputs.referencedSecurityGroupId, PEER_SG);
            assert.deepEqual(
                PEER_INPUTS.filter((key) => key in inputs),
                ["referencedSecurityGroupId"],
            );
            assert.ok(await neverRecorded(INGRESS, name, 100), "an egress rule only");
        });

        it("declares the rule with the options it is given", async () => {
            const name = uniqueName("net-opts");
            const provider = new aws.Provider(`${name}-provider`, { region: "eu-west-1" });
            const rule = tcpRule(name, "ingress", ruleArgs({ securityGroupId: PEER_SG }), { provider });
            await promiseOf(rule.id);
            assert.equal((await recorded(INGRESS, name)).provider, await providerRef(provider));
        });
    });

    describe("tcpBetweenGroups", () => {
        it("opens one port along a path: egress on the sending group to the receiver, ingress on the receiver from the sender", async () => {
            const egress = uniqueName("net-path-out");
            const ingress = uniqueName("net-path-in");
            const rules = tcpBetweenGroups({
                from: SG,
                to: PEER_SG,
                port: 3306,
                egress: { name: egress, description: "MySQL to the database" },
                ingress: { name: ingress, description: "MySQL from the function" },
            });
            assert.equal(rules.length, 2);
            assert.ok(rules[0] instanceof aws.vpc.SecurityGroupEgressRule, "the egress rule first");
            assert.ok(rules[1] instanceof aws.vpc.SecurityGroupIngressRule);
            await Promise.all(rules.map((rule) => promiseOf(rule.id)));
            assert.deepEqual((await recorded(EGRESS, egress)).inputs, {
                securityGroupId: SG,
                description: "MySQL to the database",
                ipProtocol: "tcp",
                fromPort: 3306,
                toPort: 3306,
                referencedSecurityGroupId: PEER_SG,
            });
            assert.deepEqual((await recorded(INGRESS, ingress)).inputs, {
                securityGroupId: PEER_SG,
                description: "MySQL from the function",
                ipProtocol: "tcp",
                fromPort: 3306,
                toPort: 3306,
                referencedSecurityGroupId: SG,
            });
        });

        it("declares both rules with the options it is given", async () => {
            const name = uniqueName("net-path-opts");
            const provider = new aws.Provider(`${name}-provider`, { region: "eu-west-1" });
            const rules = tcpBetweenGroups(
                {
                    from: SG,
                    to: PEER_SG,
                    port: 443,
                    egress: { name: `${name}-out`, description: "HTTPS to the endpoints" },
                    ingress: { name: `${name}-in`, description: "HTTPS from the function" },
                },
                { provider },
            );
            await Promise.all(rules.map((rule) => promiseOf(rule.id)));
            const ref = await providerRef(provider);
            assert.equal((await recorded(EGRESS, `${name}-out`)).provider, ref);
            assert.equal((await recorded(INGRESS, `${name}-in`)).provider, ref);
        });
    });

    describe("interfaceEndpoint", () => {
        it("is an interface endpoint of the regional service, with private DNS, in every isolated subnet, behind the one group", async () => {
            const name = uniqueName("net-endpoint");
            const { vpc } = isolatedVpc(`${name}-vpc`, {
                cidrBlock: "10.30.0.0/16",
                availabilityZoneCount: 2,
                subnetName: "function",
            });
            const endpoint = interfaceEndpoint(name, {
                vpc,
                service: "secretsmanager",
                region: "eu-west-1",
                securityGroupId: SG,
                tags: { project: "x" },
            });
            await promiseOf(endpoint.id);
            const { inputs } = await recorded(ENDPOINT, name);
            const subnets = await promiseOf(vpc.isolatedSubnetIds);
            assert.equal(subnets.length, 2);
            assert.deepEqual(inputs, {
                vpcId: await promiseOf(vpc.vpcId),
                serviceName: "com.amazonaws.eu-west-1.secretsmanager",
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
                subnetIds: subnets,
                securityGroupIds: [SG],
                tags: { project: "x" },
            });
        });
    });

    describe("functionWithEndpoints", () => {
        it("gives the function its own group and one endpoint per service behind a group that admits HTTPS from the function's group only", async () => {
            const name = uniqueName("net-fn-endpoints");
            const { vpc } = isolatedVpc(`${name}-vpc`, {
                cidrBlock: "10.40.0.0/16",
                availabilityZoneCount: 2,
                subnetName: "function",
            });
            const tags = { project: "x" };
            const { functionGroup, httpsRules, endpoints } = functionWithEndpoints({
                vpc,
                region: "eu-west-1",
                services: ["sts", "secretsmanager"],
                endpointPrefix: name,
                functionGroup: { name: `${name}-fn`, description: "The function: HTTPS to the endpoints" },
                endpointGroup: { name: `${name}-ep`, description: "Endpoints: HTTPS from the function only" },
                egress: { name: `${name}-out`, description: "HTTPS to the endpoints" },
                ingress: { name: `${name}-in`, description: "HTTPS from the function" },
                tags,
            });
            assert.ok(functionGroup instanceof aws.ec2.SecurityGroup);
            assert.equal(httpsRules.length, 2);
            assert.ok(httpsRules[0] instanceof aws.vpc.SecurityGroupEgressRule, "the egress rule first");
            assert.ok(httpsRules[1] instanceof aws.vpc.SecurityGroupIngressRule);
            const fnGroupId = await promiseOf(functionGroup.id);
            const vpcId = await promiseOf(vpc.vpcId);

            for (const [group, description] of [
                [`${name}-fn`, "The function: HTTPS to the endpoints"],
                [`${name}-ep`, "Endpoints: HTTPS from the function only"],
            ]) {
                assert.deepEqual((await recorded(TYPE.securityGroup, group)).inputs, {
                    vpcId,
                    description,
                    tags,
                });
            }
            const out = (await recorded(EGRESS, `${name}-out`)).inputs;
            const into = (await recorded(INGRESS, `${name}-in`)).inputs;
            const endpointGroupId = into.securityGroupId;
            assert.notEqual(endpointGroupId, fnGroupId, "the endpoints have a group of their own");
            assert.deepEqual(
                [
                    out.securityGroupId,
                    out.referencedSecurityGroupId,
                    out.fromPort,
                    out.toPort,
                    out.description,
                ],
                [fnGroupId, endpointGroupId, 443, 443, "HTTPS to the endpoints"],
            );
            assert.deepEqual(
                [into.referencedSecurityGroupId, into.fromPort, into.toPort, into.description],
                [fnGroupId, 443, 443, "HTTPS from the function"],
            );

            assert.equal(endpoints.length, 2);
            await Promise.all(endpoints.map((endpoint) => promiseOf(endpoint.id)));
            for (const service of ["sts", "secretsmanager"]) {
                const { inputs } = await recorded(ENDPOINT, `${name}-${service}`);
                assert.equal(inputs.serviceName, `com.amazonaws.eu-west-1.${service}`);
                assert.deepEqual(inputs.securityGroupIds, [endpointGroupId]);
                assert.deepEqual(inputs.tags, tags);
            }
        });
    });
});
