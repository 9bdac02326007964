// PrivateLink (VPC Lattice resource gateway + resource configuration, shared by AWS RAM; a `Resource`
// VPC endpoint on the consumer side): the database is shared with exactly one consumer account per
// share, cannot be re-shared onward, is reached by its own DNS name, and only MySQL passes, between
// security groups.
import * as aws from "@pulumi/aws";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isOpenCidr } from "../infra/lib/cidr";
import { MYSQL_PORT } from "../infra/lib/constants";
import { isAccountId } from "../infra/lib/validate";
import { packConfig, packConfigSchema } from "./config";
import { FLAG_RULES } from "./flags";
import { resourceRule } from "./resourceRule";
import {
    inlinePermissions,
    securityGroupRulePermissions,
    vpcRulePermission,
    type Direction,
    type Permission,
} from "./network";

export const privatelinkNoTransitiveSharing: ResourceValidationPolicy =
    FLAG_RULES.privatelinkNoTransitiveSharing;

export const privatelinkArnConfiguration: ResourceValidationPolicy = resourceRule(
    {
        name: "privatelink-arn-configuration",
        description:
            "Resource configurations are of type ARN: one RDS database, reached by its own DNS name.",
    },
    aws.vpclattice.ResourceConfiguration,
    (config) =>
        config.type !== "ARN"
            ? `The resource configuration is of type ${config.type ?? "SINGLE (the default)"}; set type: "ARN" with resourceConfigurationDefinition.arnResource.arn the RDS instance's arn, so consumers reach exactly that database by its own DNS name and TLS verifies it.`
            : undefined,
);

export const privatelinkEndpointPrivateDns: ResourceValidationPolicy = resourceRule(
    {
        name: "privatelink-endpoint-private-dns",
        description:
            "Resource VPC endpoints have private DNS on, so clients connect to the database's own name.",
    },
    aws.ec2.VpcEndpoint,
    (endpoint) =>
        endpoint.vpcEndpointType === "Resource" && endpoint.privateDnsEnabled !== true
            ? "The resource endpoint has no private DNS, so the database's name does not resolve to it and TLS cannot verify the generated name; set privateDnsEnabled: true."
            : undefined,
);

const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:(organization|ou)\//;

export const ramSharePrincipalAllowed: ResourceValidationPolicy = resourceRule(
    {
        name: "ram-share-principal-allowed",
        description:
            "RAM shares name a configured consumer account (allowedSharePrincipals), never an organization or OU unless listed.",
        configSchema: packConfigSchema,
    },
    aws.ram.PrincipalAssociation,
    (association, args) => {
        const allowed = packConfig(args).allowedSharePrincipals;
        const principal = association.principal;
        if (allowed.includes(principal)) {
            return undefined;
        }
        const fix = `name exactly the consumer's 12-digit account id (allowed: ${allowed.length > 0 ? allowed.join(", ") : "none configured"}; set the policy config allowedSharePrincipals)`;
        if (ORGANIZATION_ARN.test(principal)) {
            return `The share names ${principal}, which admits every account in it; ${fix}.`;
        }
        return isAccountId(principal)
            ? `The share names the account ${principal}, which is no privatelink consumer; ${fix}.`
            : `The share names ${principal}, which is no account id; ${fix}.`;
    },
);

/** Each share's principals, by the share's ARN (an output: known once the share exists). */
function principalsByShare(resources: readonly PolicyResource[]): Map<string, string[]> {
    const byShare = new Map<string, string[]>();
    for (const resource of resources) {
        const association = resource.asType(aws.ram.PrincipalAssociation);
        if (association) {
            byShare.set(association.resourceShareArn, [
                ...(byShare.get(association.resourceShareArn) ?? []),
                association.principal,
            ]);
        }
    }
    return byShare;
}

/** The stack's RAM shares, each with its principals (read only when asked: ARNs are unknown at preview). */
function shares(resources: readonly PolicyResource[]) {
    let byShare: Map<string, string[]> | undefined;
    return resources.flatMap((resource) => {
        const share = resource.asType(aws.ram.ResourceShare);
        if (!share) {
            return [];
        }
        const principals = () => (byShare ??= principalsByShare(resources)).get(share.arn) ?? [];
        return [{ resource, share, principals }];
    });
}

export const ramShareOnePrincipal: StackValidationPolicy = {
    name: "ram-share-one-principal",
    description: "Each RAM share names one principal, so each consumer's access is revoked on its own.",
    validateStack: (args, reportViolation) => {
        for (const { resource, principals } of shares(args.resources)) {
            if (principals().length > 1) {
                reportViolation(
                    `The share names ${principals().join(", ")}; declare one aws.ram.ResourceShare per consumer, each with one aws.ram.PrincipalAssociation.`,
                    resource.urn,
                );
            }
        }
    },
};

