// Every guardrail of the pack as a pure function over a resource's inputs, as the engine sees them
// (camelCase @pulumi/aws property names, policy documents as JSON strings). `index.ts` wraps these in a
// `PolicyPack`; tests and the offline plan call them directly, without the pack's server.
import { UNKNOWN, isUnknown } from "./unknown";
import { cidrWithin, isOpenCidr } from "./cidr";
import { parsePolicyDocument, type PolicyStatement } from "./policyDocument";

export { UNKNOWN };

export interface Violation {
    policy: string;
    resource: string;
    message: string;
}

export interface PackConfig {
    /** CIDRs allowed as 3306 sources and as destinations of peering routes. */
    allowedPeerCidrs: string[];
}

export type Inputs = Record<string, unknown>;

export interface StackResource {
    type: string;
    name: string;
    inputs: Inputs;
}

/** A check of one resource: returns the violation messages (empty when it complies or does not apply). */
export interface ResourcePolicy {
    readonly name: string;
    readonly description: string;
    /** Pulumi type tokens the policy looks at. */
    readonly types: readonly string[];
    /** True when the policy reads `allowedPeerCidrs`. */
    readonly usesConfig?: boolean;
    check(type: string, name: string, inputs: Inputs, config: PackConfig): string[];
}

/** A check across the stack's resources (links between resources). */
export interface StackPolicy {
    readonly name: string;
    readonly description: string;
    readonly usesConfig?: boolean;
    check(
        resources: readonly StackResource[],
        config: PackConfig,
    ): Array<{ resource: string; message: string }>;
}

export const T = {
    rdsInstance: "aws:rds/instance:Instance",
    rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    secret: "aws:secretsmanager/secret:Secret",
    secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    kmsKey: "aws:kms/key:Key",
    lambda: "aws:lambda/function:Function",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

// ---------------------------------------------------------------------------------------------------
// Small readers over untyped inputs. An unknown value (preview) never yields a violation: `pulumi up`
// runs the pack again once the value is known.

function record(value: unknown): Record<string, unknown> | undefined {
    return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
}

function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" && !isUnknown(value) ? value : undefined;
}

