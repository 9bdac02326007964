// Reading a plan: resources by type, security-group rules in one shape, and the check
// list every link check adds to. Shared by the link checks (verify*.ts) and nothing else.
import { asList } from "../infra/lib/iam";
import { PlannedResource, StackPlan } from "./run";

/** Resource types the link checks read. */
export const T = {
    vpc: "awsx:ec2:Vpc",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    secret: "aws:secretsmanager/secret:Secret",
    secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    key: "aws:kms/key:Key",
    fn: "aws:lambda/function:Function",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    route: "aws:ec2/route:Route",
    peering: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    accepter: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    rds: "aws:rds/instance:Instance",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    gateway: "aws:vpclattice/resourceGateway:ResourceGateway",
    resourceConfiguration: "aws:vpclattice/resourceConfiguration:ResourceConfiguration",
    share: "aws:ram/resourceShare:ResourceShare",
    shareResource: "aws:ram/resourceAssociation:ResourceAssociation",
    sharePrincipal: "aws:ram/principalAssociation:PrincipalAssociation",
    stackReference: "pulumi:pulumi:StackReference",
} as const;

export interface Check {
    readonly name: string;
    readonly ok: boolean;
    /** Why it fails and what to fix; empty when it holds. */
    readonly detail: string;
}

/** The checks of one link group, each name prefixed with the stacks it joins. */
export class Checks {
    readonly list: Check[] = [];
    constructor(private readonly prefix: string) {}
    add(name: string, ok: boolean, detail: string): void {
        this.list.push({ name: `${this.prefix}${name}`, ok, detail: ok ? "" : detail });
    }
}

export function of(plan: StackPlan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function idOf(r: PlannedResource): string {
    return String(r.id ?? r.state.arn ?? r.name);
}

/** A firewall rule in one shape, whichever resource declared it. */
export interface Rule {
    readonly securityGroupId: string;
    readonly direction: "ingress" | "egress";
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr?: string;
    readonly peerSecurityGroupId?: string;
    readonly declaredBy: string;
}

/** Every rule of a stack: rule resources, legacy SecurityGroupRules and inline rules of security groups. */
export function rulesOf(plan: StackPlan): Rule[] {
    const rules: Rule[] = [];
    const fromRuleResource = (r: PlannedResource, direction: "ingress" | "egress"): Rule => ({
        securityGroupId: r.inputs.securityGroupId,
        direction,
        protocol: String(r.inputs.ipProtocol ?? r.inputs.protocol),
        fromPort: Number(r.inputs.fromPort ?? 0),
        toPort: Number(r.inputs.toPort ?? 65535),
        cidr: r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6,
        peerSecurityGroupId: r.inputs.referencedSecurityGroupId,
        declaredBy: `${r.type.split(":").pop()} ${r.name}`,
    });
    of(plan, T.ingress).forEach((r) => rules.push(fromRuleResource(r, "ingress")));
    of(plan, T.egress).forEach((r) => rules.push(fromRuleResource(r, "egress")));
    for (const r of of(plan, T.sgRule)) {
        const base = {
            ...fromRuleResource(r, r.inputs.type),
            cidr: undefined,
            peerSecurityGroupId: undefined,
        };
        for (const cidr of [
            ...asList<string>(r.inputs.cidrBlocks),
            ...asList<string>(r.inputs.ipv6CidrBlocks),
        ]) {
            rules.push({ ...base, cidr });
        }
        if (r.inputs.sourceSecurityGroupId) {
            rules.push({ ...base, peerSecurityGroupId: r.inputs.sourceSecurityGroupId });
        }
    }
    for (const sg of of(plan, T.sg)) {
        for (const direction of ["ingress", "egress"] as const) {
            for (const inline of asList<Record<string, unknown>>(sg.inputs[direction] as never)) {
                const base = {
                    securityGroupId: idOf(sg),
                    direction,
                    protocol: String(inline.protocol),
                    fromPort: Number(inline.fromPort),
                    toPort: Number(inline.toPort),
                    declaredBy: `inline ${direction} of SecurityGroup ${sg.name}`,
                };
                asList<string>(inline.cidrBlocks as never).forEach((cidr) => rules.push({ ...base, cidr }));
                asList<string>(inline.ipv6CidrBlocks as never).forEach((cidr) =>
                    rules.push({ ...base, cidr }),
                );
                asList<string>(inline.securityGroups as never).forEach((peer) =>
                    rules.push({ ...base, peerSecurityGroupId: peer }),
                );
            }
        }
    }
    return rules;
}

/** The rules of `direction` on any of the security groups `groups`; with `port`, only those letting it through. */
export function rulesOn(
    rules: readonly Rule[],
    direction: "ingress" | "egress",
    groups: readonly string[],
    port?: number,
): Rule[] {
    return rules.filter(
        (r) =>
            r.direction === direction &&
            groups.includes(r.securityGroupId) &&
            (port === undefined || coversPort(r, port)),
    );
}

/** The rule lets TCP `port` through. */
function coversPort(rule: Rule, port: number): boolean {
    if (rule.protocol === "-1" || rule.protocol === "all") {
        return true;
    }
    const tcp = rule.protocol === "tcp" || rule.protocol === "6";
    return tcp && rule.fromPort <= port && port <= rule.toPort;
}

/** The rule lets exactly TCP `port` through, nothing else. */
export function onlyPort(rule: Rule, port: number): boolean {
    return (
        (rule.protocol === "tcp" || rule.protocol === "6") && rule.fromPort === port && rule.toPort === port
    );
}

/** `inner` is a CIDR inside `outer`. */
export function describeRule(rule: Rule): string {
    const ports = rule.protocol === "-1" ? "all traffic" : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
    return `${rule.declaredBy} (${ports} ${rule.direction === "ingress" ? "from" : "to"} ${rule.cidr ?? rule.peerSecurityGroupId})`;
}
