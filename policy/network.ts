// Network: nothing is open to the internet, MySQL is reachable only from peer VPCs (or by security group),
// and peering routes lead only to peer VPCs.
import * as aws from "@pulumi/aws";
import {
    validateResourceOfType,
    type ReportViolation,
    type ResourceValidation,
    type ResourceValidationArgs,
    type ResourceValidationPolicy,
} from "@pulumi/policy";
import { cidrWithin, isOpenCidr } from "../infra/lib/cidr";
import { MYSQL_PORT } from "../infra/lib/constants";
import { packConfig, packConfigSchema } from "./config";

/** One permission of a security group, whichever resource declares it. */
export interface Permission {
    readonly protocol?: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    readonly cidrs: readonly string[];
    readonly ipv6Cidrs: readonly string[];
    readonly prefixLists: readonly string[];
}

export type Direction = "ingress" | "egress";

// The shapes below are what inputs and outputs of each rule resource have in common. Security group
// references are never read: they may be unknown at preview, and no check here needs them.
interface InlineRule {
    readonly protocol?: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    readonly cidrBlocks?: readonly string[];
    readonly ipv6CidrBlocks?: readonly string[];
    readonly prefixListIds?: readonly string[];
}

interface VpcRule {
    readonly ipProtocol?: string;
    readonly fromPort?: number;
    readonly toPort?: number;
    readonly cidrIpv4?: string;
    readonly cidrIpv6?: string;
    readonly prefixListId?: string;
}

/** The inline `ingress` or `egress` rules of an `aws.ec2.SecurityGroup`. */
export function inlinePermissions(
    group: { readonly ingress?: readonly InlineRule[]; readonly egress?: readonly InlineRule[] },
    direction: Direction,
): Permission[] {
    return (group[direction] ?? []).map(permissionOf);
}

/** An `aws.vpc.SecurityGroupIngressRule` or `SecurityGroupEgressRule`. */
export function vpcRulePermission(rule: VpcRule): Permission {
    return {
        protocol: rule.ipProtocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        cidrs: rule.cidrIpv4 === undefined ? [] : [rule.cidrIpv4],
        ipv6Cidrs: rule.cidrIpv6 === undefined ? [] : [rule.cidrIpv6],
        prefixLists: rule.prefixListId === undefined ? [] : [rule.prefixListId],
    };
}

/** An `aws.ec2.SecurityGroupRule`, when it is of `direction`. */
export function securityGroupRulePermissions(
    rule: InlineRule & { readonly type?: string },
    direction: Direction,
): Permission[] {
    return rule.type === direction ? [permissionOf(rule)] : [];
}

function permissionOf(rule: InlineRule): Permission {
    return {
        protocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        cidrs: rule.cidrBlocks ?? [],
        ipv6Cidrs: rule.ipv6CidrBlocks ?? [],
        prefixLists: rule.prefixListIds ?? [],
    };
}

/** Whether the permission lets TCP `port` through (all protocols and port ranges included). */
function allowsPort(permission: Permission, port: number): boolean {
    const protocol = (permission.protocol ?? "").toLowerCase();
    if (protocol === "-1" || protocol === "all") {
        return true;
    }
    if (protocol !== "tcp" && protocol !== "6") {
        return false;
    }
    const from = permission.fromPort;
    const to = permission.toPort ?? from;
    return from === undefined || to === undefined || from === -1 || (from <= port && port <= to);
}

type PermissionCheck = (
    permissions: Permission[],
    args: ResourceValidationArgs,
    report: ReportViolation,
) => void;

/** One check over the ingress permissions of every resource type that declares some. */
function onIngress(check: PermissionCheck): ResourceValidation[] {
    return [
        validateResourceOfType(aws.ec2.SecurityGroup, (group, args, report) =>
            check(inlinePermissions(group, "ingress"), args, report),
        ),
        validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, report) =>
            check([vpcRulePermission(rule)], args, report),
        ),
        validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, report) =>
            check(securityGroupRulePermissions(rule, "ingress"), args, report),
        ),
    ];
}

/** Whether `cidr` lies inside one of `peers`. */
function withinPeers(cidr: string, peers: readonly string[]): boolean {
    return peers.some((peer) => cidrWithin(cidr, peer));
}

const allowedList = (peers: readonly string[]) =>
    `allowed: ${peers.length > 0 ? peers.join(", ") : "none configured"}; set the policy config allowedPeerCidrs`;

