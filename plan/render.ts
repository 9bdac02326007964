// Human and machine renderings of a plan: a resource tree per stack with the settings that matter,
// the exports, the checks and the policy violations; and plan.json, which also says what an update or a
// destroy would do with each resource. Every secret value is redacted in both.
import { SECRET_SHOWN } from "../infra/lib/stackFiles";
import type { Violation } from "./pack";
import { Check } from "./query";
import { Plan, PlannedResource, StackPlan } from "./run";
import { resourceKey } from "./runStack";

/** Keys whose values are secret by nature, whatever they hold. */
const SECRET_KEYS = new Set(["secretString", "secretBinary", "password", "result", "bcryptHash"]);

/** A JSON-safe copy with secrets replaced, assets summarized and Outputs' unknowns made explicit. */
export function redact(value: unknown, secrets: ReadonlySet<string>, key = ""): unknown {
    if (SECRET_KEYS.has(key) && value !== undefined) {
        return SECRET_SHOWN;
    }
    if (typeof value === "string") {
        let text = value;
        for (const secret of secrets) {
            if (secret && text.includes(secret)) {
                text = text.split(secret).join(SECRET_SHOWN);
            }
        }
        return text;
    }
    if (Array.isArray(value)) {
        return value.map((item) => redact(item, secrets));
    }
    if (value !== null && typeof value === "object") {
        const assets = (value as { assets?: Record<string, unknown> }).assets;
        if (assets && typeof assets === "object" && isArchive(value)) {
            return `<archive: ${Object.keys(assets).sort().join(", ")}>`;
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secrets, k)]));
    }
    return value;
}

function isArchive(value: object): boolean {
    return (
        Object.prototype.hasOwnProperty.call(value, "assets") && value.constructor?.name === "AssetArchive"
    );
}

function policyPrincipals(document: unknown): string[] {
    try {
        const doc = typeof document === "string" ? JSON.parse(document) : document;
        const principals = (doc?.Statement ?? []).flatMap(
            (s: { Principal?: { AWS?: unknown; Service?: unknown } }) => [
                s.Principal?.AWS ?? [],
                s.Principal?.Service ?? [],
            ],
        );
        const conditions = (doc?.Statement ?? []).flatMap(
            (s: { Condition?: Record<string, Record<string, unknown>> }) =>
                Object.values(s.Condition ?? {}).flatMap((c) =>
                    Object.entries(c).map(([k, v]) => `${k}=${[v].flat().join("|")}`),
                ),
        );
        return [...principals.flat(), ...conditions];
    } catch {
        return [];
    }
}

