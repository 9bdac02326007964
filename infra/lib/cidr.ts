// IPv4 CIDR arithmetic: the one definition of a valid block, overlap and containment, used by the config,
// the components, the policy pack and the offline plan. No imports beyond the error type.
import { describe, InvalidValueError } from "./validate";

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

/** True for a range that admits every address: `0.0.0.0/0`, `::/0` (any spelling of a /0). */
export function isOpenCidr(text: string): boolean {
    return /\/0+$/.test(text.trim());
}
