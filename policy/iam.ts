// IAM: trust policies name exact principals (an account root only with a condition on the caller), and
// identity policies grant named actions, the sensitive ones only on exact resources.
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ReportViolation, type ResourceValidationPolicy } from "@pulumi/policy";
import {
    actionMatches,
    asList,
    parsePolicy,
    rootAccountOf,
    type PrincipalJson,
    type StatementJson,
} from "../infra/lib/iam";

/** A policy input as the engine sends it: JSON text (how @pulumi/aws serializes documents) or an object. */
type DocumentInput = string | object | undefined;

const UNREADABLE = "is not a readable IAM policy document; pass a JSON policy with a Statement list";

/** The document's Allow statements; `undefined` when it is not a policy document. */
function allowStatements(input: DocumentInput): StatementJson[] | undefined {
    const statements = asList(parsePolicy(input)?.Statement);
    if (
        statements.length === 0 ||
        statements.some((s) => typeof s !== "object" || s === null || Array.isArray(s))
    ) {
        return undefined;
    }
    return statements.filter((s) => s.Effect === "Allow");
}

/** The principal values of a statement, flattened (`"*"` stays `"*"`). */
function principals(principal: PrincipalJson | undefined): string[] {
    if (principal === undefined || typeof principal === "string") {
        return principal === undefined ? [] : [principal];
    }
    return Object.values(principal).flatMap((v) => asList<string>(v));
}

function conditionKeys(statement: StatementJson): string[] {
    return Object.values(statement.Condition ?? {}).flatMap((byKey) =>
        Object.keys(byKey).map((k) => k.toLowerCase()),
    );
}

export const iamTrustNoWildcardPrincipal: ResourceValidationPolicy = {
    name: "iam-trust-no-wildcard-principal",
    description: "Role trust policies name exact principals, never `*`.",
    validateResource: validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
        const statements = allowStatements(role.assumeRolePolicy);
        if (!statements) {
            reportViolation(`The role's trust policy ${UNREADABLE}.`);
            return;
        }
        for (const s of statements) {
            if (s.NotPrincipal !== undefined) {
                reportViolation(
                    "The trust policy allows NotPrincipal, which trusts everyone else; name the exact principals in Principal.",
                );
            }
            for (const p of principals(s.Principal).filter((p) => p.includes("*"))) {
                reportViolation(
                    `The trust policy lets the wildcard principal "${p}" assume the role; name the exact account root (with an aws:PrincipalArn condition), role or service.`,
                );
            }
        }
    }),
};

export const iamTrustRootNeedsCondition: ResourceValidationPolicy = {
    name: "iam-trust-root-needs-condition",
    description: "Trust of an account root carries an aws:PrincipalArn or sts:ExternalId condition.",
    validateResource: validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
        // An unreadable document is reported once, by iam-trust-no-wildcard-principal.
        for (const s of allowStatements(role.assumeRolePolicy) ?? []) {
            const roots = principals(s.Principal).filter((p) => rootAccountOf(p) !== undefined);
            const keys = conditionKeys(s);
            if (roots.length > 0 && !keys.includes("aws:principalarn") && !keys.includes("sts:externalid")) {
                reportViolation(
                    `The trust policy trusts the whole account ${roots.join(", ")}; add a Condition { ArnEquals: { "aws:PrincipalArn": <exact role ARN> } } (or sts:ExternalId) so only the intended principal may assume it.`,
                );
            }
        }
    }),
};

interface IdentityPolicy {
    readonly label: string;
    readonly document: DocumentInput;
}

/** The identity policy documents a role declares inline. */
function inlinePolicies(role: {
    inlinePolicies?: Array<{ name?: string; policy?: string }>;
}): IdentityPolicy[] {
    return (role.inlinePolicies ?? []).flatMap((p, i) =>
        p.policy === undefined ? [] : [{ label: `inline policy ${p.name ?? String(i)}`, document: p.policy }],
    );
}

