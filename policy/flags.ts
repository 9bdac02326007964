// Policies that require one boolean property of one resource type, as rows of one table: each row names
// the property, the value it must have and what AWS applies when it is left unset.
import * as aws from "@pulumi/aws";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { Resource, Unwrap } from "@pulumi/pulumi";
import { resourceRule } from "./resourceRule";

// The SDK's own signature for a resource class (validateResourceOfType).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResourceClass = new (name: string, args: any, ...rest: any[]) => Resource;

/** The properties a resource class takes, as the policy sees them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PropertiesOf<C> = C extends new (name: string, args: infer A, ...rest: any[]) => Resource
    ? Unwrap<NonNullable<A>>
    : never;

/** One policy: `property` of every resource of `type` is `required`; `message` says what to set. */
export interface FlagRow<C extends ResourceClass> {
    readonly name: string;
    readonly description: string;
    readonly type: C;
    readonly property: keyof PropertiesOf<C> & string;
    readonly required: boolean;
    /** What AWS applies when the property is left unset. */
    readonly awsDefault: boolean;
    readonly message: string;
}

/** The policy of one row: an unset property counts as AWS's default. */
export function flagRule<C extends ResourceClass>(row: FlagRow<C>): ResourceValidationPolicy {
    const { name, description, type, property, required, awsDefault, message } = row;
    return resourceRule({ name, description }, type, (resource: Record<string, unknown>) =>
        (resource[property] ?? awsDefault) !== required ? message : undefined,
    );
}

/** Each row's policy, by the key the row is declared under (each row's property checked against its type). */
function flagRules<T extends Record<string, ResourceClass>>(rows: {
    [K in keyof T]: FlagRow<T[K]>;
}): { readonly [K in keyof T]: ResourceValidationPolicy } {
    return Object.fromEntries(Object.entries(rows).map(([key, row]) => [key, flagRule(row)])) as {
        [K in keyof T]: ResourceValidationPolicy;
    };
}

export const FLAG_RULES = flagRules({
    rdsNotPublic: {
        name: "rds-not-public",
        description: "RDS instances are not publicly accessible.",
        type: aws.rds.Instance,
        property: "publiclyAccessible",
        required: false,
        awsDefault: false,
        message:
            "The RDS instance is publicly accessible; set publiclyAccessible: false and reach it through VPC peering or a PrivateLink resource endpoint.",
    },
    rdsDeletionProtection: {
        name: "rds-deletion-protection",
        description: "RDS instances have deletion protection on.",
        type: aws.rds.Instance,
        property: "deletionProtection",
        required: true,
        awsDefault: false,
        message:
            "The RDS instance has no deletion protection; set deletionProtection: true (config deletionProtection).",
    },
    secretPolicyBlockPublic: {
        name: "secret-policy-block-public",
        description: "Secret resource policies set blockPublicPolicy.",
        type: aws.secretsmanager.SecretPolicy,
        property: "blockPublicPolicy",
        required: true,
        awsDefault: false,
        message: "The secret's resource policy does not block public policies; set blockPublicPolicy: true.",
    },
    privatelinkNoTransitiveSharing: {
        name: "privatelink-no-transitive-sharing",
        description: "Resource configurations cannot be associated with a shareable service network.",
        type: aws.vpclattice.ResourceConfiguration,
        property: "allowAssociationToShareableServiceNetwork",
        required: false,
        awsDefault: true,
        message:
            "The resource configuration may be associated with a shareable service network, through which the consumer could share the database onward; set allowAssociationToShareableServiceNetwork: false.",
    },
});
