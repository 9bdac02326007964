// The network pieces both stacks build the same way: an isolated VPC, single-port TCP rules (alone, or both
// ends of a path between two security groups) and interface endpoints.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

import { parseCidr, subnetPrefix } from "./cidr";
import { HTTPS_PORT, MYSQL_PORT } from "./constants";

export { HTTPS_PORT, MYSQL_PORT };

export interface IsolatedVpcArgs {
    /** The VPC's CIDR block. */
    readonly cidrBlock: string;
    /** Availability zones, one isolated subnet each (a /24, or smaller when the VPC is small). */
    readonly availabilityZoneCount: number;
    /** Name of the subnet tier (`db`, `function`). */
    readonly subnetName: string;
    /** The zones by name, `availabilityZoneCount` of them (default: the region's first ones, as awsx picks). */
    readonly availabilityZoneNames?: readonly string[];
    /** Tags for the VPC and its children (default none). */
    readonly tags?: Record<string, string>;
}

export interface IsolatedVpc {
    readonly vpc: awsx.ec2.Vpc;
    /** One per subnet; the count comes from config, so it is known at preview. */
    readonly routeTableIds: pulumi.Output<string>[];
}

/** The subnet size: /24 where the VPC has room for one per zone, smaller in a small VPC (config refuses what cannot fit). */
export function isolatedSubnetPrefix(
    args: Pick<IsolatedVpcArgs, "cidrBlock" | "availabilityZoneCount">,
): number {
    const vpc = parseCidr(args.cidrBlock);
    const prefix = vpc ? subnetPrefix(vpc.prefix, args.availabilityZoneCount) : undefined;
    if (prefix === undefined) {
        throw new Error(`${args.cidrBlock} has no room for ${args.availabilityZoneCount} subnets`);
    }
    return prefix;
}

/** Availability zones of this account and region, by name and by zone id, in the same order. */
export interface Zones {
    readonly names: readonly string[];
    /** The zone ids: the same physical zone in every account (a zone NAME maps differently per account). */
    readonly zoneIds: readonly string[];
}

/**
 * `count` available zones of this account, those with one of `preferredZoneIds` first (in that order), so
 * two accounts' VPCs can span the same physical zones. With `requireOverlap`, refuses when none of the
 * preferred zones exists here (a PrivateLink endpoint needs a zone in common with the resource gateway).
 */
