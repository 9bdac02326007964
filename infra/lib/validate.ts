// Pure checks on the shapes this project accepts: account ids, ARNs, CIDRs. No Pulumi here, so the
// config loader, the components and the offline plan share one definition of "valid".

/** The error every check throws: `key` is the config key or argument path that is wrong. */
export class InvalidValueError extends Error {
    constructor(
        readonly key: string,
        problem: string,
    ) {
        super(`${key}: ${problem}`);
        this.name = "InvalidValueError";
    }
}

const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL_ARN =
    /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+|assumed-role\/[\w+=,.@/-]+)$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

export function isAccountId(value: unknown): value is string {
    return typeof value === "string" && ACCOUNT_ID.test(value);
}

export function requireAccountId(key: string, value: unknown): string {
    if (!isAccountId(value)) {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not an AWS account id (12 digits, as a string)`,
        );
    }
    return value;
}

export function requireRegion(key: string, value: unknown): string {
    if (typeof value !== "string" || !REGION.test(value)) {
        throw new InvalidValueError(key, `${describe(value)} is not an AWS region (like us-east-1)`);
    }
    return value;
}

export function requireRoleName(key: string, value: unknown): string {
    if (typeof value !== "string" || !IAM_ROLE_NAME.test(value)) {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])`,
        );
    }
    return value;
}

/** The account id inside an IAM principal ARN (role, user, root or assumed role), or undefined if malformed. */
export function principalAccountId(arn: string): string | undefined {
    return IAM_PRINCIPAL_ARN.exec(arn)?.[2];
}

export function requirePrincipalArn(key: string, value: unknown, accountId?: string): string {
    const account = typeof value === "string" ? principalAccountId(value) : undefined;
    if (account === undefined) {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not an IAM principal ARN (arn:aws:iam::<12 digits>:role/<name>, user/<name> or root)`,
        );
    }
    if (accountId !== undefined && account !== accountId) {
        throw new InvalidValueError(
            key,
            `${describe(value)} belongs to account ${account}, expected ${accountId}`,
        );
    }
    return value as string;
}

export function describe(value: unknown): string {
    if (value === undefined) {
        return "missing value";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
