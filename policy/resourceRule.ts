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

/** One boolean property of a resource and the value it must have. */
export interface Flag<K extends string> {
    readonly property: K;
    readonly required: boolean;
    /** What AWS applies when the property is left unset. */
    readonly awsDefault: boolean;
}

/**
 * A policy that `flag.property` of every `resourceClass` is `flag.required`, an unset one counting as AWS's
 * default; `message` says what is wrong and what to set.
 */
export function flagRule<
    TResource extends Resource,
    TArgs,
    K extends keyof Unwrap<NonNullable<TArgs>> & string,
>(
    policy: Pick<ResourceValidationPolicy, "name" | "description">,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    resourceClass: { new (name: string, args: TArgs, ...rest: any[]): TResource },
    flag: Flag<K>,
    message: string,
): ResourceValidationPolicy {
    return resourceRule(policy, resourceClass, (resource) =>
        (resource[flag.property] ?? flag.awsDefault) !== flag.required ? message : undefined,
    );
}
