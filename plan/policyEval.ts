// A minimal IAM policy evaluator: enough of AWS's rules to decide who may assume a role or read a secret
// under the policies this project writes. Explicit Deny wins, then any matching Allow; anything else is
// denied, including every condition operator it does not know. Free of Pulumi so the offline plan can use it.
import { arnMatches, asList, actionMatches, globMatch, rootAccountOf } from "../infra/lib/iam";
import type { PolicyJson, PrincipalJson, StatementJson } from "../infra/lib/iam";

export type { PolicyJson };

export interface EvaluationRequest {
    /** The caller: a role/user ARN, an assumed-role session ARN, or a service name like lambda.amazonaws.com. */
    readonly principalArn: string;
    readonly action: string;
    /** The resource acted on; when absent, `Resource` elements are not consulted (as in a trust policy). */
    readonly resource?: string;
    /** Extra request context (`sts:ExternalId`, `kms:ViaService`, ...); overrides the derived principal keys. */
    readonly context?: Record<string, string>;
}

export function evaluate(policy: PolicyJson, request: EvaluationRequest): boolean {
    const context = requestContext(request);
    const matching = asList(policy.Statement).filter((statement) =>
        statementMatches(statement, request, context),
    );
    return !matching.some((s) => s.Effect === "Deny") && matching.some((s) => s.Effect === "Allow");
}

function statementMatches(
    statement: StatementJson,
    request: EvaluationRequest,
    context: Map<string, string>,
): boolean {
    return (
        principalMatches(statement, request.principalArn) &&
        elementMatches(statement.Action, statement.NotAction, (p) => actionMatches(p, request.action)) &&
        resourceMatches(statement, request.resource) &&
        conditionsHold(statement.Condition ?? {}, context)
    );
}

/** Without a resource element the statement is about the resource holding it (a trust or key policy). */
function resourceMatches(statement: StatementJson, resource: string | undefined): boolean {
    if (resource === undefined || (statement.Resource === undefined && statement.NotResource === undefined)) {
        return true;
    }
    return elementMatches(statement.Resource, statement.NotResource, (pattern) =>
        arnMatches(pattern, resource),
    );
}

/** `X` matches when an entry matches; `NotX` when none does; a statement with neither never matches. */
function elementMatches(
    element: string | string[] | undefined,
    notElement: string | string[] | undefined,
    matches: (pattern: string) => boolean,
): boolean {
    if (element !== undefined) {
        return asList(element).some(matches);
    }
    if (notElement !== undefined) {
        return !asList(notElement).some(matches);
    }
    return false;
}

function principalMatches(statement: StatementJson, principalArn: string): boolean {
    if (statement.Principal !== undefined) {
        return principalCovers(statement.Principal, principalArn);
    }
    if (statement.NotPrincipal !== undefined) {
        return !principalCovers(statement.NotPrincipal, principalArn);
    }
    // No principal element: an identity policy, which applies to whoever holds it.
    return true;
}

function principalCovers(principal: PrincipalJson, principalArn: string): boolean {
    if (principal === "*") {
        return true;
    }
    const identity = identityArn(principalArn);
    const account = accountOf(identity);
    const aws = asList(principal.AWS).some((entry) => {
        if (entry === "*") {
            return true;
        }
        // An account id or its root ARN stands for every principal of that account.
        const root = rootAccountOf(entry);
        if (root) {
            return account === root;
        }
        return entry === identity || entry === principalArn;
    });
    const services = [...asList(principal.Service), ...asList(principal.Federated)];
    return aws || services.includes(principalArn);
}

/** The role ARN behind an assumed-role session, as IAM reports it in `aws:PrincipalArn`. */
function identityArn(principalArn: string): string {
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
    return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : principalArn;
}

function accountOf(arn: string): string | undefined {
    return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

function requestContext(request: EvaluationRequest): Map<string, string> {
    const context = new Map<string, string>();
    const identity = identityArn(request.principalArn);
    context.set("aws:principalarn", identity);
    const account = accountOf(identity);
    if (account) {
        context.set("aws:principalaccount", account);
    }
    for (const [key, value] of Object.entries(request.context ?? {})) {
        context.set(key.toLowerCase(), value);
    }
    return context;
}

type Comparison = (pattern: string, value: string) => boolean;

const OPERATORS: Record<string, { compare: Comparison; negated: boolean }> = {
    StringEquals: { compare: (p, v) => p === v, negated: false },
    StringNotEquals: { compare: (p, v) => p === v, negated: true },
    StringEqualsIgnoreCase: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
    StringNotEqualsIgnoreCase: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: true },
    StringLike: { compare: (p, v) => globMatch(p, v), negated: false },
    StringNotLike: { compare: (p, v) => globMatch(p, v), negated: true },
    // IAM treats ArnEquals exactly like ArnLike: both honour wildcards, part by part.
    ArnEquals: { compare: arnMatches, negated: false },
    ArnLike: { compare: arnMatches, negated: false },
    ArnNotEquals: { compare: arnMatches, negated: true },
    ArnNotLike: { compare: arnMatches, negated: true },
    Bool: { compare: (p, v) => p.toLowerCase() === v.toLowerCase(), negated: false },
};

function conditionsHold(
    condition: Record<string, Record<string, string | string[] | boolean>>,
    context: Map<string, string>,
): boolean {
    return Object.entries(condition).every(([operatorName, entries]) => {
        const ifExists = operatorName.endsWith("IfExists");
        const operator = OPERATORS[ifExists ? operatorName.slice(0, -"IfExists".length) : operatorName];
        if (!operator) {
            return false;
        }
        return Object.entries(entries).every(([key, expected]) => {
            const value = context.get(key.toLowerCase());
            if (value === undefined) {
                // A missing key fails a positive test and passes a negated one, as in IAM.
                return ifExists || operator.negated;
            }
            const matched = asList(expected).some((pattern) => operator.compare(String(pattern), value));
            return operator.negated ? !matched : matched;
        });
    });
}
