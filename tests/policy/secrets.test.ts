import * as assert from "assert";
import { kmsKeyRotation, secretCustomerManagedKey, secretPolicyBlockPublic } from "../../policy/secrets";
import { assertOne, check, resource, T } from "./harness";

const KEY_ARN = "arn:aws:kms:us-east-1:111111112974:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("policy pack: secrets and keys", () => {
    it("secret-cmk requires a customer-managed key", () => {
        assert.deepStrictEqual(
            check(secretCustomerManagedKey, resource(T.secret, { name: "reader", kmsKeyId: KEY_ARN })),
            [],
        );
        assertOne(
            check(secretCustomerManagedKey, resource(T.secret, { name: "reader" })),
            "other accounts cannot use",
            "kmsKeyId",
        );
        assertOne(
            check(secretCustomerManagedKey, resource(T.secret, { kmsKeyId: "alias/aws/secretsmanager" })),
            "alias/aws/secretsmanager",
        );
    });

    it("secret-policy-block-public requires blockPublicPolicy", () => {
        const props = {
            secretArn: "arn:aws:secretsmanager:us-east-1:111111112974:secret:r-AbCdEf",
            policy: "{}",
        };
        assert.deepStrictEqual(
            check(secretPolicyBlockPublic, resource(T.secretPolicy, { ...props, blockPublicPolicy: true })),
            [],
        );
        assertOne(check(secretPolicyBlockPublic, resource(T.secretPolicy, props)), "blockPublicPolicy: true");
    });

    it("kms-key-rotation requires rotation on symmetric keys", () => {
        assert.deepStrictEqual(check(kmsKeyRotation, resource(T.kmsKey, { enableKeyRotation: true })), []);
        assert.deepStrictEqual(
            check(kmsKeyRotation, resource(T.kmsKey, { customerMasterKeySpec: "RSA_2048" })),
            [],
        );
        assertOne(check(kmsKeyRotation, resource(T.kmsKey, { description: "k" })), "enableKeyRotation: true");
    });
});