export const sgNoOpenIngress: ResourceValidationPolicy = {
    name: "sg-no-open-ingress",
    description: "No security group admits traffic from 0.0.0.0/0 or ::/0.",
    validateResource: onIngress((permissions, _args, reportViolation) => {
        for (const cidr of permissions.flatMap((p) => [...p.cidrs, ...p.ipv6Cidrs]).filter(isOpenCidr)) {
            reportViolation(
                `Ingress from ${cidr} opens the group to the internet; admit only the peer VPC's CIDR or a security group.`,
            );
        }
    }),
};

export const sgMysqlFromPeerOnly: ResourceValidationPolicy = {
    name: "sg-mysql-from-peer-only",
    description: `Port ${MYSQL_PORT} is admitted only from the configured peer CIDRs (allowedPeerCidrs) or security groups.`,
    configSchema: packConfigSchema,
    validateResource: onIngress((permissions, args, reportViolation) => {
        const mysql = permissions.filter((p) => allowsPort(p, MYSQL_PORT));
        if (mysql.length === 0) {
            return;
        }
        const peers = packConfig(args).allowedPeerCidrs;
        const fix = `admit ${MYSQL_PORT} only from a peer VPC CIDR (${allowedList(peers)}) or from a security group`;
        for (const permission of mysql) {
            for (const cidr of permission.cidrs.filter((c) => !withinPeers(c, peers))) {
                reportViolation(`Port ${MYSQL_PORT} is open to ${cidr}, which is not a peer CIDR; ${fix}.`);
            }
            for (const cidr of permission.ipv6Cidrs) {
                reportViolation(`Port ${MYSQL_PORT} is open to the IPv6 range ${cidr}; ${fix}.`);
            }
            for (const prefixList of permission.prefixLists) {
                reportViolation(
                    `Port ${MYSQL_PORT} is open to the prefix list ${prefixList}, which cannot be verified; ${fix}.`,
                );
            }
        }
    }),
};

interface RouteTarget {
    readonly destination?: string;
    readonly ipv6Destination?: string;
    readonly prefixList?: string;
    /** Read only when the destination is wrong: at preview the peering id is often still unknown. */
    readonly peering: () => string | undefined;
}

function checkPeeringRoute(
    route: RouteTarget,
    args: ResourceValidationArgs,
    reportViolation: ReportViolation,
) {
    const peers = packConfig(args).allowedPeerCidrs;
    const problems = [
        ...(route.ipv6Destination !== undefined ? [`the IPv6 range ${route.ipv6Destination}`] : []),
        ...(route.prefixList !== undefined ? [`the prefix list ${route.prefixList}`] : []),
        ...(route.destination !== undefined && !withinPeers(route.destination, peers)
            ? [`${route.destination}, which is not a peer CIDR`]
            : []),
    ];
    if (problems.length === 0 || !route.peering()) {
        return;
    }
    for (const problem of problems) {
        reportViolation(
            `A peering route leads to ${problem}; route only the peer VPC's CIDR through the peering (${allowedList(peers)}).`,
        );
    }
}

export const peeringRoutesToPeerCidr: ResourceValidationPolicy = {
    name: "peering-routes-to-peer-cidr",
    description:
        "Routes through a VPC peering connection lead only to a configured peer CIDR (allowedPeerCidrs).",
    configSchema: packConfigSchema,
    validateResource: [
        validateResourceOfType(aws.ec2.Route, (route, args, reportViolation) =>
            checkPeeringRoute(
                {
                    destination: route.destinationCidrBlock,
                    ipv6Destination: route.destinationIpv6CidrBlock,
                    prefixList: route.destinationPrefixListId,
                    peering: () => route.vpcPeeringConnectionId,
                },
                args,
                reportViolation,
            ),
        ),
        validateResourceOfType(aws.ec2.RouteTable, (table, args, reportViolation) => {
            for (const route of table.routes ?? []) {
                checkPeeringRoute(
                    {
                        destination: route.cidrBlock,
                        ipv6Destination: route.ipv6CidrBlock,
                        prefixList: route.destinationPrefixListId,
                        peering: () => route.vpcPeeringConnectionId,
                    },
                    args,
                    reportViolation,
                );
            }
        }),
    ],
};

export const networkPolicies = [sgNoOpenIngress, sgMysqlFromPeerOnly, peeringRoutesToPeerCidr];
