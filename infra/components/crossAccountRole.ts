// A role that named principals of another account may assume, with least-privilege inline permissions or
// none (its permissions then come from grants such as `SecretShare.grantRead`).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    accountIdProblem,
    describe,
    externalIdProblem,
    principalArnProblem,
    roleNameProblem,
} from "../lib/validate";
import { actionMatches, policyDocument, rootArn, toPolicyJson } from "../lib/iam";
import { ArgumentProblem, requireNoProblem, requireValid } from "./args";

export interface CrossAccountRoleArgs {
    /** Account whose principals may assume the role (required; no default). */
    readonly trustedAccountId: string;
    /** Exact role/user ARNs in the trusted account allowed to assume; they may not exist yet (required, non-empty). */
    readonly trustedPrincipalArns: readonly string[];
    /** When set, callers must pass it as `sts:ExternalId`; a secret output keeps the trust policy secret (default: no external id condition). */
    readonly externalId?: pulumi.Input<string>;
    /** The role's inline policy, with exact resource ARNs (default: none; permissions come from grants). */
    readonly permissions?: pulumi.Input<aws.iam.PolicyStatement[]>;
    /** Physical role name (default: autonamed from the component name). */
    readonly roleName?: string;
    /** Role description (default: none). */
    readonly description?: string;
    /** Longest session in seconds, 3600..43200 (default 3600). */
    readonly maxSessionDuration?: number;
    /** IAM path, starting and ending with "/" (default "/"). */
    readonly path?: string;
    /** ARN of a managed policy that bounds the role's permissions (default: none). */
    readonly permissionsBoundary?: pulumi.Input<string>;
    /** Tags for the role (default: none). */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Arguments of {@link trustPolicy}: what the trust depends on, resolved. */
export interface TrustPolicyArgs {
    readonly trustedAccountId: string;
    readonly trustedPrincipalArns: readonly string[];
    readonly externalId?: string;
}

const DEFAULT_MAX_SESSION_DURATION = 3600;
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
const ROLE_PATH = /^\/([\x21-\x7e]{0,510}\/)?$/;

/**
 * Actions whose `Resource: "*"` would reach every role, secret or key of an account: these must name
 * exact ARNs. Account-level Secrets Manager actions are excluded because they only accept `*`.
 */
const EXACT_RESOURCE_ACTIONS = ["sts:AssumeRole", "secretsmanager:GetSecretValue", "kms:Decrypt"];
const ACCOUNT_LEVEL_SECRETSMANAGER_ACTIONS = [
    "secretsmanager:GetRandomPassword",
    "secretsmanager:ListSecrets",
    "secretsmanager:BatchGetSecretValue",
];

/**
 * The trust policy: the trusted account's root as principal (so principals that do not exist yet do not
 * fail with "Invalid principal") narrowed by an exact `aws:PrincipalArn` match.
 */
export function trustPolicy(args: TrustPolicyArgs): aws.iam.PolicyDocument {
    const condition: Record<string, Record<string, string | string[]>> = {
        ArnEquals: { "aws:PrincipalArn": [...args.trustedPrincipalArns] },
    };
    if (args.externalId !== undefined) {
        condition.StringEquals = { "sts:ExternalId": args.externalId };
    }
    return policyDocument([
        {
            Effect: "Allow",
            Principal: { AWS: rootArn(args.trustedAccountId) },
            Action: "sts:AssumeRole",
            Condition: condition,
        },
    ]);
}

/** Checks every argument known before deployment; throws `pulumi.InputPropertyError` naming the bad one. */
export function validateCrossAccountRoleArgs(args: CrossAccountRoleArgs): void {
    requireValid("trustedAccountId", accountIdProblem(args.trustedAccountId));
    const principals: unknown = args.trustedPrincipalArns;
    if (!Array.isArray(principals) || principals.length === 0) {
        requireValid(
            "trustedPrincipalArns",
            "must list at least one principal ARN; an empty list would trust nobody (or, if dropped, everyone)",
        );
    }
    const seen = new Set<string>();
    (principals as unknown[]).forEach((arn, i) => {
        const key = `trustedPrincipalArns[${i}]`;
        if (typeof arn === "string" && arn.includes("*")) {
            requireValid(key, `${describe(arn)} contains "*"; name exact principals`);
        }
        requireValid(key, principalArnProblem(arn, args.trustedAccountId));
        const text = arn as string;
        if (/:root$/.test(text)) {
            requireValid(key, `${describe(text)} is an account root; name the exact roles or users`);
        }
        if (/^arn:[^:]+:sts:/.test(text)) {
            requireValid(
                key,
                `${describe(text)} is a session ARN; aws:PrincipalArn holds the role ARN (arn:aws:iam::<id>:role/<name>)`,
            );
        }
        if (seen.has(text)) {
            requireValid(key, `${describe(text)} is listed twice`);
        }
        seen.add(text);
    });
    if (typeof args.externalId === "string") {
        // The problem never echoes the value: an external id is meant to be shared with the trusted party only.
        requireValid("externalId", externalIdProblem(args.externalId));
    }
    if (args.roleName !== undefined) {
        requireValid("roleName", roleNameProblem(args.roleName));
    }
    if (
        args.description !== undefined &&
        (typeof args.description !== "string" || args.description.length > 1000)
    ) {
        requireValid("description", "must be a string of at most 1000 characters");
    }
    const duration: unknown = args.maxSessionDuration;
    if (
        duration !== undefined &&
        (typeof duration !== "number" || !Number.isInteger(duration) || duration < 3600 || duration > 43200)
    ) {
        requireValid("maxSessionDuration", `${describe(duration)} is not a whole number in 3600..43200`);
    }
    if (args.path !== undefined && (typeof args.path !== "string" || !ROLE_PATH.test(args.path))) {
        requireValid("path", `${describe(args.path)} must start and end with "/" (like /service/)`);
    }
    const permissions = knownNow(args.permissions);
    if (permissions !== undefined) {
        validatePermissions(permissions as aws.iam.PolicyStatement[]);
    }
}

/**
 * Checks an identity policy for grants wider than the statement's author can see (see
 * {@link permissionsProblem}); throws `pulumi.InputPropertyError` naming the bad element.
 */
export function validatePermissions(statements: aws.iam.PolicyStatement[], argName = "permissions"): void {
    requireNoProblem(permissionsProblem(statements, argName));
}

/**
 * The first grant wider than the statement's author can see: whole services, and `*` resources on actions
 * that reach roles, secrets or keys. Deny statements are not restricted because a broad deny only narrows
 * access. Values that are still unresolved are skipped; call it again once known.
 */
function permissionsProblem(
    statements: aws.iam.PolicyStatement[],
    argName = "permissions",
): ArgumentProblem | undefined {
    if (!Array.isArray(statements) || statements.length === 0) {
        return {
            propertyPath: argName,
            problem: `must contain at least one policy statement; leave ${argName} out for a role whose permissions come from grants`,
        };
    }
    for (const [i, statement] of statements.entries()) {
        const found = statementProblem(statement, `${argName}[${i}]`);
        if (found) {
            return found;
        }
    }
    return undefined;
}

function statementProblem(statement: aws.iam.PolicyStatement, key: string): ArgumentProblem | undefined {
    const at = (propertyPath: string, problem: string): ArgumentProblem => ({ propertyPath, problem });
    if (typeof statement !== "object" || statement === null) {
        return at(key, `${describe(statement)} is not a policy statement`);
    }
    for (const field of ["NotAction", "NotResource", "NotPrincipal", "Principal"] as const) {
        if (statement[field] !== undefined) {
            return at(
                `${key}.${field}`,
                field.startsWith("Not")
                    ? `is refused: it grants everything except what it names; list what is allowed instead`
                    : "is refused: an identity policy applies to the role itself and names no principal",
            );
        }
    }
    const effect: unknown = statement.Effect;
    if (effect !== "Allow" && effect !== "Deny") {
        return at(`${key}.Effect`, `${describe(effect)} is not "Allow" or "Deny"`);
    }
    const actions = strings(statement.Action);
    const resources = strings(statement.Resource);
    if (actions.length === 0 && isPlainList(statement.Action)) {
        return at(`${key}.Action`, "must name at least one action");
    }
    if (resources.length === 0 && isPlainList(statement.Resource)) {
        return at(`${key}.Resource`, "must name at least one exact resource ARN");
    }
    if (effect === "Deny") {
        return undefined;
    }
    for (const { value: action, index } of actions) {
        const [service, operation] = action.split(":", 2);
        if (action === "*" || service.includes("*") || /^\**$/.test(operation ?? "")) {
            return at(
                `${key}.Action${index}`,
                `${describe(action)} grants every action of ${service.includes("*") ? "every service" : service}; name the actions`,
            );
        }
        if (!ACTION.test(action)) {
            return at(`${key}.Action${index}`, `${describe(action)} is not an action (service:Name)`);
        }
    }
    const exact = actions.find(({ value }) => needsExactResource(value));
    const wildcard = exact && resources.find(({ value }) => value.includes("*"));
    return exact && wildcard
        ? at(
              `${key}.Resource${wildcard.index}`,
              `${describe(wildcard.value)} contains "*" but ${exact.value} must name exact ARNs`,
          )
        : undefined;
}

export class CrossAccountRole extends pulumi.ComponentResource {
    /** The role itself: what grants attach to, and what others can depend on without waiting for its permissions. */
    readonly role: aws.iam.Role;
    readonly roleArn: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;
    /** The inline policy made from `permissions`; undefined when the role's permissions come from grants. */
    readonly permissionsPolicy?: aws.iam.RolePolicy;

