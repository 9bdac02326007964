import * as assert from "assert";
import {
    iamNoWildcardActions,
    iamSensitiveActionsExactResources,
    iamTrustNoWildcardPrincipal,
    iamTrustRootNeedsCondition,
} from "../../policy/iam";
import { assertOne, check, resource, T } from "./harness";

const CONSUMER_ROLE = "arn:aws:iam::222222225884:role/cross-account-rds-engineering-fetch-rows";

function trust(statement: Record<string, unknown>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
    });
}

function policyDoc(...statements: Array<Record<string, unknown>>): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
    });
}

const role = (assumeRolePolicy: string, more: Record<string, unknown> = {}) =>
    resource(T.role, { name: "data-access", assumeRolePolicy, maxSessionDuration: 3600, ...more });

const goodTrust = trust({
    Principal: { AWS: "arn:aws:iam::222222225884:root" },
    Condition: { ArnEquals: { "aws:PrincipalArn": CONSUMER_ROLE } },
});
const lambdaTrust = trust({ Principal: { Service: "lambda.amazonaws.com" } });

describe("policy pack: IAM", () => {
    it("iam-trust-no-wildcard-principal accepts exact principals and refuses *", () => {
        assert.deepStrictEqual(check(iamTrustNoWildcardPrincipal, role(goodTrust)), []);
        assert.deepStrictEqual(check(iamTrustNoWildcardPrincipal, role(lambdaTrust)), []);
        assertOne(
            check(iamTrustNoWildcardPrincipal, role(trust({ Principal: "*" }))),
            'wildcard principal "*"',
        );
        assertOne(
            check(
                iamTrustNoWildcardPrincipal,
                role(trust({ Principal: { AWS: ["arn:aws:iam::222222225884:root", "*"] } })),
            ),
            "name the exact account root",
        );
        assertOne(
            check(
                iamTrustNoWildcardPrincipal,
                role(trust({ NotPrincipal: { AWS: "arn:aws:iam::222222225884:root" } })),
            ),
            "NotPrincipal",
        );
        assertOne(
            check(iamTrustNoWildcardPrincipal, role("{not json")),
            "not a readable IAM policy document",
        );
    });

    it("iam-trust-no-wildcard-principal reads a trust policy given as an object", () => {
        const document = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }],
        };
        assertOne(
            check(iamTrustNoWildcardPrincipal, resource(T.role, { assumeRolePolicy: document })),
            '"*"',
        );
    });

    it("iam-trust-root-needs-condition requires aws:PrincipalArn or sts:ExternalId on account-root trust", () => {
        assert.deepStrictEqual(check(iamTrustRootNeedsCondition, role(goodTrust)), []);
        const withExternalId = trust({
            Principal: { AWS: "222222225884" },
            Condition: { StringEquals: { "sts:ExternalId": "x-1" } },
        });
        assert.deepStrictEqual(check(iamTrustRootNeedsCondition, role(withExternalId)), []);
        assertOne(
            check(
                iamTrustRootNeedsCondition,
                role(trust({ Principal: { AWS: "arn:aws:iam::222222225884:root" } })),
            ),
            "whole account arn:aws:iam::222222225884:root",
            '"aws:PrincipalArn"',
        );
        // An unreadable document is reported once, by the other trust policy.
        assert.deepStrictEqual(check(iamTrustRootNeedsCondition, role("{not json")), []);
    });

    it("iam-no-wildcard-actions refuses * and service-wide actions, in every kind of identity policy", () => {
        const ok = policyDoc({
            Action: ["sts:AssumeRole"],
            Resource: "arn:aws:iam::111111112974:role/data-access",
        });
        assert.deepStrictEqual(
            check(iamNoWildcardActions, resource(T.rolePolicy, { role: "r", policy: ok })),
            [],
        );
        assertOne(
            check(
                iamNoWildcardActions,
                resource(T.rolePolicy, { role: "r", policy: policyDoc({ Action: "*", Resource: "*" }) }),
            ),
            'wildcard action "*"',
        );
        assertOne(
            check(
                iamNoWildcardActions,
                resource(T.policy, { policy: policyDoc({ Action: "s3:*", Resource: "arn:aws:s3:::b" }) }),
            ),
            '"s3:*"',
        );
        assertOne(
            check(
                iamNoWildcardActions,
                role(lambdaTrust, {
                    inlinePolicies: [{ name: "all", policy: policyDoc({ Action: "*", Resource: "*" }) }],
                }),
            ),
            "inline policy all",
        );
        assertOne(
            check(
                iamNoWildcardActions,
                resource(T.policy, { policy: policyDoc({ NotAction: "iam:*", Resource: "*" }) }),
            ),
            "NotAction",
        );
        assertOne(
            check(iamNoWildcardActions, resource(T.policy, { policy: "[]" })),
            "not a readable IAM policy document",
        );
        // Deny statements may be broad.
        assert.deepStrictEqual(
            check(
                iamNoWildcardActions,
                resource(T.policy, {
                    policy: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
                }),
            ),
            [],
        );
    });

    it("iam-no-wildcard-actions refuses full-service managed policies, attached or listed on the role", () => {
        assertOne(
            check(
                iamNoWildcardActions,
                resource(T.rolePolicyAttachment, {
                    role: "r",
                    policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
                }),
            ),
            "AdministratorAccess",
            "only the actions needed",
        );
        assertOne(
            check(
                iamNoWildcardActions,
                role(lambdaTrust, { managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"] }),
            ),
            "AmazonS3FullAccess",
        );
        assert.deepStrictEqual(
            check(
                iamNoWildcardActions,
                resource(T.rolePolicyAttachment, {
                    role: "r",
                    policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                }),
            ),
            [],
        );
    });

    it("iam-sensitive-actions-exact-resources refuses AssumeRole, GetSecretValue or Decrypt on *", () => {
        const exact = policyDoc(
            { Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111112974:role/data-access" },
            { Action: ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"], Resource: "*" },
        );
        assert.deepStrictEqual(
            check(iamSensitiveActionsExactResources, resource(T.rolePolicy, { policy: exact })),
            [],
        );
        assertOne(
            check(
                iamSensitiveActionsExactResources,
                resource(T.rolePolicy, { policy: policyDoc({ Action: "sts:AssumeRole", Resource: "*" }) }),
            ),
            'sts:AssumeRole on "*"',
            "exact role, secret or key ARN",
        );
        assertOne(
            check(
                iamSensitiveActionsExactResources,
                resource(T.policy, {
                    policy: policyDoc({
                        Action: "secretsmanager:Get*",
                        Resource: "arn:aws:secretsmanager:us-east-1:111111112974:secret:*",
                    }),
                }),
            ),
            "secretsmanager:GetSecretValue",
        );
        assertOne(
            check(
                iamSensitiveActionsExactResources,
                resource(T.policy, { policy: policyDoc({ Action: "kms:Decrypt", Resource: ["*"] }) }),
            ),
            "kms:Decrypt",
        );
        assertOne(
            check(
                iamSensitiveActionsExactResources,
                resource(T.policy, {
                    policy: policyDoc({
                        Action: "kms:Decrypt",
                        NotResource: "arn:aws:kms:us-east-1:1:key/x",
                    }),
                }),
            ),
            "NotResource",
        );
    });
});
