// Verifies the whole access path of a plan, link by link: the IAM chain (function role → data-access
// role → secret → key) and the network chain (CIDRs, routes both ways, security groups, endpoints).
// Each check names what is missing and where, so a ✗ says which link to fix.
import { asList, PolicyJson } from "../infra/lib/iam";
import { cidrContains, cidrsOverlap, parseCidr } from "../infra/lib/cidr";
import { evaluate } from "./policyEval";
import { Plan, PlannedResource, StackPlan } from "./run";

export interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

const T = {
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
} as const;

const MYSQL = 3306;
const HTTPS = 443;

/** A firewall rule in one shape, whichever resource declared it. */
interface Rule {
    readonly securityGroupId: string;
    readonly direction: "ingress" | "egress";
    readonly protocol: string;
    readonly fromPort: number;
    readonly toPort: number;
    readonly cidr?: string;
    readonly sourceSecurityGroupId?: string;
    readonly declaredBy: string;
}

function of(plan: StackPlan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

function idOf(r: PlannedResource): string {
    return String(r.id ?? r.state.arn ?? r.name);
}

function parse(document: unknown): PolicyJson | undefined {
    try {
        return typeof document === "string" ? (JSON.parse(document) as PolicyJson) : (document as PolicyJson);
    } catch {
        return undefined;
    }
}

function rulesOf(plan: StackPlan): Rule[] {
    const rules: Rule[] = [];
    const fromRuleResource = (r: PlannedResource, direction: "ingress" | "egress"): Rule => ({
        securityGroupId: r.inputs.securityGroupId,
        direction,
        protocol: String(r.inputs.ipProtocol ?? r.inputs.protocol),
        fromPort: Number(r.inputs.fromPort ?? 0),
        toPort: Number(r.inputs.toPort ?? 65535),
        cidr: r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6,
        sourceSecurityGroupId: r.inputs.referencedSecurityGroupId,
        declaredBy: `${r.type.split(":").pop()} ${r.name}`,
    });
    of(plan, T.ingress).forEach((r) => rules.push(fromRuleResource(r, "ingress")));
    of(plan, T.egress).forEach((r) => rules.push(fromRuleResource(r, "egress")));
    for (const r of of(plan, T.sgRule)) {
        for (const cidr of [
            ...asList<string>(r.inputs.cidrBlocks),
            ...asList<string>(r.inputs.ipv6CidrBlocks),
        ]) {
            rules.push({ ...fromRuleResource(r, r.inputs.type), cidr, sourceSecurityGroupId: undefined });
        }
        if (r.inputs.sourceSecurityGroupId) {
            rules.push({
                ...fromRuleResource(r, r.inputs.type),
                sourceSecurityGroupId: r.inputs.sourceSecurityGroupId,
            });
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
                asList<string>(inline.securityGroups as never).forEach((sgId) =>
                    rules.push({ ...base, sourceSecurityGroupId: sgId }),
                );
            }
        }
    }
    return rules;
}

function coversPort(rule: Rule, port: number): boolean {
    const tcp =
        rule.protocol === "tcp" || rule.protocol === "6" || rule.protocol === "-1" || rule.protocol === "all";
    return tcp && (rule.protocol === "-1" || (rule.fromPort <= port && port <= rule.toPort));
}

function cidrWithin(inner: string, outer: string | undefined): boolean {
    const a = parseCidr(inner);
    const b = outer ? parseCidr(outer) : undefined;
    return !!a && !!b && cidrContains(b, a);
}

class Checks {
    readonly list: Check[] = [];
    constructor(private readonly prefix: string) {}
    add(name: string, ok: boolean, detail: string): void {
        this.list.push({ name: `${this.prefix}${name}`, ok, detail: ok ? "" : detail });
    }
}

export function verifyPlan(plan: Plan): Check[] {
    const checks: Check[] = [];
    checks.push(...verifyDatabase(plan.database));
    for (const consumer of plan.consumers) {
        checks.push(...verifyConsumer(plan.database, consumer));
    }
    return checks;
}

function verifyDatabase(db: StackPlan): Check[] {
    const c = new Checks(`${db.stack}: `);
    const rds = of(db, T.rds);
    c.add(
        "RDS is not publicly accessible and its storage is encrypted",
        rds.length > 0 &&
            rds.every((r) => r.inputs.publiclyAccessible === false && r.inputs.storageEncrypted === true),
        rds.length === 0
            ? "no aws.rds.Instance in the database stack"
            : `aws.rds.Instance ${rds.map((r) => r.name).join(", ")}: set publiclyAccessible: false and storageEncrypted: true`,
    );
    return c.list;
}