    constructor(name: string, args: CrossAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked first, so a refused argument declares nothing, not even this component.
        validateCrossAccountRoleArgs(args);
        super("cross-account-rds:iam:CrossAccountRole", name, {}, opts);

        this.role = new aws.iam.Role(
            name,
            {
                name: args.roleName,
                description: args.description,
                assumeRolePolicy: pulumi.output(args.externalId).apply((externalId) => {
                    // An external id given as an output (often a secret) is only checkable now.
                    const problem = externalId === undefined ? undefined : externalIdProblem(externalId);
                    if (problem !== undefined) {
                        throw new pulumi.ResourceError(`externalId: ${problem}`, this);
                    }
                    return toPolicyJson(trustPolicy({ ...args, externalId }));
                }),
                maxSessionDuration: args.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
                path: args.path ?? "/",
                permissionsBoundary: args.permissionsBoundary,
                tags: args.tags,
            },
            { parent: this },
        );

        if (args.permissions !== undefined) {
            const policy = pulumi.output(args.permissions).apply((statements) => {
                // Statements built from outputs (ARNs of other resources) are only checkable now, when only
                // a ResourceError can still tie the refusal to this component.
                const found = permissionsProblem(statements as aws.iam.PolicyStatement[]);
                if (found) {
                    throw new pulumi.ResourceError(`${found.propertyPath}: ${found.problem}`, this);
                }
                return toPolicyJson(policyDocument(statements as aws.iam.PolicyStatement[]));
            });
            this.permissionsPolicy = new aws.iam.RolePolicy(
                `${name}-permissions`,
                { role: this.role.id, policy },
                { parent: this },
            );
        }

        this.roleArn = this.role.arn;
        this.roleName = this.role.name;
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
    }

