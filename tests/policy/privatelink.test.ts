import * as assert from "assert";
import {
    privatelinkArnConfiguration,
    privatelinkEndpointPrivateDns,
    privatelinkNoTransitiveSharing,
    privatelinkSecurityGroups,
    ramShareExternalOnlyOutsideOrganization,
    ramShareOnePrincipal,
    ramSharePrincipalAllowed,
} from "../../policy/privatelink";
import { validateResources, type PolicyResourceRecord } from "../../policy/run";
import { ANALYTICS, association, consumerSide, databaseSide, mysqlRule, PARTNER, share } from "./fixtures";
import { assertOne, check, CONFIG, resource, T, violations } from "./harness";

const replace = (resources: PolicyResourceRecord[], name: string, props: Record<string, unknown>) =>
    resources.map((r) => (r.name === name ? { ...r, props: { ...r.props, ...props } } : r));

describe("policy pack: PrivateLink", () => {
    it("the whole pack passes the PrivateLink resources of the database and consumer stacks", () => {
        assert.deepStrictEqual(validateResources(databaseSide(), CONFIG), []);
        assert.deepStrictEqual(validateResources(consumerSide(), CONFIG), []);
    });

    it("privatelink-no-transitive-sharing requires allowAssociationToShareableServiceNetwork: false", () => {
        const config = databaseSide().find((r) => r.type === T.resourceConfiguration)!;
        assert.deepStrictEqual(check(privatelinkNoTransitiveSharing, config), []);
        for (const allow of [true, undefined]) {
            assertOne(
                check(privatelinkNoTransitiveSharing, {
                    ...config,
                    props: { ...config.props, allowAssociationToShareableServiceNetwork: allow },
                }),
                "allowAssociationToShareableServiceNetwork: false",
                "onward",
            );
        }
    });

    it("privatelink-arn-configuration requires an ARN-type configuration (the RDS instance itself)", () => {
        const config = databaseSide().find((r) => r.type === T.resourceConfiguration)!;
        assert.deepStrictEqual(check(privatelinkArnConfiguration, config), []);
        assertOne(
            check(privatelinkArnConfiguration, { ...config, props: { ...config.props, type: "SINGLE" } }),
            "type SINGLE",
            'type: "ARN"',
        );
        assertOne(
            check(privatelinkArnConfiguration, { ...config, props: { ...config.props, type: undefined } }),
            "SINGLE (the default)",
        );
    });

    it("privatelink-endpoint-private-dns requires private DNS on Resource endpoints only", () => {
        const endpoint = consumerSide().find((r) => r.type === T.vpcEndpoint)!;
        assert.deepStrictEqual(check(privatelinkEndpointPrivateDns, endpoint), []);
        assertOne(
            check(privatelinkEndpointPrivateDns, {
                ...endpoint,
                props: { ...endpoint.props, privateDnsEnabled: undefined },
            }),
            "privateDnsEnabled: true",
        );
        const gateway = resource(T.vpcEndpoint, {
            vpcEndpointType: "Gateway",
            serviceName: "com.amazonaws.us-east-1.s3",
        });
        assert.deepStrictEqual(check(privatelinkEndpointPrivateDns, gateway), []);
    });

    it("ram-share-principal-allowed admits only a configured consumer account", () => {
        assert.deepStrictEqual(check(ramSharePrincipalAllowed, association("s", ANALYTICS)), []);
        assertOne(
            check(ramSharePrincipalAllowed, association("s", "555555551234")),
            "account 555555551234, which is no privatelink consumer",
            `allowed: ${ANALYTICS}, ${PARTNER}`,
            "allowedSharePrincipals",
        );
        assertOne(
            check(ramSharePrincipalAllowed, association("s", "arn:aws:iam::333333336021:root")),
            "which is no account id",
        );
        assertOne(
            check(ramSharePrincipalAllowed, association("s", ANALYTICS), {
                ...CONFIG,
                allowedSharePrincipals: [],
            }),
            "none configured",
        );
    });

    it("ram-share-principal-allowed refuses an organization or OU unless the config lists it", () => {
        const ou = "arn:aws:organizations::111111112974:ou/o-abc123/ou-ab12-cdef3456";
        assertOne(check(ramSharePrincipalAllowed, association("s", ou)), "admits every account in it");
        assertOne(
            check(
                ramSharePrincipalAllowed,
                association("s", "arn:aws:organizations::111111112974:organization/o-abc123"),
            ),
            "admits every account in it",
        );
        assert.deepStrictEqual(
            check(ramSharePrincipalAllowed, association("s", ou), {
                ...CONFIG,
                allowedSharePrincipals: [ou],
            }),
            [],
        );
    });

    it("ram-share-one-principal refuses a share naming two accounts, on the share", () => {
        assert.deepStrictEqual(check(ramShareOnePrincipal, databaseSide()), []);
        const found = violations(ramShareOnePrincipal, [
            ...databaseSide(),
            association("db-analytics", PARTNER),
        ]);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].resource, "db-analytics");
        assert.match(
            found[0].message,
            new RegExp(`names ${ANALYTICS}, ${PARTNER}; declare one aws\\.ram\\.ResourceShare per consumer`),
        );
        // Two shares, one account each: fine.
        const other = "arn:aws:ram:us-east-1:111111112974:resource-share/partner";
        assert.deepStrictEqual(
            check(ramShareOnePrincipal, [
                ...databaseSide(),
                share("db-partner", true, other),
                association("db-partner", PARTNER, other),
            ]),
            [],
        );
    });

    it("ram-share-external-only-outside-organization allows external principals only for outside consumers", () => {
        const external = (principal: string) => [share("db-x", true), association("db-x", principal)];
        assert.deepStrictEqual(check(ramShareExternalOnlyOutsideOrganization, external(PARTNER)), []);
        assert.deepStrictEqual(check(ramShareExternalOnlyOutsideOrganization, databaseSide()), []);
        const found = violations(ramShareExternalOnlyOutsideOrganization, external(ANALYTICS));
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].resource, "db-x");
        assert.match(
            found[0].message,
            /allows external principals but names 333333336021.*allowExternalPrincipals: false/,
        );
        assert.strictEqual(
            check(ramShareExternalOnlyOutsideOrganization, external(PARTNER), {
                ...CONFIG,
                externalShareAccounts: [],
            }).length,
            1,
        );
    });

    describe("privatelink-security-groups", () => {
        it("accepts MySQL between security groups on the gateway's and the endpoint's groups", () => {
            assert.deepStrictEqual(check(privatelinkSecurityGroups, databaseSide()), []);
            assert.deepStrictEqual(check(privatelinkSecurityGroups, consumerSide()), []);
        });

        it("refuses an open CIDR on the gateway's group, naming the rule", () => {
            const open = [
                ...databaseSide(),
                mysqlRule(T.egressRule, "rgw-anywhere", "sg-rgw", {
                    referencedSecurityGroupId: undefined,
                    cidrIpv4: "0.0.0.0/0",
                }),
            ];
            const found = violations(privatelinkSecurityGroups, open);
            assert.strictEqual(found.length, 1);
            assert.strictEqual(found[0].resource, "rgw-anywhere");
            assert.match(
                found[0].message,
                /resource gateway's security group allows egress with 0\.0\.0\.0\/0, i\.e\. the internet/,
            );
        });

        it("refuses any CIDR, other port or protocol on the endpoint's group", () => {
            const withRule = (extra: Record<string, unknown>) =>
                check(privatelinkSecurityGroups, [
                    ...consumerSide(),
                    mysqlRule(T.ingressRule, "extra", "sg-ep", extra),
                ]);
            assertOne(
                withRule({ referencedSecurityGroupId: undefined, cidrIpv4: "10.20.0.0/16" }),
                "resource endpoint's security group allows ingress tcp 3306 with 10.20.0.0/16",
                "from a security group",
            );
            assertOne(withRule({ fromPort: 0, toPort: 65535 }), "tcp 0-65535");
            assertOne(withRule({ ipProtocol: "-1", fromPort: undefined, toPort: undefined }), "all traffic");
        });

        it("reads inline rules of the group and aws.ec2.SecurityGroupRule resources too", () => {
            const inline = replace(consumerSide(), "endpoint", {
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
            });
            assertOne(check(privatelinkSecurityGroups, inline), "allows egress with 0.0.0.0/0");
            const rule = resource(
                T.securityGroupRule,
                {
                    type: "ingress",
                    securityGroupId: "sg-ep",
                    protocol: "tcp",
                    fromPort: 3306,
                    toPort: 3306,
                    cidrBlocks: ["10.0.0.0/8"],
                },
                { name: "legacy" },
            );
            assertOne(
                check(privatelinkSecurityGroups, [...consumerSide(), rule]),
                "ingress tcp 3306 with 10.0.0.0/8",
            );
        });

        it("leaves other security groups alone", () => {
            const functionEgress = mysqlRule(T.egressRule, "fn-https", "sg-fn", {
                fromPort: 443,
                toPort: 443,
                cidrIpv4: "10.20.0.0/16",
            });
            assert.deepStrictEqual(check(privatelinkSecurityGroups, [...consumerSide(), functionEgress]), []);
        });

        it("refuses a gateway or endpoint without its own security group", () => {
            const bare = replace(databaseSide(), "db-gateway", { securityGroupIds: undefined });
            assertOne(
                check(privatelinkSecurityGroups, bare),
                "resource gateway names no security group",
                "VPC's default group",
            );
            const bareEndpoint = replace(consumerSide(), "db-endpoint", { securityGroupIds: [] });
            assertOne(
                check(privatelinkSecurityGroups, bareEndpoint),
                "resource endpoint names no security group",
            );
        });
    });
});
