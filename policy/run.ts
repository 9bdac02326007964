// Runs the pack's policies in-process over recorded resources, with the arguments the policy SDK's own
// server builds: props behind the SDK's unknown-checking proxy, isType/asType, getConfig, notApplicable.
// The offline plan uses it to report what `pulumi preview --policy-pack policy` would, without the CLI.
import type {
    EnforcementLevel,
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PROJECT } from "../infra/lib/constants";
import { defaultPackConfig, packConfigFromStacks, type PackConfig } from "./config";
import { PACK_ENFORCEMENT_LEVEL, packArgs } from "./pack";

export { defaultPackConfig, packConfigFromStacks, type PackConfig };

// The SDK's own proxy (not part of its typed API): reading a value unknown at preview throws.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};

/** One resource as a stack recorded it. */
export interface PolicyResourceRecord {
    /** Pulumi type token, like `aws:rds/instance:Instance`. */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** Default `urn:pulumi:stack::cross-account-rds::<type>::<name>`. */
    readonly urn?: string;
    /** Physical id: stack policies see it as the `id` output, as the engine's outputs carry it. */
    readonly id?: string;
    /** Inputs: what resource policies see (as at `pulumi preview`). */
    readonly props: Record<string, unknown>;
    /** Outputs: what stack policies see (the engine runs them on the stack's final state); default props. */
    readonly outputs?: Record<string, unknown>;
    /** Provider reference, `<provider urn>::<provider id>`. */
    readonly provider?: string;
}

export interface PolicyViolation {
    readonly policy: string;
    /** Logical name of the offending resource; absent for a violation of the stack as a whole. */
    readonly resource?: string;
    readonly type?: string;
    readonly urn?: string;
    /** What is wrong and how to fix it; never a secret value. */
    readonly message: string;
    /** `advisory` only for a policy that could not run because it read a value unknown at preview. */
    readonly enforcementLevel: "mandatory" | "advisory";
}

/** The whole pack over one stack's resources (pass each stack separately: stack policies link resources). */
export function validateResources(
    resources: readonly PolicyResourceRecord[],
    config: PackConfig = defaultPackConfig(),
): PolicyViolation[] {
    return runPolicies(packArgs.policies, resources, config);
}

/** `policies` over `resources`: resource policies per resource, in order, then stack policies. */
export function runPolicies(
    policies: Policies,
    resources: readonly PolicyResourceRecord[],
    config: PackConfig,
): PolicyViolation[] {
    const violations: PolicyViolation[] = [];
    const stack = resources.map(policyResource);
    const byUrn = new Map(stack.map((r, i) => [r.urn, resources[i]]));
    for (const policy of policies) {
        const level = levelOf(policy.enforcementLevel ?? packArgs.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL);
        if (level === undefined) {
            continue;
        }
        const getConfig = <T extends object>() => (policy.configSchema ? config : {}) as T;
        const record = (
            resource: PolicyResourceRecord | undefined,
            message: string,
            enforcementLevel = level,
        ) =>
            violations.push({
                policy: policy.name,
                ...(resource ? { resource: resource.name, type: resource.type, urn: urnOf(resource) } : {}),
                message,
                enforcementLevel,
            });
        const run = (resource: PolicyResourceRecord | undefined, validate: () => unknown) => {
            try {
                if (validate() instanceof Promise) {
                    throw new Error(
                        `policy ${policy.name} is asynchronous; the pack's policies are synchronous`,
                    );
                }
            } catch (err) {
                if (err instanceof sdkProxy.UnknownValueError) {
                    // As the engine does: the policy cannot run yet; `pulumi up` runs it with known values.
                    record(
                        resource,
                        `can't run policy '${policy.name}' during preview: ${err.message}`,
                        "advisory",
                    );
                } else if (!(err instanceof NotApplicable)) {
                    throw err;
                }
            }
        };
        if ("validateStack" in policy) {
            const args: StackValidationArgs = {
                resources: stack,
                stackTags: new Map(),
                getConfig,
                notApplicable,
            };
            const report: ReportViolation = (message, urn) =>
                record(urn ? byUrn.get(urn) : undefined, message);
            run(undefined, () => (policy as StackValidationPolicy).validateStack(args, report));
            continue;
        }
        const validations = asList((policy as ResourceValidationPolicy).validateResource);
        for (const resource of resources) {
            for (const validation of validations) {
                const args = resourceArgs(resource, getConfig);
                run(resource, () => validation(args, (message) => record(resource, message)));
            }
        }
    }
    return violations;
}

function levelOf(level: EnforcementLevel): "mandatory" | "advisory" | undefined {
    return level === "disabled" ? undefined : level === "advisory" ? "advisory" : "mandatory";
}

function asList(validation: ResourceValidation | ResourceValidation[] | undefined): ResourceValidation[] {
    return validation === undefined ? [] : Array.isArray(validation) ? validation : [validation];
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const urnOf = (r: PolicyResourceRecord) => r.urn ?? `urn:pulumi:stack::${PROJECT}::${r.type}::${r.name}`;

/** What `isType`/`asType` of the SDK decide: the class's Pulumi type token, or its `isInstance`. */
function isTypeOf(type: string, resourceClass: object): boolean {
    const cls = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean };
    if (typeof cls.__pulumiType === "string" && cls.__pulumiType !== "") {
        return cls.__pulumiType === type;
    }
    return cls.isInstance?.({ __pulumiType: type }) === true;
}

function providerOf(reference: string | undefined): { provider?: PolicyProviderResource } {
    if (!reference) {
        return {};
    }
    const urn = reference.slice(0, reference.lastIndexOf("::"));
    const [, , type = "", name = ""] = urn.split("::");
    return { provider: { type, name, urn, props: {} } };
}

/** What the SDK shows every policy of one resource: its identity, `values` behind the proxy, and its type checks. */
function resourceView(resource: PolicyResourceRecord, values: Record<string, unknown>) {
    const props = sdkProxy.unknownCheckingProxy(values);
    return {
        type: resource.type,
        name: resource.name,
        urn: urnOf(resource),
        props,
        opts: OPTIONS,
        isType: (cls: object) => isTypeOf(resource.type, cls),
        asType: (cls: object) => (isTypeOf(resource.type, cls) ? (props as never) : undefined),
        ...providerOf(resource.provider),
    };
}

/** A resource policy's arguments: the resource's inputs (as at `pulumi preview`). */
function resourceArgs(
    resource: PolicyResourceRecord,
    getConfig: <T extends object>() => T,
): ResourceValidationArgs {
    return {
        ...resourceView(resource, { ...resource.props }),
        stackTags: new Map(),
        getConfig,
        notApplicable,
    };
}

/** A stack policy's view of a resource: its outputs (inputs when it has none) and its id. */
function policyResource(resource: PolicyResourceRecord): PolicyResource {
    return {
        ...resourceView(resource, {
            ...(resource.id !== undefined ? { id: resource.id } : {}),
            ...(resource.outputs ?? resource.props),
        }),
        dependencies: [],
        propertyDependencies: {},
    };
}