export async function chooseZones(
    count: number,
    preferredZoneIds: readonly string[] = [],
    options: { requireOverlap?: string } = {},
): Promise<Zones> {
    const available = await aws.getAvailabilityZones({
        state: "available",
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const all = available.names.map((name, i) => ({ name, zoneId: available.zoneIds[i] }));
    const preferred = preferredZoneIds.flatMap((id) => all.filter((zone) => zone.zoneId === id));
    if (options.requireOverlap !== undefined && preferredZoneIds.length > 0 && preferred.length === 0) {
        throw new pulumi.RunError(
            `${options.requireOverlap}: this account has none of the zones ${preferredZoneIds.join(", ")} ` +
                `(zone ids) in ${available.id}; the two VPCs need at least one zone in common`,
        );
    }
    const chosen = [...preferred, ...all.filter((zone) => !preferred.includes(zone))].slice(0, count);
    if (chosen.length < count) {
        throw new pulumi.RunError(
            `cross-account-rds:availabilityZoneCount: ${count} zones asked for, but this account has ` +
                `${all.length} available without opting in`,
        );
    }
    return { names: chosen.map((zone) => zone.name), zoneIds: chosen.map((zone) => zone.zoneId) };
}

/** A VPC of isolated subnets only: no NAT, no route to the internet, DNS support and host names on. */
export function isolatedVpc(name: string, args: IsolatedVpcArgs): IsolatedVpc {
    const vpc = new awsx.ec2.Vpc(name, {
        cidrBlock: args.cidrBlock,
        ...(args.availabilityZoneNames
            ? { availabilityZoneNames: [...args.availabilityZoneNames] }
            : { numberOfAvailabilityZones: args.availabilityZoneCount }),
        subnetStrategy: "Auto",
        subnetSpecs: [{ type: "Isolated", name: args.subnetName, cidrMask: isolatedSubnetPrefix(args) }],
        natGateways: { strategy: "None" },
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: args.tags,
    });
    // awsx makes one route table per isolated subnet; never look them up (their count must be known).
    const routeTableIds = Array.from({ length: args.availabilityZoneCount }, (_, i) =>
        vpc.routeTables.apply((tables) => pulumi.output(tables[i].id)),
    );
    return { vpc, routeTableIds };
}

export interface OwnSecurityGroupArgs {
    /** The VPC the group belongs to. */
    readonly vpcId: pulumi.Input<string>;
    /** Tags (default none). */
    readonly tags?: Record<string, string>;
}

/**
 * A component's own security group in its VPC, with its tags, a child of `parent` and with no rules: the
 * component adds each path it needs. Every group says what it admits in its `description`.
 */
export function ownSecurityGroup(
    name: string,
    description: string,
    args: OwnSecurityGroupArgs,
    parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(name, { vpcId: args.vpcId, description, tags: args.tags }, { parent });
}

export interface TcpRuleArgs {
    /** The security group the rule belongs to. */
    readonly securityGroupId: pulumi.Input<string>;
    /** The one TCP port allowed. */
    readonly port: number;
    /** Why the rule exists (every rule is described). */
    readonly description: string;
    /** The peer: a CIDR block or another security group. */
    readonly peer:
        { readonly cidrIpv4: pulumi.Input<string> } | { readonly securityGroupId: pulumi.Input<string> };
}

/** One TCP port in or out of a security group, to exactly one peer (`opts` e.g. to parent it in a component). */
export function tcpRule(
    name: string,
    direction: "ingress" | "egress",
    args: TcpRuleArgs,
    opts?: pulumi.CustomResourceOptions,
): aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule {
    const ruleArgs = {
        securityGroupId: args.securityGroupId,
        description: args.description,
        ipProtocol: "tcp",
        fromPort: args.port,
        toPort: args.port,
        ...("cidrIpv4" in args.peer
            ? { cidrIpv4: args.peer.cidrIpv4 }
            : { referencedSecurityGroupId: args.peer.securityGroupId }),
    };
    return direction === "ingress"
        ? new aws.vpc.SecurityGroupIngressRule(name, ruleArgs, opts)
        : new aws.vpc.SecurityGroupEgressRule(name, ruleArgs, opts);
}

/** One side of a path between two security groups: the rule's resource name and why it exists. */
export interface GroupRuleNaming {
    readonly name: string;
    readonly description: string;
}

export interface TcpBetweenGroupsArgs {
    /** The group the traffic leaves; it gets the egress rule. */
    readonly from: pulumi.Input<string>;
    /** The group the traffic enters; it gets the ingress rule. */
    readonly to: pulumi.Input<string>;
    /** The one TCP port allowed. */
    readonly port: number;
    /** The egress rule on `from`. */
    readonly egress: GroupRuleNaming;
    /** The ingress rule on `to`. */
    readonly ingress: GroupRuleNaming;
}

/**
 * One TCP port from a security group to another: a path between groups needs both the egress rule on the
 * sending group and the ingress rule on the receiving one. Returns them in that order.
 */
export function tcpBetweenGroups(
    args: TcpBetweenGroupsArgs,
    opts?: pulumi.CustomResourceOptions,
): (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[] {
    const { from, to, port } = args;
    return [
        tcpRule(
            args.egress.name,
            "egress",
            {
                securityGroupId: from,
                port,
                description: args.egress.description,
                peer: { securityGroupId: to },
            },
            opts,
        ),
        tcpRule(
            args.ingress.name,
            "ingress",
            {
                securityGroupId: to,
                port,
                description: args.ingress.description,
                peer: { securityGroupId: from },
            },
            opts,
        ),
    ];
}

export interface InterfaceEndpointArgs {
    readonly vpc: awsx.ec2.Vpc;
    /** The AWS service, as in `com.amazonaws.<region>.<service>`. */
    readonly service: string;
    readonly region: string;
    /** The endpoint's security group. */
    readonly securityGroupId: pulumi.Input<string>;
    /** Tags (default none). */
    readonly tags?: Record<string, string>;
}

/**
 * An interface endpoint with private DNS in every isolated subnet: without it a function in those
 * subnets hangs on the service until it times out.
 */
export function interfaceEndpoint(name: string, args: InterfaceEndpointArgs): aws.ec2.VpcEndpoint {
    return new aws.ec2.VpcEndpoint(name, {
        vpcId: args.vpc.vpcId,
        serviceName: `com.amazonaws.${args.region}.${args.service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: args.vpc.isolatedSubnetIds,
        securityGroupIds: [args.securityGroupId],
        tags: args.tags,
    });
}

export interface MysqlOnlyGroupArgs extends OwnSecurityGroupArgs {
    /** What the group admits, as its description says it. */
    readonly description: string;
    /** The one other group at the far end, and whether MySQL flows `to` it or `from` it. */
    readonly peer: { readonly securityGroupId: pulumi.Input<string>; readonly direction: "to" | "from" };
    /** The egress rule on the sending group. */
    readonly egress: GroupRuleNaming;
    /** The ingress rule on the receiving group. */
    readonly ingress: GroupRuleNaming;
}

/**
 * A component's own group whose only path is MySQL to or from one other group (both rules of it): the
 * PrivateLink gateway's and endpoint's groups, as the policy pack requires them.
 */
export function mysqlOnlyGroup(
    name: string,
    args: MysqlOnlyGroupArgs,
    parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
    const group = ownSecurityGroup(name, args.description, args, parent);
    const [from, to] =
        args.peer.direction === "to"
            ? [group.id, args.peer.securityGroupId]
            : [args.peer.securityGroupId, group.id];
    tcpBetweenGroups({ from, to, port: MYSQL_PORT, egress: args.egress, ingress: args.ingress }, { parent });
    return group;
}

export interface FunctionWithEndpointsArgs {
    readonly vpc: awsx.ec2.Vpc;
    readonly region: string;
    /** The AWS services the function calls, one interface endpoint each, named `${endpointPrefix}-<service>`. */
    readonly services: readonly string[];
    /** Prefix of each endpoint's resource name. */
    readonly endpointPrefix: string;
    /** The function's security group: its resource name and what it admits. */
    readonly functionGroup: GroupRuleNaming;
    /** The endpoints' shared security group: its resource name and what it admits. */
    readonly endpointGroup: GroupRuleNaming;
    /** The HTTPS egress rule on the function's group. */
    readonly egress: GroupRuleNaming;
    /** The HTTPS ingress rule on the endpoints' group. */
    readonly ingress: GroupRuleNaming;
    /** Tags for the groups and the endpoints (default none). */
    readonly tags?: Record<string, string>;
}

export interface FunctionWithEndpoints {
    /** The function's group: its other paths (MySQL) are the caller's to add. */
    readonly functionGroup: aws.ec2.SecurityGroup;
    /** The HTTPS rules from the function's group to the endpoints' group, egress first. */
    readonly httpsRules: (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[];
    /** One per service, in the order given. */
    readonly endpoints: aws.ec2.VpcEndpoint[];
}

/**
 * A VPC function's security group and the interface endpoints it calls, behind a group of their own that
 * admits HTTPS from the function's group only: the function reaches those AWS services and nothing else
 * through them.
 */
export function functionWithEndpoints(args: FunctionWithEndpointsArgs): FunctionWithEndpoints {
    const { vpc, tags } = args;
    const group = ({ name, description }: GroupRuleNaming): aws.ec2.SecurityGroup =>
        new aws.ec2.SecurityGroup(name, { vpcId: vpc.vpcId, description, tags });
    const functionGroup = group(args.functionGroup);
    const endpointGroup = group(args.endpointGroup);
    const httpsRules = tcpBetweenGroups({
        from: functionGroup.id,
        to: endpointGroup.id,
        port: HTTPS_PORT,
        egress: args.egress,
        ingress: args.ingress,
    });
    const endpoints = args.services.map((service) =>
        interfaceEndpoint(`${args.endpointPrefix}-${service}`, {
            vpc,
            service,
            region: args.region,
            securityGroupId: endpointGroup.id,
            tags,
        }),
    );
    return { functionGroup, httpsRules, endpoints };
}
