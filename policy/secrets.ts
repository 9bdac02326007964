// Secrets and keys: the reader secret is encrypted with our own rotating key (another account cannot
// use an AWS-managed key) and its resource policy can never be made public.
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";

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

export const secretCustomerManagedKey: ResourceValidationPolicy = {
    name: "secret-cmk",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    validateResource: validateResourceOfType(aws.secretsmanager.Secret, (secret, _args, reportViolation) => {
        if (!secret.kmsKeyId) {
            reportViolation(
                `The secret uses the AWS-managed key, which other accounts cannot use; ${USE_OWN_KEY}.`,
            );
            return;
        }
        const problem = awsManagedKeyProblem(secret.kmsKeyId);
        if (problem) {
            reportViolation(`The secret ${problem}.`);
        }
    }),
};

export const secretPolicyBlockPublic: ResourceValidationPolicy = {
    name: "secret-policy-block-public",
    description: "Secret resource policies set blockPublicPolicy.",
    validateResource: validateResourceOfType(
        aws.secretsmanager.SecretPolicy,
        (policy, _args, reportViolation) => {
            if (policy.blockPublicPolicy !== true) {
                reportViolation(
                    "The secret's resource policy does not block public policies; set blockPublicPolicy: true.",
                );
            }
        },
    ),
};

export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically.",
    validateResource: validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) => {
        const symmetric = (key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
        if (symmetric && key.enableKeyRotation !== true) {
            reportViolation("The KMS key does not rotate; set enableKeyRotation: true.");
        }
    }),
};

export const secretsPolicies = [secretCustomerManagedKey, secretPolicyBlockPublic, kmsKeyRotation];