/** The few settings of a resource worth a glance, as `key=value` pairs. */
function settingsOf(r: PlannedResource): string[] {
    const i = r.inputs;
    const pick = (...keys: string[]) =>
        keys.filter((k) => i[k] !== undefined && i[k] !== "").map((k) => `${k}=${JSON.stringify(i[k])}`);
    switch (r.type) {
        case "awsx:ec2:Vpc":
            return [
                ...pick("cidrBlock", "numberOfAvailabilityZones"),
                `subnets=${JSON.stringify((i.subnetSpecs ?? []).map((s: { type: string }) => s.type))}`,
                `nat=${i.natGateways?.strategy ?? "default"}`,
            ];
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
            return pick(
                "ipProtocol",
                "fromPort",
                "toPort",
                "cidrIpv4",
                "cidrIpv6",
                "referencedSecurityGroupId",
            );
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            return pick("serviceName", "resourceConfigurationArn", "vpcEndpointType", "privateDnsEnabled");
        case "aws:vpclattice/resourceGateway:ResourceGateway":
            return pick("ipAddressType", "securityGroupIds");
        case "aws:vpclattice/resourceConfiguration:ResourceConfiguration":
            return [
                ...pick("type"),
                `arn=${JSON.stringify(i.resourceConfigurationDefinition?.arnResource?.arn)}`,
            ];
        case "aws:ram/resourceShare:ResourceShare":
            return pick("allowExternalPrincipals");
        case "aws:ram/principalAssociation:PrincipalAssociation":
            return pick("principal");
        case "aws:ec2/vpcPeeringConnection:VpcPeeringConnection":
            return pick("vpcId", "peerVpcId", "peerOwnerId", "peerRegion");
        case "aws:ec2/route:Route":
            return pick("routeTableId", "destinationCidrBlock", "vpcPeeringConnectionId");
        case "aws:rds/instance:Instance":
            return pick(
                "engine",
                "engineVersion",
                "instanceClass",
                "publiclyAccessible",
                "storageEncrypted",
                "deletionProtection",
                "skipFinalSnapshot",
                "backupRetentionPeriod",
                "manageMasterUserPassword",
            );
        case "aws:rds/parameterGroup:ParameterGroup":
            return [
                ...pick("family"),
                ...(i.parameters ?? []).map((p: { name: string; value: string }) => `${p.name}=${p.value}`),
            ];
        case "aws:kms/key:Key":
            return pick("enableKeyRotation");
        case "aws:iam/role:Role":
            return [
                ...pick("name", "maxSessionDuration"),
                ...policyPrincipals(i.assumeRolePolicy).map((p) => `trusts ${p}`),
            ];
        case "aws:secretsmanager/secret:Secret":
            return pick("kmsKeyId", "recoveryWindowInDays");
        case "aws:secretsmanager/secretPolicy:SecretPolicy":
            return [...pick("blockPublicPolicy"), ...policyPrincipals(i.policy).map((p) => `allows ${p}`)];
        case "aws:lambda/function:Function":
            return [
                ...pick("name", "runtime", "timeout", "memorySize"),
                `env=${Object.keys(i.environment?.variables ?? {}).join(",")}`,
            ];
        case "aws:cloudwatch/logGroup:LogGroup":
            return pick("name", "retentionInDays");
        case "pulumi:providers:aws":
            return [...pick("region"), `account=${r.accountId}`];
        default:
            return [];
    }
}

export function renderStack(plan: StackPlan): string {
    const lines = [
        `Stack ${plan.stack} (${plan.stackRole}, account ${plan.accountId}, ${plan.region}) — ${plan.resources.length} resources`,
    ];
    const children = new Map<string | undefined, PlannedResource[]>();
    const keys = new Set(plan.resources.map(resourceKey));
    for (const r of plan.resources) {
        const parent = r.parent && keys.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const walk = (parent: string | undefined, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, index) => {
            const last = index === list.length - 1;
            const other = r.accountId !== plan.accountId ? ` [account ${r.accountId}]` : "";
            const flags = [
                r.options?.protect ? " [protect]" : "",
                r.options?.retainOnDelete ? " [retainOnDelete]" : "",
            ].join("");
            const settings = settingsOf(r);
            lines.push(
                `${indent}${last ? "└─" : "├─"} ${r.type} ${r.name}${other}${flags}${settings.length ? `  ${settings.join(" ")}` : ""}`,
            );
            walk(resourceKey(r), `${indent}${last ? "   " : "│  "}`);
        });
    };
    walk(undefined, "");
    lines.push("", "Exports:");
    for (const [key, value] of Object.entries(redactedExports(plan))) {
        lines.push(`  ${key}: ${JSON.stringify(value)}`);
    }
    return lines.join("\n");
}

/** The exports with secret outputs shown as [secret] and secret values replaced wherever they appear. */
function redactedExports(plan: StackPlan): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(plan.exports).map(([key, value]) => [
            key,
            plan.secretExports.includes(key) ? SECRET_SHOWN : redact(value, plan.secretValues),
        ]),
    );
}

export function renderChecks(checks: readonly Check[]): string {
    return checks.map((c) => `${c.ok ? "✓" : "✗"} ${c.name}${c.ok ? "" : `\n    ${c.detail}`}`).join("\n");
}

export function renderViolations(violations: readonly Violation[]): string {
    return violations
        .map(
            (v) =>
                `${v.enforcementLevel === "mandatory" ? "✗" : "!"} ${v.stack}: ${v.policy}` +
                `${v.resource ? ` (${v.type} ${v.resource})` : ""}\n    ${v.message}`,
        )
        .join("\n");
}

