// Secrets and keys: the reader secret is encrypted with our own rotating key (another account cannot
// use an AWS-managed key) and its resource policy can never be made public.
import * as aws from "@pulumi/aws";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { FLAG_RULES } from "./flags";
import { resourceRule } from "./resourceRule";

const USE_OWN_KEY = "set kmsKeyId to a customer-managed aws.kms.Key's arn";

/** What is wrong with a `kmsKeyId` that is not a customer-managed key; undefined when it is one. */
export function awsManagedKeyProblem(kmsKeyId: string | undefined): string | undefined {
    if (!kmsKeyId) {
        return `is encrypted with the AWS-managed key; ${USE_OWN_KEY}`;
    }
    return /(^|:)alias\/aws\//.test(kmsKeyId)
        ? `uses the AWS-managed key ${kmsKeyId}; ${USE_OWN_KEY}`
        : undefined;
}

export const secretCustomerManagedKey: ResourceValidationPolicy = resourceRule(
    {
        name: "secret-cmk",
        description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    },
    aws.secretsmanager.Secret,
    (secret) => {
        if (!secret.kmsKeyId) {
            return `The secret uses the AWS-managed key, which other accounts cannot use; ${USE_OWN_KEY}.`;
        }
        const problem = awsManagedKeyProblem(secret.kmsKeyId);
        return problem ? `The secret ${problem}.` : undefined;
    },
);

export const secretPolicyBlockPublic: ResourceValidationPolicy = FLAG_RULES.secretPolicyBlockPublic;

export const kmsKeyRotation: ResourceValidationPolicy = resourceRule(
    { name: "kms-key-rotation", description: "Symmetric KMS keys rotate automatically." },
    aws.kms.Key,
    (key) => {
        const symmetric = (key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
        return symmetric && key.enableKeyRotation !== true
            ? "The KMS key does not rotate; set enableKeyRotation: true."
            : undefined;
    },
);

export const secretsPolicies = [secretCustomerManagedKey, secretPolicyBlockPublic, kmsKeyRotation];