export const ramShareExternalOnlyOutsideOrganization: StackValidationPolicy = {
    name: "ram-share-external-only-outside-organization",
    description:
        "A RAM share allows external principals only when its consumer is outside the organization (externalShareAccounts).",
    configSchema: packConfigSchema,
    validateStack: (args, reportViolation) => {
        for (const { resource, share, principals } of shares(args.resources)) {
            if (share.allowExternalPrincipals !== true) {
                continue;
            }
            const external = packConfig(args).externalShareAccounts;
            const inside = principals().filter((p) => !external.includes(p));
            if (inside.length > 0) {
                reportViolation(
                    `The share allows external principals but names ${inside.join(", ")}, which is not configured as outside the organization; set allowExternalPrincipals: false, or mark the consumer outsideOrganization: true (policy config externalShareAccounts).`,
                    resource.urn,
                );
            }
        }
    },
};

/** A permission that is TCP on exactly MySQL's port and names no address range (only security groups). */
const isMysqlBetweenGroups = (p: Permission) =>
    ["tcp", "6"].includes((p.protocol ?? "").toLowerCase()) &&
    p.fromPort === MYSQL_PORT &&
    p.toPort === MYSQL_PORT &&
    p.cidrs.length + p.ipv6Cidrs.length + p.prefixLists.length === 0;

function describePermission(p: Permission): string {
    const protocol = (p.protocol ?? "").toLowerCase();
    const ports =
        protocol === "-1" || protocol === "all"
            ? "all traffic"
            : `${protocol} ${p.fromPort === p.toPort ? p.fromPort : `${p.fromPort}-${p.toPort}`}`;
    const peers = [...p.cidrs, ...p.ipv6Cidrs, ...p.prefixLists];
    return peers.length > 0 ? `${ports} with ${peers.join(", ")}` : ports;
}

export const privatelinkSecurityGroups: StackValidationPolicy = {
    name: "privatelink-security-groups",
    description: `Resource gateways and resource endpoints have their own security groups, passing only TCP ${MYSQL_PORT} between security groups.`,
    validateStack: (args, reportViolation) => {
        // The security groups to check, each with what it guards.
        const guarded = new Map<string, string>();
        for (const resource of args.resources) {
            const gateway = resource.asType(aws.vpclattice.ResourceGateway);
            const endpoint = resource.asType(aws.ec2.VpcEndpoint);
            const owner = gateway
                ? { what: "resource gateway", groups: gateway.securityGroupIds }
                : endpoint?.vpcEndpointType === "Resource"
                  ? { what: "resource endpoint", groups: endpoint.securityGroupIds }
                  : undefined;
            if (!owner) {
                continue;
            }
            if ((owner.groups ?? []).length === 0) {
                reportViolation(
                    `The ${owner.what} names no security group, so it gets the VPC's default group; give it its own security group.`,
                    resource.urn,
                );
            }
            for (const id of owner.groups ?? []) {
                guarded.set(id, owner.what);
            }
        }
        if (guarded.size === 0) {
            return;
        }
        const check = (groupId: string, direction: Direction, permissions: Permission[], urn: string) => {
            const what = guarded.get(groupId);
            for (const p of what === undefined ? [] : permissions.filter((p) => !isMysqlBetweenGroups(p))) {
                const open = [...p.cidrs, ...p.ipv6Cidrs].filter(isOpenCidr);
                const fix = `allow only TCP ${MYSQL_PORT} ${direction === "ingress" ? "from" : "to"} a security group (the function's, or the database's)`;
                reportViolation(
                    open.length > 0
                        ? `The ${what}'s security group allows ${direction} with ${open.join(", ")}, i.e. the internet; ${fix}.`
                        : `The ${what}'s security group allows ${direction} ${describePermission(p)}; ${fix}.`,
                    urn,
                );
            }
        };
        for (const r of args.resources) {
            const group = r.asType(aws.ec2.SecurityGroup);
            if (group) {
                check(group.id, "ingress", inlinePermissions(group, "ingress"), r.urn);
                check(group.id, "egress", inlinePermissions(group, "egress"), r.urn);
            }
            const ingress = r.asType(aws.vpc.SecurityGroupIngressRule);
            if (ingress) {
                check(ingress.securityGroupId, "ingress", [vpcRulePermission(ingress)], r.urn);
            }
            const egress = r.asType(aws.vpc.SecurityGroupEgressRule);
            if (egress) {
                check(egress.securityGroupId, "egress", [vpcRulePermission(egress)], r.urn);
            }
            const rule = r.asType(aws.ec2.SecurityGroupRule);
            if (rule) {
                for (const direction of ["ingress", "egress"] as const) {
                    check(
                        rule.securityGroupId,
                        direction,
                        securityGroupRulePermissions(rule, direction),
                        r.urn,
                    );
                }
            }
        }
    },
};

export const privatelinkPolicies = [
    privatelinkNoTransitiveSharing,
    privatelinkArnConfiguration,
    privatelinkEndpointPrivateDns,
    privatelinkSecurityGroups,
    ramSharePrincipalAllowed,
    ramShareOnePrincipal,
    ramShareExternalOnlyOutsideOrganization,
];
