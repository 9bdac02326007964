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

/** An IPv4 CIDR block, parsed. */
export interface Cidr {
    readonly text: string;
    readonly first: number;
    readonly last: number;
    readonly prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!match) {
        return undefined;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    const size = 2 ** (32 - prefix);
    if (address % size !== 0) {
        return undefined; // host bits set: AWS refuses such blocks, and they usually mean a typo
    }
    return { text, first: address, last: address + size - 1, prefix };
}

export function requireCidr(
    key: string,
    value: unknown,
    options: { minPrefix?: number; maxPrefix?: number } = {},
): Cidr {
    const cidr = typeof value === "string" ? parseCidr(value) : undefined;
    if (!cidr) {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not an IPv4 CIDR block with its host bits zero (like 10.10.0.0/16)`,
        );
    }
    const { minPrefix = 0, maxPrefix = 32 } = options;
    if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
        throw new InvalidValueError(
            key,
            `${cidr.text} must have a prefix between /${minPrefix} and /${maxPrefix}`,
        );
    }
    return cidr;
}

/** Whether `outer` holds every address of `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.first <= b.last && b.first <= a.last;
}

/** Throws naming `key` when `cidr` overlaps any of `others` (each with the key it came from). */
export function requireDisjoint(
    key: string,
    cidr: Cidr,
    others: ReadonlyArray<{ key: string; cidr: Cidr }>,
): void {
    for (const other of others) {
        if (cidrsOverlap(cidr, other.cidr)) {
            throw new InvalidValueError(
                key,
                `${cidr.text} overlaps ${other.key} (${other.cidr.text}); peered VPCs need disjoint CIDR blocks`,
            );
        }
    }
}

export function describe(value: unknown): string {
    if (value === undefined) {
        return "missing value";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