/** What a destroy of the stack would do with a resource, from its options and its own settings. */
export function onDestroy(r: PlannedResource): string {
    if (r.type === "pulumi:pulumi:StackReference" || r.type.startsWith("pulumi:providers:")) {
        return "nothing in the cloud: removed from the stack";
    }
    if (r.options?.protect) {
        return "refused: protected (pulumi state unprotect, or protect: false, first)";
    }
    if (r.options?.retainOnDelete) {
        return "kept in the cloud: only removed from the stack";
    }
    if (r.id === undefined) {
        return "a component: removed once its children are";
    }
    if (r.type === "aws:rds/instance:Instance") {
        if (r.inputs.deletionProtection === true) {
            return "refused by AWS until deletionProtection is false";
        }
        return r.inputs.skipFinalSnapshot === true
            ? "deleted without a final snapshot"
            : `deleted after final snapshot ${String(r.inputs.finalSnapshotIdentifier)}`;
    }
    return "deleted";
}

/** What a change that forces a replacement would do with a resource. */
export function onReplace(r: PlannedResource): string {
    if (r.options?.protect) {
        return "refused: protected";
    }
    const old = r.options?.retainOnDelete ? "the old one is kept in the cloud" : "the old one is deleted";
    return r.options?.deleteBeforeReplace
        ? `${old} first, then the new one is created`
        : `the new one is created first, then ${old}`;
}

/** `inputs` (a JSON-safe copy) with every value that reached the engine as a Pulumi secret replaced. */
function withoutSecretInputs(
    inputs: Record<string, unknown>,
    paths: readonly string[],
): Record<string, unknown> {
    const copy = inputs;
    for (const path of paths) {
        const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
        let node: Record<string, unknown> = copy;
        keys.slice(0, -1).forEach((k) => (node = (node?.[k] ?? {}) as Record<string, unknown>));
        if (node && keys.length) {
            node[keys[keys.length - 1]] = SECRET_SHOWN;
        }
    }
    return copy;
}

/**
 * plan.json: `{ organization, stacks: { <stack>: { stackRole, accountId, region, resources, exports } },
 * checks, violations }`; each resource with its id, ARN, account, provider, parent, declared options and
 * what a destroy or a replacement does with it. Redacted.
 */
export function planJson(
    plan: Plan,
    checks: readonly Check[],
    violations: readonly Violation[] = [],
): string {
    const stacks = [plan.database, ...plan.consumers];
    const secrets = new Set(stacks.flatMap((s) => [...s.secretValues]));
    const providerName = (s: StackPlan, reference: string | undefined) =>
        reference ? s.resources.find((p) => p.id && reference.endsWith(`::${p.id}`))?.name : undefined;
    const document = {
        organization: plan.organization,
        stacks: Object.fromEntries(
            stacks.map((s) => [
                s.stack,
                {
                    stackRole: s.stackRole,
                    accountId: s.accountId,
                    region: s.region,
                    resources: s.resources.map((r) => ({
                        type: r.type,
                        name: r.name,
                        ...(r.id !== undefined ? { id: r.id } : {}),
                        ...(typeof r.state.arn === "string" ? { arn: r.state.arn } : {}),
                        ...(r.parent ? { parent: r.parent } : {}),
                        accountId: r.accountId,
                        ...(providerName(s, r.provider) ? { provider: providerName(s, r.provider) } : {}),
                        options: {
                            protect: r.options?.protect ?? false,
                            retainOnDelete: r.options?.retainOnDelete ?? false,
                            deleteBeforeReplace: r.options?.deleteBeforeReplace ?? false,
                            dependsOn: r.options?.dependsOn ?? [],
                            ...(r.options?.deletedWith ? { deletedWith: r.options.deletedWith } : {}),
                            ...(r.options?.ignoreChanges.length
                                ? { ignoreChanges: r.options.ignoreChanges }
                                : {}),
                            ...(r.options?.replaceOnChanges.length
                                ? { replaceOnChanges: r.options.replaceOnChanges }
                                : {}),
                        },
                        onDestroy: onDestroy(r),
                        onReplace: onReplace(r),
                        inputs: withoutSecretInputs(
                            redact(r.inputs, secrets) as Record<string, unknown>,
                            r.secretInputs,
                        ),
                    })),
                    exports: redact(redactedExports(s), secrets),
                },
            ]),
        ),
        checks,
        violations,
    };
    return `${JSON.stringify(document, null, 2)}\n`;
}