/** Runs `check` on every identity policy of roles, role policies and managed policies. */
function onIdentityPolicies(check: (policies: IdentityPolicy[], report: ReportViolation) => void) {
    return [
        validateResourceOfType(aws.iam.Role, (role, _args, report) => check(inlinePolicies(role), report)),
        validateResourceOfType(aws.iam.RolePolicy, (policy, _args, report) =>
            check([{ label: "policy", document: policy.policy }], report),
        ),
        validateResourceOfType(aws.iam.Policy, (policy, _args, report) =>
            check([{ label: "policy", document: policy.policy }], report),
        ),
    ];
}

const isWildcardAction = (action: string) => action === "*" || /^[\w-]+:\*$/.test(action);

/** Full-service managed policies: their actions are `*` or `service:*`. */
const BROAD_MANAGED_POLICY =
    /^arn:aws[a-z-]*:iam::aws:policy\/(.*\/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]+FullAccess)$/;

function reportBroadManagedPolicies(arns: readonly string[], reportViolation: ReportViolation): void {
    for (const arn of arns.filter((a) => BROAD_MANAGED_POLICY.test(a))) {
        reportViolation(
            `The managed policy ${arn} grants whole services; attach a policy that lists only the actions needed.`,
        );
    }
}

export const iamNoWildcardActions: ResourceValidationPolicy = {
    name: "iam-no-wildcard-actions",
    description: "Identity policies grant named actions, never `*` or a whole service (`svc:*`).",
    validateResource: [
        ...onIdentityPolicies((policies, reportViolation) => {
            for (const { label, document } of policies) {
                const statements = allowStatements(document);
                if (!statements) {
                    reportViolation(`The ${label} ${UNREADABLE}.`);
                    continue;
                }
                for (const s of statements) {
                    if (s.NotAction !== undefined) {
                        reportViolation(
                            `The ${label} allows NotAction, which grants every other action; list the allowed actions in Action.`,
                        );
                    }
                    for (const action of asList(s.Action).filter(isWildcardAction)) {
                        reportViolation(
                            `The ${label} allows the wildcard action "${action}"; list the exact actions needed.`,
                        );
                    }
                }
            }
        }),
        validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) =>
            reportBroadManagedPolicies(role.managedPolicyArns ?? [], reportViolation),
        ),
        validateResourceOfType(aws.iam.RolePolicyAttachment, (attachment, _args, reportViolation) =>
            reportBroadManagedPolicies([attachment.policyArn], reportViolation),
        ),
    ],
};

const SENSITIVE_ACTIONS = ["sts:AssumeRole", "secretsmanager:GetSecretValue", "kms:Decrypt"] as const;

const isWildcardResource = (resource: string) => resource === "*" || /[:/]\*$/.test(resource);

export const iamSensitiveActionsExactResources: ResourceValidationPolicy = {
    name: "iam-sensitive-actions-exact-resources",
    description: `${SENSITIVE_ACTIONS.join(", ")} are granted only on exact resource ARNs, never \`*\`.`,
    validateResource: onIdentityPolicies((policies, reportViolation) => {
        for (const { label, document } of policies) {
            // An unreadable document is reported once, by iam-no-wildcard-actions.
            for (const s of allowStatements(document) ?? []) {
                const actions = asList(s.Action);
                const sensitive = SENSITIVE_ACTIONS.filter((a) => actions.some((p) => actionMatches(p, a)));
                if (sensitive.length === 0) {
                    continue;
                }
                const granted = sensitive.join(", ");
                if (s.NotResource !== undefined) {
                    reportViolation(
                        `The ${label} grants ${granted} with NotResource, i.e. on almost everything; list the exact ARNs in Resource.`,
                    );
                }
                for (const resource of asList(s.Resource).filter(isWildcardResource)) {
                    reportViolation(
                        `The ${label} grants ${granted} on "${resource}"; name the exact role, secret or key ARN instead.`,
                    );
                }
            }
        }
    }),
};

export const iamPolicies = [
    iamTrustNoWildcardPrincipal,
    iamTrustRootNeedsCondition,
    iamNoWildcardActions,
    iamSensitiveActionsExactResources,
];
