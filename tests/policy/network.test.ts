import * as assert from "assert";
import { peeringRoutesToPeerCidr, sgMysqlFromPeerOnly, sgNoOpenIngress } from "../../policy/network";
import { assertOne, check, CONFIG, resource, T, violations } from "./harness";

const sg = (ingress: Array<Record<string, unknown>>) =>
    resource(T.securityGroup, { vpcId: "vpc-0123", ingress, egress: [] });
const rule = (extra: Record<string, unknown>) =>
    resource(T.ingressRule, {
        securityGroupId: "sg-1",
        ipProtocol: "tcp",
        fromPort: 3306,
        toPort: 3306,
        ...extra,
    });

describe("policy pack: security groups", () => {
    it("sg-no-open-ingress refuses 0.0.0.0/0 and ::/0 on every kind of ingress rule", () => {
        assert.deepStrictEqual(
            check(
                sgNoOpenIngress,
                sg([{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["10.20.0.0/16"] }]),
            ),
            [],
        );
        assertOne(
            check(
                sgNoOpenIngress,
                sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
            ),
            "0.0.0.0/0",
            "peer VPC's CIDR",
        );
        assertOne(check(sgNoOpenIngress, rule({ fromPort: 22, toPort: 22, cidrIpv6: "::/0" })), "::/0");
        assertOne(
            check(
                sgNoOpenIngress,
                resource(T.securityGroupRule, {
                    type: "ingress",
                    protocol: "-1",
                    fromPort: 0,
                    toPort: 0,
                    cidrBlocks: ["0.0.0.0/0"],
                }),
            ),
            "0.0.0.0/0",
        );
    });

    it("sg-no-open-ingress ignores egress rules", () => {
        const egress = { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] };
        assert.deepStrictEqual(check(sgNoOpenIngress, resource(T.securityGroupRule, egress)), []);
        assert.deepStrictEqual(
            check(sgNoOpenIngress, resource(T.securityGroup, { egress: [{ ...egress, type: undefined }] })),
            [],
        );
    });

    it("sg-mysql-from-peer-only admits 3306 from a peer CIDR (or inside one) and from security groups", () => {
        assert.deepStrictEqual(check(sgMysqlFromPeerOnly, rule({ cidrIpv4: "10.20.0.0/16" })), []);
        assert.deepStrictEqual(check(sgMysqlFromPeerOnly, rule({ cidrIpv4: "10.20.3.0/24" })), []);
        assert.deepStrictEqual(check(sgMysqlFromPeerOnly, rule({ referencedSecurityGroupId: "sg-2" })), []);
        // Another port from anywhere private is not this policy's business.
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, rule({ fromPort: 443, toPort: 443, cidrIpv4: "172.16.0.0/12" })),
            [],
        );
    });

    it("sg-mysql-from-peer-only refuses 3306 from any other CIDR, naming the allowed ones", () => {
        assertOne(
            check(
                sgMysqlFromPeerOnly,
                sg([{ protocol: "tcp", fromPort: 3300, toPort: 3310, cidrBlocks: ["10.0.0.0/8"] }]),
            ),
            "10.0.0.0/8",
            "10.10.0.0/16, 10.20.0.0/16",
            "allowedPeerCidrs",
        );
        assertOne(
            check(
                sgMysqlFromPeerOnly,
                resource(T.securityGroupRule, {
                    type: "ingress",
                    protocol: "-1",
                    fromPort: 0,
                    toPort: 0,
                    cidrBlocks: ["192.168.0.0/16"],
                }),
            ),
            "192.168.0.0/16",
        );
        assertOne(check(sgMysqlFromPeerOnly, rule({ cidrIpv6: "fd00::/8" })), "IPv6 range fd00::/8");
        assertOne(check(sgMysqlFromPeerOnly, rule({ prefixListId: "pl-1234" })), "prefix list pl-1234");
        assertOne(
            check(sgMysqlFromPeerOnly, rule({ cidrIpv4: "10.20.0.0/16" }), {
                ...CONFIG,
                allowedPeerCidrs: [],
            }),
            "none configured",
        );
    });

    it("sg-mysql-from-peer-only takes the peer CIDRs from the policy config", () => {
        const thirty = rule({ cidrIpv4: "10.30.0.0/16" });
        assert.strictEqual(check(sgMysqlFromPeerOnly, thirty).length, 1);
        assert.deepStrictEqual(
            check(sgMysqlFromPeerOnly, thirty, { ...CONFIG, allowedPeerCidrs: ["10.30.0.0/16"] }),
            [],
        );
    });
});

describe("policy pack: peering routes", () => {
    const route = (destinationCidrBlock: string, more: Record<string, unknown> = {}) =>
        resource(
            T.route,
            { routeTableId: "rtb-1", destinationCidrBlock, vpcPeeringConnectionId: "pcx-1", ...more },
            { name: "to-db" },
        );

    it("peering-routes-to-peer-cidr accepts a peering route to a peer CIDR and ignores other routes", () => {
        assert.deepStrictEqual(check(peeringRoutesToPeerCidr, route("10.10.0.0/16")), []);
        const nat = route("0.0.0.0/0", { vpcPeeringConnectionId: undefined, natGatewayId: "nat-1" });
        assert.deepStrictEqual(check(peeringRoutesToPeerCidr, nat), []);
    });

    it("peering-routes-to-peer-cidr refuses a peering route to anything wider than the peer", () => {
        const found = violations(peeringRoutesToPeerCidr, route("0.0.0.0/0"));
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].resource, "to-db");
        assert.match(
            found[0].message,
            /leads to 0\.0\.0\.0\/0, which is not a peer CIDR; route only the peer VPC's CIDR/,
        );
        assertOne(
            check(
                peeringRoutesToPeerCidr,
                route("10.10.0.0/16", { destinationIpv6CidrBlock: "::/0", destinationCidrBlock: undefined }),
            ),
            "IPv6 range ::/0",
        );
    });

    it("peering-routes-to-peer-cidr reads the inline routes of a route table", () => {
        const table = (cidrBlock: string) =>
            resource(T.routeTable, {
                vpcId: "vpc-1",
                routes: [{ cidrBlock, vpcPeeringConnectionId: "pcx-1" }],
            });
        assert.deepStrictEqual(check(peeringRoutesToPeerCidr, table("10.20.0.0/16")), []);
        assertOne(check(peeringRoutesToPeerCidr, table("10.0.0.0/8")), "10.0.0.0/8");
    });
});