function num(value: unknown): number | undefined {
    if (typeof value === "number") {
        return value;
    }
    return typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function isTrue(value: unknown): boolean {
    return value === true || value === "true";
}

/** A KMS key reference that is a customer-managed key (not absent, not an `alias/aws/...` key). */
function customerManagedKey(kmsKeyId: unknown): "yes" | "missing" | "aws-managed" | "unknown" {
    if (isUnknown(kmsKeyId)) {
        return "unknown";
    }
    if (typeof kmsKeyId !== "string" || kmsKeyId === "") {
        return "missing";
    }
    return /(^|:)alias\/aws\//.test(kmsKeyId) ? "aws-managed" : "yes";
}

// ---------------------------------------------------------------------------------------------------
// RDS

export const rdsNotPublic: ResourcePolicy = {
    name: "rds-not-public",
    description: "RDS instances are not publicly accessible.",
    types: [T.rdsInstance],
    check: (_type, _name, inputs) =>
        isTrue(inputs.publiclyAccessible)
            ? [
                  "The RDS instance is publicly accessible; set publiclyAccessible: false and reach it through VPC peering.",
              ]
            : [],
};

export const rdsEncryptedWithCmk: ResourcePolicy = {
    name: "rds-encrypted-with-cmk",
    description: "RDS storage is encrypted with a customer-managed KMS key.",
    types: [T.rdsInstance],
    check: (_type, _name, inputs) => {
        if (isUnknown(inputs.storageEncrypted)) {
            return [];
        }
        if (!isTrue(inputs.storageEncrypted)) {
            return [
                "The RDS instance's storage is not encrypted; set storageEncrypted: true and kmsKeyId to a customer-managed aws.kms.Key's arn.",
            ];
        }
        switch (customerManagedKey(inputs.kmsKeyId)) {
            case "missing":
                return [
                    "The RDS instance is encrypted with the AWS-managed key; set kmsKeyId to a customer-managed aws.kms.Key's arn.",
                ];
            case "aws-managed":
                return [
                    `The RDS instance uses the AWS-managed key ${String(inputs.kmsKeyId)}; set kmsKeyId to a customer-managed aws.kms.Key's arn.`,
                ];
            default:
                return [];
        }
    },
};

export const rdsDeletionProtection: ResourcePolicy = {
    name: "rds-deletion-protection",
    description: "RDS instances have deletion protection on.",
    types: [T.rdsInstance],
    check: (_type, _name, inputs) =>
        isUnknown(inputs.deletionProtection) || isTrue(inputs.deletionProtection)
            ? []
            : [
                  "The RDS instance has no deletion protection; set deletionProtection: true (config deletionProtection).",
              ],
};

export const MIN_BACKUP_DAYS = 7;

export const rdsBackupRetention: ResourcePolicy = {
    name: "rds-backup-retention",
    description: `RDS automated backups are kept at least ${MIN_BACKUP_DAYS} days.`,
    types: [T.rdsInstance],
    check: (_type, _name, inputs) => {
        if (isUnknown(inputs.backupRetentionPeriod)) {
            return [];
        }
        const days = num(inputs.backupRetentionPeriod);
        return days !== undefined && days >= MIN_BACKUP_DAYS
            ? []
            : [
                  `The RDS instance keeps backups ${days ?? "the default 1"} day(s); set backupRetentionPeriod to at least ${MIN_BACKUP_DAYS} (config backupRetentionDays).`,
              ];
    },
};

/** The parameter values MySQL reads as on. */
function isOn(value: unknown): boolean {
    return typeof value === "string" ? /^(on|1|true)$/i.test(value) : value === 1 || value === true;
}

/** True when `actual` is what Pulumi makes of the logical `name` when auto-naming (`name-` + 7 hex). */
function autoNamed(actual: string, logicalName: string, prefix = ""): boolean {
    const escaped = (prefix + logicalName).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^${escaped}-[0-9a-f]{7}$`).test(actual);
}

export const rdsRequireSecureTransport: StackPolicy = {
    name: "rds-require-secure-transport",
    description: "MySQL RDS instances use a parameter group of this stack with require_secure_transport on.",
    check: (resources) => {
        const groups = resources.filter((r) => r.type === T.rdsParameterGroup);
        const out: Array<{ resource: string; message: string }> = [];
        for (const db of resources.filter((r) => r.type === T.rdsInstance)) {
            const engine = knownString(db.inputs.engine);
            if (engine !== undefined && !/mysql|mariadb/i.test(engine)) {
                continue;
            }
            const groupName = db.inputs.parameterGroupName;
            if (isUnknown(groupName)) {
                continue;
            }
            const fix =
                'point parameterGroupName at an aws.rds.ParameterGroup whose parameters include { name: "require_secure_transport", value: "ON" }';
            if (typeof groupName !== "string" || groupName === "") {
                out.push({
                    resource: db.name,
                    message: `The RDS instance uses the default parameter group; ${fix}.`,
                });
                continue;
            }
            const matches = groups.filter((g) => {
                const own = knownString(g.inputs.name);
                return own !== undefined
                    ? own === groupName
                    : g.name === groupName || autoNamed(groupName, g.name);
            });
            if (matches.length === 0) {
                if (!groups.some((g) => isUnknown(g.inputs.name))) {
                    out.push({
                        resource: db.name,
                        message: `The RDS instance's parameter group "${groupName}" is not declared in this stack, so TLS cannot be verified; ${fix}.`,
                    });
                }
                continue;
            }
            const secure = matches.some((g) =>
                list(g.inputs.parameters).some((p) => {
                    const param = record(p);
                    return (
                        param?.name === "require_secure_transport" &&
                        (isOn(param.value) || isUnknown(param.value))
                    );
                }),
            );
            if (!secure) {
                out.push({
                    resource: db.name,
                    message: `The RDS instance's parameter group "${groupName}" does not set require_secure_transport; add { name: "require_secure_transport", value: "ON" } to its parameters.`,
                });
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------------
// Security groups

interface IngressSource {
    fromPort: unknown;
    toPort: unknown;
    protocol: unknown;
    cidrs: unknown[];
    ipv6Cidrs: unknown[];
    prefixLists: unknown[];
}

/** Every ingress permission a resource declares, in one shape (empty for egress-only resources). */
export function ingressSources(type: string, inputs: Inputs): IngressSource[] {
    switch (type) {
        case T.securityGroup:
            return list(inputs.ingress).map((entry) => {
                const rule = record(entry) ?? {};
                return {
                    fromPort: rule.fromPort,
                    toPort: rule.toPort,
                    protocol: rule.protocol,
                    cidrs: list(rule.cidrBlocks),
                    ipv6Cidrs: list(rule.ipv6CidrBlocks),
                    prefixLists: list(rule.prefixListIds),
                };
            });
        case T.ingressRule:
            return [
                {
                    fromPort: inputs.fromPort,
                    toPort: inputs.toPort,
                    protocol: inputs.ipProtocol,
                    cidrs: inputs.cidrIpv4 === undefined ? [] : [inputs.cidrIpv4],
                    ipv6Cidrs: inputs.cidrIpv6 === undefined ? [] : [inputs.cidrIpv6],
                    prefixLists: inputs.prefixListId === undefined ? [] : [inputs.prefixListId],
                },
            ];
        case T.securityGroupRule:
            return inputs.type === "ingress"
                ? [
                      {
                          fromPort: inputs.fromPort,
                          toPort: inputs.toPort,
                          protocol: inputs.protocol,
                          cidrs: list(inputs.cidrBlocks),
                          ipv6Cidrs: list(inputs.ipv6CidrBlocks),
                          prefixLists: list(inputs.prefixListIds),
                      },
                  ]
                : [];
        default:
            return [];
    }
}

const MYSQL_PORT = 3306;

function coversPort(source: IngressSource, port: number): boolean {
    const protocol = String(source.protocol ?? "").toLowerCase();
    if (protocol === "-1" || protocol === "all") {
        return true;
    }
    if (protocol !== "tcp" && protocol !== "6") {
        return false;
    }
    const from = num(source.fromPort);
    const to = num(source.toPort) ?? from;
    // Unknown ports: assume the worst; the check runs again with known values on `up`.
    return from === undefined || to === undefined || (from <= port && port <= to) || from === -1;
}

export const sgNoOpenIngress: ResourcePolicy = {
    name: "sg-no-open-ingress",
    description: "No security group admits traffic from 0.0.0.0/0 or ::/0.",
    types: [T.securityGroup, T.ingressRule, T.securityGroupRule],
    check: (type, _name, inputs) =>
        ingressSources(type, inputs)
            .flatMap((s) => [...s.cidrs, ...s.ipv6Cidrs])
            .filter((cidr) => typeof cidr === "string" && isOpenCidr(cidr))
            .map(
                (cidr) =>
                    `Ingress from ${String(cidr)} opens the group to the internet; admit only the peer VPC's CIDR or a security group.`,
            ),
};

export const sgMysqlFromPeerOnly: ResourcePolicy = {
    name: "sg-mysql-from-peer-only",
    description:
        "Port 3306 is admitted only from the configured peer CIDRs (allowedPeerCidrs) or security groups.",
    types: [T.securityGroup, T.ingressRule, T.securityGroupRule],
    usesConfig: true,
    check: (type, _name, inputs, config) => {
        const allowed = config.allowedPeerCidrs;
        const fix = `admit 3306 only from a peer VPC CIDR (allowed: ${allowed.length > 0 ? allowed.join(", ") : "none configured"}; set the policy config allowedPeerCidrs) or from a security group`;
        const out: string[] = [];
        for (const source of ingressSources(type, inputs).filter((s) => coversPort(s, MYSQL_PORT))) {
            for (const cidr of source.cidrs) {
                if (
                    typeof cidr === "string" &&
                    !isUnknown(cidr) &&
                    !allowed.some((peer) => cidrWithin(cidr, peer))
                ) {
                    out.push(`Port 3306 is open to ${cidr}, which is not a peer CIDR; ${fix}.`);
                }
            }
            for (const cidr of source.ipv6Cidrs) {
                if (typeof cidr === "string" && !isUnknown(cidr)) {
                    out.push(`Port 3306 is open to the IPv6 range ${cidr}; ${fix}.`);
                }
            }
            for (const prefixList of source.prefixLists) {
                if (typeof prefixList === "string" && !isUnknown(prefixList)) {
                    out.push(
                        `Port 3306 is open to the prefix list ${prefixList}, which cannot be verified; ${fix}.`,
                    );
                }
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------------
// Peering routes

interface RouteEntry {
    peering: unknown;
    destination: unknown;
    ipv6Destination: unknown;
    prefixList: unknown;
}

function peeringRoutes(resource: StackResource): RouteEntry[] {
    const entries: Array<Record<string, unknown>> =
        resource.type === T.route
            ? [resource.inputs]
            : resource.type === T.routeTable
              ? list(resource.inputs.routes).flatMap((r) => (record(r) ? [record(r)!] : []))
              : [];
    return entries
        .filter((e) => e.vpcPeeringConnectionId !== undefined && e.vpcPeeringConnectionId !== "")
        .map((e) => ({
            peering: e.vpcPeeringConnectionId,
            destination: e.destinationCidrBlock ?? e.cidrBlock,
            ipv6Destination: e.destinationIpv6CidrBlock ?? e.ipv6CidrBlock,
            prefixList: e.destinationPrefixListId,
        }));
}

export const peeringRoutesToPeerCidr: StackPolicy = {
    name: "peering-routes-to-peer-cidr",
    description:
        "Routes through a VPC peering connection lead only to a configured peer CIDR (allowedPeerCidrs).",
    usesConfig: true,
    check: (resources, config) => {
        const allowed = config.allowedPeerCidrs;
        const fix = `route only the peer VPC's CIDR through the peering (allowed: ${allowed.length > 0 ? allowed.join(", ") : "none configured"}; set the policy config allowedPeerCidrs)`;
        const out: Array<{ resource: string; message: string }> = [];
        for (const resource of resources) {
            for (const route of peeringRoutes(resource)) {
                if (typeof route.ipv6Destination === "string" && !isUnknown(route.ipv6Destination)) {
                    out.push({
                        resource: resource.name,
                        message: `A peering route leads to the IPv6 range ${route.ipv6Destination}; ${fix}.`,
                    });
                }
                if (typeof route.prefixList === "string" && !isUnknown(route.prefixList)) {
                    out.push({
                        resource: resource.name,
                        message: `A peering route leads to the prefix list ${route.prefixList}; ${fix}.`,
                    });
                }
                const dest = route.destination;
                if (
                    typeof dest === "string" &&
                    !isUnknown(dest) &&
                    !allowed.some((peer) => cidrWithin(dest, peer))
                ) {
                    out.push({
                        resource: resource.name,
                        message: `A peering route leads to ${dest}, which is not a peer CIDR; ${fix}.`,
                    });
                }
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------------
// IAM

/** The principal values of a statement, flattened (`"*"` stays `"*"`). */
function principals(principal: unknown): string[] {
    if (typeof principal === "string") {
        return [principal];
    }
    const byKind = record(principal);
    if (!byKind) {
        return [];
    }
    return Object.values(byKind)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .filter((v): v is string => typeof v === "string");
}

const ACCOUNT_ROOT = /^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/;

function conditionKeys(condition: unknown): string[] {
    return Object.values(record(condition) ?? {}).flatMap((byKey) =>
        Object.keys(record(byKey) ?? {}).map((k) => k.toLowerCase()),
    );
}

function allowStatements(doc: { Statement: PolicyStatement[] }): PolicyStatement[] {
    return doc.Statement.filter((s) => s.Effect === "Allow");
}

/** Parses a policy input; `undefined` when unknown, a message when unreadable. */
function readDocument(value: unknown, what: string): { Statement: PolicyStatement[] } | string | undefined {
    if (value === undefined || isUnknown(value)) {
        return undefined;
    }
    const parsed = parsePolicyDocument(value);
    return (
        parsed ??
        `The ${what} is not a readable IAM policy document; pass a JSON policy with a Statement list.`
    );
}

export const iamTrustNoWildcardPrincipal: ResourcePolicy = {
    name: "iam-trust-no-wildcard-principal",
    description: "Role trust policies name exact principals, never `*`.",
    types: [T.role],
    check: (_type, _name, inputs) => {
        const doc = readDocument(inputs.assumeRolePolicy, "role's trust policy");
        if (doc === undefined) {
            return [];
        }
        if (typeof doc === "string") {
            return [doc];
        }
        const out: string[] = [];
        for (const s of allowStatements(doc)) {
            if (s.NotPrincipal !== undefined) {
                out.push(
                    "The trust policy allows NotPrincipal, which trusts everyone else; name the exact principals in Principal.",
                );
            }
            for (const p of principals(s.Principal).filter((p) => p.includes("*"))) {
                out.push(
                    `The trust policy lets the wildcard principal "${p}" assume the role; name the exact account root (with an aws:PrincipalArn condition), role or service.`,
                );
            }
        }
        return out;
    },
};

export const iamTrustRootNeedsCondition: ResourcePolicy = {
    name: "iam-trust-root-needs-condition",
    description: "Trust of an account root carries an aws:PrincipalArn or sts:ExternalId condition.",
    types: [T.role],
    check: (_type, _name, inputs) => {
        const doc = readDocument(inputs.assumeRolePolicy, "role's trust policy");
        if (doc === undefined || typeof doc === "string") {
            return []; // unreadable documents are reported once, by iam-trust-no-wildcard-principal
        }
        const out: string[] = [];
        for (const s of allowStatements(doc)) {
            const roots = principals(s.Principal).filter((p) => ACCOUNT_ROOT.test(p));
            if (roots.length === 0) {
                continue;
            }
            const keys = conditionKeys(s.Condition);
            if (!keys.includes("aws:principalarn") && !keys.includes("sts:externalid")) {
                out.push(
                    `The trust policy trusts the whole account ${roots.join(", ")}; add a Condition { ArnEquals: { "aws:PrincipalArn": <exact role ARN> } } (or sts:ExternalId) so only the intended principal may assume it.`,
                );
            }
        }
        return out;
    },
};

/** Identity policy documents of a resource, with a label for messages. */
function identityPolicies(type: string, inputs: Inputs): Array<{ label: string; document: unknown }> {
    switch (type) {
        case T.role:
            return list(inputs.inlinePolicies).flatMap((p, i) => {
                const policy = record(p);
                return policy && policy.policy !== undefined
                    ? [
                          {
                              label: `inline policy ${knownString(policy.name) ?? String(i)}`,
                              document: policy.policy,
                          },
                      ]
                    : [];
            });
        case T.rolePolicy:
        case T.policy:
            return [{ label: "policy", document: inputs.policy }];
        default:
            return [];
    }
}

function asList(value: unknown): string[] {
    return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
        (v): v is string => typeof v === "string" && !isUnknown(v),
    );
}

function isWildcardAction(action: string): boolean {
    return action === "*" || /^[\w-]+:\*$/.test(action);
}

/** Full-service managed policies: their actions are `*` or `service:*`. */
const BROAD_MANAGED_POLICY =
    /^arn:aws[a-z-]*:iam::aws:policy\/(.*\/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]+FullAccess)$/;

export const iamNoWildcardActions: ResourcePolicy = {
    name: "iam-no-wildcard-actions",
    description: "Identity policies grant named actions, never `*` or a whole service (`svc:*`).",
    types: [T.role, T.rolePolicy, T.policy, T.rolePolicyAttachment],
    check: (type, _name, inputs) => {
        const out: string[] = [];
        const managed = [
            ...(type === T.rolePolicyAttachment ? asList(inputs.policyArn) : []),
            ...(type === T.role ? asList(inputs.managedPolicyArns) : []),
        ];
        for (const arn of managed.filter((a) => BROAD_MANAGED_POLICY.test(a))) {
            out.push(
                `The managed policy ${arn} grants whole services; attach a policy that lists only the actions needed.`,
            );
        }
        for (const { label, document } of identityPolicies(type, inputs)) {
            const doc = readDocument(document, label);
            if (doc === undefined) {
                continue;
            }
            if (typeof doc === "string") {
                out.push(doc);
                continue;
            }
            for (const s of allowStatements(doc)) {
                if (s.NotAction !== undefined) {
                    out.push(
                        `The ${label} allows NotAction, which grants every other action; list the allowed actions in Action.`,
                    );
                }
                for (const action of asList(s.Action).filter(isWildcardAction)) {
                    out.push(
                        `The ${label} allows the wildcard action "${action}"; list the exact actions needed.`,
                    );
                }
            }
        }
        return out;
    },
};

export const SENSITIVE_ACTIONS = ["sts:AssumeRole", "secretsmanager:GetSecretValue", "kms:Decrypt"] as const;

function actionMatches(pattern: string, action: string): boolean {
    const regex = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "i",
    );
    return regex.test(action);
}

function isWildcardResource(resource: string): boolean {
    return resource === "*" || /[:/]\*$/.test(resource);
}

export const iamSensitiveActionsExactResources: ResourcePolicy = {
    name: "iam-sensitive-actions-exact-resources",
    description: `${SENSITIVE_ACTIONS.join(", ")} are granted only on exact resource ARNs, never \`*\`.`,
    types: [T.role, T.rolePolicy, T.policy],
    check: (type, _name, inputs) => {
        const out: string[] = [];
        for (const { label, document } of identityPolicies(type, inputs)) {
            const doc = readDocument(document, label);
            if (doc === undefined || typeof doc === "string") {
                continue; // reported by iam-no-wildcard-actions
            }
            for (const s of allowStatements(doc)) {
                const actions = asList(s.Action);
                const sensitive = SENSITIVE_ACTIONS.filter((a) => actions.some((p) => actionMatches(p, a)));
                if (sensitive.length === 0) {
                    continue;
                }
                if (s.NotResource !== undefined) {
                    out.push(
                        `The ${label} grants ${sensitive.join(", ")} with NotResource, i.e. on almost everything; list the exact ARNs in Resource.`,
                    );
                }
                for (const resource of asList(s.Resource).filter(isWildcardResource)) {
                    out.push(
                        `The ${label} grants ${sensitive.join(", ")} on "${resource}"; name the exact role, secret or key ARN instead.`,
                    );
                }
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------------
// Secrets and keys

export const secretCustomerManagedKey: ResourcePolicy = {
    name: "secret-cmk",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    types: [T.secret],
    check: (_type, _name, inputs) => {
        switch (customerManagedKey(inputs.kmsKeyId)) {
            case "missing":
                return [
                    "The secret uses the AWS-managed key, which other accounts cannot use; set kmsKeyId to a customer-managed aws.kms.Key's arn.",
                ];
            case "aws-managed":
                return [
                    `The secret uses the AWS-managed key ${String(inputs.kmsKeyId)}; set kmsKeyId to a customer-managed aws.kms.Key's arn.`,
                ];
            default:
                return [];
        }
    },
};

export const secretPolicyBlockPublic: ResourcePolicy = {
    name: "secret-policy-block-public",
    description: "Secret resource policies set blockPublicPolicy.",
    types: [T.secretPolicy],
    check: (_type, _name, inputs) =>
        isUnknown(inputs.blockPublicPolicy) || isTrue(inputs.blockPublicPolicy)
            ? []
            : ["The secret's resource policy does not block public policies; set blockPublicPolicy: true."],
};

export const kmsKeyRotation: ResourcePolicy = {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically.",
    types: [T.kmsKey],
    check: (_type, _name, inputs) => {
        const spec = knownString(inputs.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
        if (
            spec !== "SYMMETRIC_DEFAULT" ||
            isUnknown(inputs.enableKeyRotation) ||
            isTrue(inputs.enableKeyRotation)
        ) {
            return [];
        }
        return ["The KMS key does not rotate; set enableKeyRotation: true."];
    },
};

// ---------------------------------------------------------------------------------------------------
// Lambda

export const lambdaInVpc: ResourcePolicy = {
    name: "lambda-in-vpc",
    description: "Lambda functions run in a VPC (subnets and security groups).",
    types: [T.lambda],
    check: (_type, _name, inputs) => {
        const vpc = record(inputs.vpcConfig);
        const has = (value: unknown) => isUnknown(value) || list(value).length > 0;
        if (vpc && has(vpc.subnetIds) && has(vpc.securityGroupIds)) {
            return [];
        }
        if (isUnknown(inputs.vpcConfig)) {
            return [];
        }
        return [
            "The function does not run in a VPC; set vpcConfig with the private subnetIds and the function's securityGroupIds.",
        ];
    },
};

/** Environment variable names that say "I hold a secret" (an `_ARN` of a secret is fine). */
export const SECRET_ENV_NAME = /PASSWORD|PASSWD|SECRET(?!_ARN)|TOKEN|PRIVATE_KEY|KEY$/i;
const ARN = /^arn:aws[a-z-]*:/;
const SECRET_VALUE = [
    /^(AKIA|ASIA)[A-Z0-9]{16}$/,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /^(ghp|gho|github_pat|xox[bpa]|sk_live)_/,
];

export const lambdaNoSecretEnv: ResourcePolicy = {
    name: "lambda-no-secret-env",
    description:
        "Lambda environment variables hold no secrets (pass a secret's ARN and read it at run time).",
    types: [T.lambda],
    check: (_type, _name, inputs) => {
        const variables = record(record(inputs.environment)?.variables) ?? {};
        const out: string[] = [];
        for (const [key, value] of Object.entries(variables)) {
            const text = knownString(value);
            if (text === undefined) {
                continue;
            }
            // The value itself is never printed: it may be the secret.
            if (SECRET_VALUE.some((re) => re.test(text))) {
                out.push(
                    `The environment variable ${key} holds a credential; store it in Secrets Manager and pass the secret's ARN instead.`,
                );
            } else if (SECRET_ENV_NAME.test(key) && !ARN.test(text)) {
                out.push(
                    `The environment variable ${key} looks like a secret; store it in Secrets Manager and pass the secret's ARN (e.g. ${key.replace(/(_?(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|KEY))$/i, "")}_SECRET_ARN) instead.`,
                );
            }
        }
        return out;
    },
};

export const logGroupRetention: ResourcePolicy = {
    name: "log-group-retention",
    description: "CloudWatch log groups have a retention period.",
    types: [T.logGroup],
    check: (_type, _name, inputs) => {
        if (isUnknown(inputs.retentionInDays)) {
            return [];
        }
        const days = num(inputs.retentionInDays);
        return days !== undefined && days > 0
            ? []
            : ["The log group keeps logs forever; set retentionInDays (config logRetentionDays)."];
    },
};

export const lambdaLogRetention: StackPolicy = {
    name: "lambda-log-retention",
    description:
        "Every Lambda function has its log group (/aws/lambda/<name>) declared with a retention period.",
    check: (resources) => {
        const groups = resources.filter((r) => r.type === T.logGroup);
        const out: Array<{ resource: string; message: string }> = [];
        for (const fn of resources.filter((r) => r.type === T.lambda)) {
            const custom = knownString(record(fn.inputs.loggingConfig)?.logGroup);
            const fnName = fn.inputs.name;
            if (custom === undefined && isUnknown(fnName)) {
                continue;
            }
            const ownName = knownString(fnName);
            const expected = custom ?? (ownName !== undefined ? `/aws/lambda/${ownName}` : undefined);
            const matches = groups.filter((g) => {
                const groupName = knownString(g.inputs.name);
                if (groupName === undefined) {
                    return false;
                }
                return expected !== undefined
                    ? groupName === expected
                    : autoNamed(groupName, fn.name, "/aws/lambda/");
            });
            const shown = expected ?? `/aws/lambda/<${fn.name} function name>`;
            if (matches.length === 0) {
                if (!groups.some((g) => isUnknown(g.inputs.name))) {
                    out.push({
                        resource: fn.name,
                        message: `The function has no log group ${shown} in this stack, so Lambda creates one that keeps logs forever; declare an aws.cloudwatch.LogGroup named ${shown} with retentionInDays.`,
                    });
                }
                continue;
            }
            if (
                !matches.some(
                    (g) =>
                        logGroupRetention.check(g.type, g.name, g.inputs, { allowedPeerCidrs: [] }).length ===
                        0,
                )
            ) {
                out.push({
                    resource: fn.name,
                    message: `The function's log group ${shown} has no retention; set retentionInDays on it.`,
                });
            }
        }
        return out;
    },
};

// ---------------------------------------------------------------------------------------------------
// The pack

export const resourcePolicies: readonly ResourcePolicy[] = [
    rdsNotPublic,
    rdsEncryptedWithCmk,
    rdsDeletionProtection,
    rdsBackupRetention,
    sgNoOpenIngress,
    sgMysqlFromPeerOnly,
    iamTrustNoWildcardPrincipal,
    iamTrustRootNeedsCondition,
    iamNoWildcardActions,
    iamSensitiveActionsExactResources,
    secretCustomerManagedKey,
    secretPolicyBlockPublic,
    kmsKeyRotation,
    lambdaInVpc,
    lambdaNoSecretEnv,
    logGroupRetention,
];

export const stackPolicies: readonly StackPolicy[] = [
    rdsRequireSecureTransport,
    peeringRoutesToPeerCidr,
    lambdaLogRetention,
];

/** Every resource policy of the pack applied to one resource. */
export function validateResource(
    type: string,
    name: string,
    inputs: Inputs,
    config: PackConfig,
): Violation[] {
    return resourcePolicies
        .filter((p) => p.types.includes(type))
        .flatMap((p) =>
            p
                .check(type, name, inputs, config)
                .map((message) => ({ policy: p.name, resource: name, message })),
        );
}

/** Only the stack-level policies (links between resources). */
export function validateStackPolicies(resources: readonly StackResource[], config: PackConfig): Violation[] {
    return stackPolicies.flatMap((p) => p.check(resources, config).map((v) => ({ policy: p.name, ...v })));
}

/** The whole pack over a stack: every resource policy on every resource, then the stack-level policies. */
export function validateStack(resources: readonly StackResource[], config: PackConfig): Violation[] {
    return [
        ...resources.flatMap((r) => validateResource(r.type, r.name, r.inputs, config)),
        ...validateStackPolicies(resources, config),
    ];
}
