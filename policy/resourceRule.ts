// The shape most resource policies share: one resource type, one condition, and a message that says what
// is wrong and what to set.
import {
    validateResourceOfType,
    type ResourceValidationArgs,
    type ResourceValidationPolicy,
} from "@pulumi/policy";
import type { Resource, Unwrap } from "@pulumi/pulumi";

/**
 * A policy on every resource of `resourceClass`: `violation` returns what is wrong with one (and the fix),
 * or undefined when it complies; at most one violation per resource.
 */
export function resourceRule<TResource extends Resource, TArgs>(
    policy: Pick<ResourceValidationPolicy, "name" | "description" | "configSchema">,
    // The SDK's own signature for a resource class (validateResourceOfType).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    resourceClass: { new (name: string, args: TArgs, ...rest: any[]): TResource },
    violation: (resource: Unwrap<NonNullable<TArgs>>, args: ResourceValidationArgs) => string | undefined,
): ResourceValidationPolicy {
    return {
        ...policy,
        validateResource: validateResourceOfType(resourceClass, (resource, args, reportViolation) => {
            const message = violation(resource, args);
            if (message !== undefined) {
                reportViolation(message);
            }
        }),
    };
}