    /** The statement the trusted side's principals need: sts:AssumeRole on exactly this role. */
    assumeRoleStatement(): pulumi.Output<aws.iam.PolicyStatement> {
        return this.roleArn.apply((arn): aws.iam.PolicyStatement => ({
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: arn,
        }));
    }
}

/** The value itself when it holds no outputs or promises, i.e. it can be checked before deployment. */
function knownNow(value: unknown, depth = 0): unknown {
    if (depth > 20 || pulumi.Output.isInstance(value) || value instanceof Promise) {
        return undefined;
    }
    if (Array.isArray(value)) {
        return value.every((item) => knownNow(item, depth + 1) !== undefined || item === undefined)
            ? value
            : undefined;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).every(
            (item) => item === undefined || knownNow(item, depth + 1) !== undefined,
        )
            ? value
            : undefined;
    }
    return value;
}

/** The string entries of an Action/Resource element with their index suffix (`[2]`, or "" for a scalar). */
function strings(value: unknown): Array<{ value: string; index: string }> {
    if (typeof value === "string") {
        return [{ value, index: "" }];
    }
    return Array.isArray(value)
        ? value.flatMap((item, i) => (typeof item === "string" ? [{ value: item, index: `[${i}]` }] : []))
        : [];
}

/** Missing, or a list with no unresolved entries: emptiness is then a real mistake, not an unknown. */
function isPlainList(value: unknown): boolean {
    return value === undefined || (Array.isArray(value) && value.every((item) => typeof item === "string"));
}

function needsExactResource(pattern: string): boolean {
    if (EXACT_RESOURCE_ACTIONS.some((action) => actionMatches(pattern, action))) {
        return true;
    }
    const isSecretsManager = /^secretsmanager:/i.test(pattern);
    return (
        isSecretsManager &&
        !ACCOUNT_LEVEL_SECRETSMANAGER_ACTIONS.some((action) => actionMatches(pattern, action))
    );
}
