// The engine-facing policies: each pure check of ./policies wrapped as a mandatory @pulumi/policy policy.
// Kept apart from index.ts (which starts the pack's server) so tests can drive the wrappers with fake args.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { defaultPackConfig } from "./config";
import { materialize } from "./materialize";
import { resourcePolicies, stackPolicies, type PackConfig } from "./policies";

export const PACK_NAME = "cross-account-rds-guardrails";

/** The pack's policies; `defaults` is the config used when the policy config names no allowedPeerCidrs. */
export function buildPolicies(
    defaults: PackConfig = defaultPackConfig(),
): Array<ResourceValidationPolicy | StackValidationPolicy> {
    const configSchema = {
        properties: {
            allowedPeerCidrs: {
                type: "array" as const,
                items: { type: "string" as const, pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$" },
                description:
                    "IPv4 CIDRs of peered VPCs: the only sources of 3306 and destinations of peering routes.",
                default: defaults.allowedPeerCidrs,
            },
        },
    };

    function packConfig(read: () => Partial<PackConfig>): PackConfig {
        const given = read().allowedPeerCidrs;
        return { allowedPeerCidrs: Array.isArray(given) ? given : defaults.allowedPeerCidrs };
    }

    const resourceRules: ResourceValidationPolicy[] = resourcePolicies.map((policy) => ({
        name: policy.name,
        description: policy.description,
        enforcementLevel: "mandatory",
        ...(policy.usesConfig ? { configSchema } : {}),
        validateResource: (args, reportViolation) => {
            if (!policy.types.includes(args.type)) {
                return;
            }
            const config = packConfig(() => args.getConfig<Partial<PackConfig>>());
            for (const message of policy.check(args.type, args.name, materialize(args.props), config)) {
                reportViolation(message);
            }
        },
    }));

    const stackRules: StackValidationPolicy[] = stackPolicies.map((policy) => ({
        name: policy.name,
        description: policy.description,
        enforcementLevel: "mandatory",
        ...(policy.usesConfig ? { configSchema } : {}),
        validateStack: (args, reportViolation) => {
            const config = packConfig(() => args.getConfig<Partial<PackConfig>>());
            const resources = args.resources.map((r) => ({
                type: r.type,
                name: r.name,
                urn: r.urn,
                inputs: materialize(r.props),
            }));
            for (const violation of policy.check(resources, config)) {
                reportViolation(violation.message, resources.find((r) => r.name === violation.resource)?.urn);
            }
        },
    }));

    return [...resourceRules, ...stackRules];
}