function verifyConsumer(db: StackPlan, consumer: StackPlan): Check[] {
    const c = new Checks(`${consumer.stack} → ${db.stack}: `);
    const fn = of(consumer, T.fn).find((f) => (f.inputs.environment?.variables ?? {}).DB_ACCESS_ROLE_ARN);
    if (!fn) {
        c.add(
            "the consumer declares the fetch-rows function",
            false,
            `no aws.lambda.Function with DB_ACCESS_ROLE_ARN in ${consumer.stack}`,
        );
        return c.list;
    }
    const env: Record<string, string> = fn.inputs.environment.variables;
    const functionRoleArn = String(fn.inputs.role);
    verifyIam(c, db, consumer, env, functionRoleArn);
    verifyNetwork(c, db, consumer, fn);
    return c.list;
}

function roleByArn(plan: StackPlan, arn: string): PlannedResource | undefined {
    return of(plan, T.role).find((r) => r.state.arn === arn);
}

function identityPolicies(plan: StackPlan, role: PlannedResource | undefined): PolicyJson[] {
    if (!role) {
        return [];
    }
    return of(plan, T.rolePolicy)
        .filter(
            (p) =>
                p.inputs.role === role.state.name ||
                p.inputs.role === role.state.id ||
                p.inputs.role === role.state.arn,
        )
        .map((p) => parse(p.inputs.policy))
        .filter((p): p is PolicyJson => p !== undefined);
}

function allows(policies: PolicyJson[], request: Parameters<typeof evaluate>[1]): boolean {
    return policies.some((p) => evaluate(p, request));
}

function verifyIam(
    c: Checks,
    db: StackPlan,
    consumer: StackPlan,
    env: Record<string, string>,
    functionRoleArn: string,
): void {
    const dataAccessArn = env.DB_ACCESS_ROLE_ARN;
    const secretArn = env.DB_SECRET_ARN;
    const functionRole = roleByArn(consumer, functionRoleArn);
    const dataAccessRole = roleByArn(db, dataAccessArn);
    const externalId = env.DB_ACCESS_EXTERNAL_ID;
    const assumeContext = externalId ? { "sts:ExternalId": externalId } : undefined;

    c.add(
        "IAM: the function's role may sts:AssumeRole the data-access role (identity policy)",
        allows(identityPolicies(consumer, functionRole), {
            principalArn: functionRoleArn,
            action: "sts:AssumeRole",
            resource: dataAccessArn,
        }),
        `the inline policy of role ${functionRoleArn} in ${consumer.stack} does not allow sts:AssumeRole on ${dataAccessArn}`,
    );
    const trust = parse(dataAccessRole?.inputs.assumeRolePolicy);
    c.add(
        "IAM: the data-access role trusts the function's role (trust policy and its conditions)",
        !!trust &&
            evaluate(trust, {
                principalArn: functionRoleArn,
                action: "sts:AssumeRole",
                context: assumeContext,
            }),
        dataAccessRole
            ? `the trust policy of ${dataAccessArn} in ${db.stack} does not admit ${functionRoleArn}` +
                  `${externalId ? " with its external id" : ""}: the database stack's consumers[].functionRoleName ` +
                  `(and externalId) must match the consumer stack's`
            : `no role ${dataAccessArn} in ${db.stack}`,
    );
    const stranger = functionRoleArn.replace(/:role\/.*$/, ":role/some-other-role");
    c.add(
        "IAM: another role of the consumer account may not assume the data-access role",
        !trust ||
            !evaluate(trust, { principalArn: stranger, action: "sts:AssumeRole", context: assumeContext }),
        `the trust policy of ${dataAccessArn} admits ${stranger}: restrict it with an exact aws:PrincipalArn condition`,
    );

    const secret = of(db, T.secret).find((s) => s.state.arn === secretArn);
    c.add(
        "IAM: the data-access role may GetSecretValue the reader secret (identity policy)",
        allows(identityPolicies(db, dataAccessRole), {
            principalArn: dataAccessArn,
            action: "secretsmanager:GetSecretValue",
            resource: secretArn,
        }),
        `the inline policy of ${dataAccessArn} does not allow secretsmanager:GetSecretValue on ${secretArn}`,
    );
    const secretPolicy = of(db, T.secretPolicy).find((p) => p.inputs.secretArn === secretArn);
    c.add(
        "IAM: the reader secret's resource policy lets the data-access role GetSecretValue",
        !!secretPolicy &&
            secretPolicy.inputs.blockPublicPolicy === true &&
            allows(
                [parse(secretPolicy.inputs.policy)].filter((p): p is PolicyJson => !!p),
                {
                    principalArn: dataAccessArn,
                    action: "secretsmanager:GetSecretValue",
                    resource: secretArn,
                },
            ),
        secretPolicy
            ? `the resource policy of ${secretArn} does not allow ${dataAccessArn} (or blockPublicPolicy is off)`
            : `no aws.secretsmanager.SecretPolicy for ${secretArn} in ${db.stack}: a cross-account read needs one`,
    );
    const keyArn = secret?.inputs.kmsKeyId as string | undefined;
    const key = of(db, T.key).find((k) => k.state.arn === keyArn || k.state.id === keyArn);
    const viaSecretsManager = { "kms:ViaService": `secretsmanager.${db.region}.amazonaws.com` };
    const decrypt = {
        principalArn: dataAccessArn,
        action: "kms:Decrypt",
        resource: String(key?.state.arn),
        context: viaSecretsManager,
    };
    const keyPolicy = parse(key?.inputs.policy);
    c.add(
        "IAM: the data-access role may decrypt the secret through its customer-managed key (key policy, via Secrets Manager)",
        !!key &&
            !!keyPolicy &&
            evaluate(keyPolicy, decrypt) &&
            allows(identityPolicies(db, dataAccessRole), decrypt),
        !key
            ? `the reader secret is not encrypted with a customer-managed key of ${db.stack} (cross-account reads need one)`
            : `kms:Decrypt via secretsmanager.${db.region}.amazonaws.com on ${key.state.arn} is not allowed to ` +
                  `${dataAccessArn} by both the key policy and the role's policy`,
    );
}

