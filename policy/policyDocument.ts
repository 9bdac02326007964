// IAM policy documents as policies receive them: a JSON string (how @pulumi/aws sends them) or an object.

export interface PolicyStatement {
    Effect?: unknown;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    Resource?: unknown;
    NotResource?: unknown;
    Condition?: unknown;
}

/** The document with its `Statement` always a list; `undefined` when it is not a policy document. */
export function parsePolicyDocument(value: unknown): { Statement: PolicyStatement[] } | undefined {
    let doc: unknown = value;
    if (typeof value === "string") {
        try {
            doc = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        return undefined;
    }
    const statement = (doc as { Statement?: unknown }).Statement;
    const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
    if (
        statements.length === 0 ||
        statements.some((s) => typeof s !== "object" || s === null || Array.isArray(s))
    ) {
        return undefined;
    }
    return { Statement: statements as PolicyStatement[] };
}
