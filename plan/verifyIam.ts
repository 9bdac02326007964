// The IAM chain of one consumer: its function's role may assume the data-access role, which trusts
// exactly that role (and its external id), may read the reader secret (identity and resource policy),
// and may decrypt it through its customer-managed key, only via Secrets Manager.
import { parsePolicy, PolicyJson } from "../infra/lib/iam";
import { Link } from "./link";
import { EvaluationRequest, evaluate } from "./policyEval";
import { of, T } from "./query";
import { PlannedResource, StackPlan } from "./run";

function roleByArn(plan: StackPlan, arn: string): PlannedResource | undefined {
    return of(plan, T.role).find((r) => r.state.arn === arn);
}

/** The inline policies of `role` in `plan`. */
function identityPolicies(plan: StackPlan, role: PlannedResource | undefined): PolicyJson[] {
    if (!role) {
        return [];
    }
    return of(plan, T.rolePolicy)
        .filter((p) => [role.state.name, role.state.id, role.state.arn].includes(p.inputs.role))
        .map((p) => parsePolicy(p.inputs.policy))
        .filter((p): p is PolicyJson => p !== undefined);
}

function allows(policies: PolicyJson[], request: EvaluationRequest): boolean {
    return policies.some((p) => evaluate(p, request));
}

export function verifyIam({ db, consumer, c, fn, env }: Link): void {
    const functionRoleArn = String(fn.inputs.role);
    const dataAccessArn = env.DB_ACCESS_ROLE_ARN;
    const secretArn = env.DB_SECRET_ARN;
    const functionRole = roleByArn(consumer, functionRoleArn);
    const dataAccessRole = roleByArn(db, dataAccessArn);
    const externalId = env.DB_ACCESS_EXTERNAL_ID;
    const assumeContext = externalId ? { "sts:ExternalId": externalId } : undefined;

    c.add(
        "IAM: the function's role may sts:AssumeRole the data-access role (identity policy)",
        allows(identityPolicies(consumer, functionRole), {
            principalArn: functionRoleArn,
            action: "sts:AssumeRole",
            resource: dataAccessArn,
        }),
        `the inline policy of role ${functionRoleArn} in ${consumer.stack} does not allow sts:AssumeRole on ${dataAccessArn}`,
    );
    const trust = parsePolicy(dataAccessRole?.inputs.assumeRolePolicy);
    c.add(
        "IAM: the data-access role trusts the function's role (trust policy and its conditions)",
        !!trust &&
            evaluate(trust, {
                principalArn: functionRoleArn,
                action: "sts:AssumeRole",
                context: assumeContext,
            }),
        dataAccessRole
            ? `the trust policy of ${dataAccessArn} in ${db.stack} does not admit ${functionRoleArn}` +
                  `${externalId ? " with its external id" : ""}: the database stack's consumers[].functionRoleName ` +
                  `(and externalId) name the role the consumer's function runs as`
            : `no role ${dataAccessArn} in ${db.stack}`,
    );
    const stranger = functionRoleArn.replace(/:role\/.*$/, ":role/some-other-role");
    c.add(
        "IAM: another role of the consumer account may not assume the data-access role",
        !trust ||
            !evaluate(trust, { principalArn: stranger, action: "sts:AssumeRole", context: assumeContext }),
        `the trust policy of ${dataAccessArn} admits ${stranger}: restrict it with an exact aws:PrincipalArn condition`,
    );

    const read = {
        principalArn: dataAccessArn,
        action: "secretsmanager:GetSecretValue",
        resource: secretArn,
    };
    c.add(
        "IAM: the data-access role may GetSecretValue the reader secret (identity policy)",
        allows(identityPolicies(db, dataAccessRole), read),
        `the inline policies of ${dataAccessArn} do not allow secretsmanager:GetSecretValue on ${secretArn}`,
    );
    const secretPolicy = of(db, T.secretPolicy).find((p) => p.inputs.secretArn === secretArn);
    const resourcePolicy = parsePolicy(secretPolicy?.inputs.policy);
    c.add(
        "IAM: the reader secret's resource policy lets the data-access role GetSecretValue",
        !!resourcePolicy && secretPolicy?.inputs.blockPublicPolicy === true && evaluate(resourcePolicy, read),
        secretPolicy
            ? `the resource policy of ${secretArn} does not allow ${dataAccessArn} (or blockPublicPolicy is off)`
            : `no aws.secretsmanager.SecretPolicy for ${secretArn} in ${db.stack}: a cross-account read needs one`,
    );
    const secret = of(db, T.secret).find((s) => s.state.arn === secretArn);
    const keyArn = secret?.inputs.kmsKeyId as string | undefined;
    const key = of(db, T.key).find((k) => k.state.arn === keyArn || k.state.id === keyArn);
    const decrypt = {
        principalArn: dataAccessArn,
        action: "kms:Decrypt",
        resource: String(key?.state.arn),
        context: { "kms:ViaService": `secretsmanager.${db.region}.amazonaws.com` },
    };
    const keyPolicy = parsePolicy(key?.inputs.policy);
    c.add(
        "IAM: the data-access role may decrypt the secret through its customer-managed key (key policy, via Secrets Manager)",
        !!key &&
            !!keyPolicy &&
            evaluate(keyPolicy, decrypt) &&
            allows(identityPolicies(db, dataAccessRole), decrypt),
        !key
            ? `the reader secret is not encrypted with a customer-managed key of ${db.stack} (cross-account reads need one)`
            : `kms:Decrypt via secretsmanager.${db.region}.amazonaws.com on ${key.state.arn} is not allowed to ` +
                  `${dataAccessArn} by both the key policy and the role's policy`,
    );
}