function verifyNetwork(c: Checks, db: StackPlan, consumer: StackPlan, fn: PlannedResource): void {
    const consumerVpc = of(consumer, T.vpc)[0];
    const dbVpc = of(db, T.vpc)[0];
    const consumerCidr = String(consumerVpc?.inputs.cidrBlock);
    const dbCidr = String(dbVpc?.inputs.cidrBlock);
    const a = parseCidr(consumerCidr);
    const b = parseCidr(dbCidr);
    c.add(
        "Network: the consumer and database VPC CIDRs are disjoint",
        !!a && !!b && !cidrsOverlap(a, b),
        `consumer VPC ${consumerCidr} and database VPC ${dbCidr} overlap (or are missing): peering needs disjoint blocks`,
    );

    const peering = of(consumer, T.peering)[0];
    const peeringId = peering ? idOf(peering) : undefined;
    const accepter = of(consumer, T.accepter).find((x) => x.inputs.vpcPeeringConnectionId === peeringId);
    c.add(
        "Network: the peering is requested from the consumer VPC and accepted in the database account",
        !!peering &&
            peering.inputs.peerVpcId === dbVpc?.state.vpcId &&
            peering.inputs.peerOwnerId === db.accountId &&
            !!accepter &&
            accepter.accountId === db.accountId,
        !peering
            ? `no VPC peering connection in ${consumer.stack}`
            : `the peering must target VPC ${dbVpc?.state.vpcId} of account ${db.accountId} and be accepted with a provider of that account`,
    );

    const routes = of(consumer, T.route).concat(of(db, T.route));
    const routeTablesOf = (vpc: PlannedResource | undefined, subnetIds: string[]) =>
        asList<{ id: string; subnetId: string }>(vpc?.state.routeTables).filter((t) =>
            subnetIds.includes(t.subnetId),
        );
    const missingRoutes = (tables: Array<{ id: string }>, destination: string) =>
        tables
            .filter(
                (t) =>
                    !routes.some(
                        (r) =>
                            r.inputs.routeTableId === t.id &&
                            r.inputs.destinationCidrBlock === destination &&
                            r.inputs.vpcPeeringConnectionId === peeringId,
                    ),
            )
            .map((t) => t.id);
    const functionSubnets = asList<string>(fn.inputs.vpcConfig?.subnetIds);
    const functionTables = routeTablesOf(consumerVpc, functionSubnets);
    const missingForward = missingRoutes(functionTables, dbCidr);
    c.add(
        "Network: every route table of the function's subnets routes the database CIDR to the peering",
        functionTables.length > 0 &&
            functionTables.length === functionSubnets.length &&
            missingForward.length === 0,
        functionTables.length === 0
            ? `the function's subnets ${functionSubnets.join(", ")} have no known route tables`
            : `route table(s) ${missingForward.join(", ")} in ${consumer.stack} lack a route ${dbCidr} → ${peeringId}`,
    );
    const rds = of(db, T.rds)[0];
    const subnetGroup = of(db, T.subnetGroup).find(
        (g) => g.state.name === rds?.inputs.dbSubnetGroupName || g.state.id === rds?.inputs.dbSubnetGroupName,
    );
    const dbSubnets = asList<string>(subnetGroup?.inputs.subnetIds);
    const dbTables = routeTablesOf(dbVpc, dbSubnets);
    const missingBack = missingRoutes(dbTables, consumerCidr);
    c.add(
        "Network: every route table of the database subnets routes the consumer CIDR back to the peering",
        dbTables.length > 0 && dbTables.length === dbSubnets.length && missingBack.length === 0,
        dbTables.length === 0
            ? `the database subnets ${dbSubnets.join(", ")} have no known route tables`
            : `route table(s) ${missingBack.join(", ")} of ${db.stack} lack a route ${consumerCidr} → ${peeringId}`,
    );

    const functionSgs = asList<string>(fn.inputs.vpcConfig?.securityGroupIds);
    const consumerRules = rulesOf(consumer);
    c.add(
        "Network: the function's security group allows 3306 out to the database CIDR",
        consumerRules.some(
            (r) =>
                r.direction === "egress" &&
                functionSgs.includes(r.securityGroupId) &&
                coversPort(r, MYSQL) &&
                cidrWithin(dbCidr, r.cidr),
        ),
        `no egress rule on ${functionSgs.join(", ")} allows tcp/3306 to ${dbCidr}`,
    );
    const dbSgs = asList<string>(rds?.inputs.vpcSecurityGroupIds);
    const dbRules = rulesOf(db).filter(
        (r) => r.direction === "ingress" && dbSgs.includes(r.securityGroupId) && coversPort(r, MYSQL),
    );
    c.add(
        "Network: the database security group allows 3306 in from the consumer VPC",
        dbRules.some((r) => r.cidr === consumerCidr),
        `no ingress rule on ${dbSgs.join(", ")} allows tcp/3306 from ${consumerCidr}`,
    );
    const dbOwnSgs = new Set(of(db, T.sg).map(idOf));
    // The database stack admits exactly its configured consumers' CIDRs, and its own security groups.
    const admitted = new Set(
        db.config.stackRole === "database" ? db.config.consumers.map((x) => x.vpcCidr) : [],
    );
    const strays = dbRules.filter(
        (r) =>
            (r.cidr !== undefined && !admitted.has(r.cidr)) ||
            (r.sourceSecurityGroupId !== undefined && !dbOwnSgs.has(r.sourceSecurityGroupId)),
    );
    c.add(
        "Network: nothing else may reach 3306 on the database",
        strays.length === 0,
        strays.map((r) => `${r.declaredBy} opens 3306 to ${r.cidr ?? r.sourceSecurityGroupId}`).join("; "),
    );

    const endpoints = of(consumer, T.endpoint).filter((e) => e.inputs.vpcId === consumerVpc?.state.vpcId);
    for (const service of ["sts", "secretsmanager"]) {
        const serviceName = `com.amazonaws.${consumer.region}.${service}`;
        const endpoint = endpoints.find((e) => e.inputs.serviceName === serviceName);
        const endpointSgs = asList<string>(endpoint?.inputs.securityGroupIds);
        const reachable =
            consumerRules.some(
                (r) =>
                    r.direction === "ingress" &&
                    endpointSgs.includes(r.securityGroupId) &&
                    coversPort(r, HTTPS) &&
                    (functionSgs.includes(r.sourceSecurityGroupId ?? "") || cidrWithin(consumerCidr, r.cidr)),
            ) &&
            consumerRules.some(
                (r) =>
                    r.direction === "egress" &&
                    functionSgs.includes(r.securityGroupId) &&
                    coversPort(r, HTTPS) &&
                    (endpointSgs.includes(r.sourceSecurityGroupId ?? "") || cidrWithin(consumerCidr, r.cidr)),
            );
        c.add(
            `Network: the ${service.toUpperCase() === "STS" ? "STS" : "Secrets Manager"} endpoint serves the function (private DNS, 443 from its security group)`,
            !!endpoint &&
                endpoint.inputs.vpcEndpointType === "Interface" &&
                endpoint.inputs.privateDnsEnabled === true &&
                reachable,
            !endpoint
                ? `no interface endpoint ${serviceName} in the function's VPC: the function would hang until timeout`
                : endpoint.inputs.privateDnsEnabled !== true
                  ? `endpoint ${serviceName} has private DNS off: the SDK would resolve the public endpoint`
                  : `443 between the function's security group and endpoint ${serviceName} is not allowed both ways`,
        );
    }
}
