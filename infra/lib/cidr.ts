// IPv4 CIDR arithmetic: the one definition of a valid block, overlap, containment and subnet sizing, used
// by the config, the components, the policy pack and the offline plan.
import { describe } from "./validate";

/** An IPv4 CIDR block, parsed. */
export interface Cidr {
    readonly text: string;
    readonly first: number;
    readonly last: number;
    readonly prefix: number;
}

// No leading zeros (`010.0.0.0/8`): some parsers read them as octal, so the text would not say one thing.
const OCTET = "(0|[1-9]\\d{0,2})";
const CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(\\d|[12]\\d|3[0-2])$`);

/** The smallest subnet AWS allows (and so the smallest VPC). */
export const SMALLEST_SUBNET_PREFIX = 28;
/** The subnet size the VPCs use when the VPC has room for it. */
export const PREFERRED_SUBNET_PREFIX = 24;

/**
 * A block with its host bits zero, or undefined. A block with host bits set (`10.10.0.1/16`) is refused,
 * never masked: AWS refuses such blocks, and they usually mean a typo.
 */
export function parseCidr(text: string): Cidr | undefined {
    const match = CIDR.exec(text);
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
        return undefined;
    }
    return { text, first: address, last: address + size - 1, prefix };
}

/** Why `value` is not a CIDR block with a prefix in range, or undefined when it is one. */
export function cidrProblem(
    value: unknown,
    range: { minPrefix?: number; maxPrefix?: number } = {},
): string | undefined {
    const cidr = typeof value === "string" ? parseCidr(value) : undefined;
    if (!cidr) {
        return `${describe(value)} is not an IPv4 CIDR block with its host bits zero (like 10.10.0.0/16)`;
    }
    const { minPrefix = 0, maxPrefix = 32 } = range;
    if (cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
        return `${cidr.text} must have a prefix between /${minPrefix} and /${maxPrefix}`;
    }
    return undefined;
}

/** Whether `outer` holds every address of `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

/** Whether the block written `inner` lies inside the block written `outer`; false when either is no block. */
export function cidrWithin(inner: string, outer: string | undefined): boolean {
    const a = parseCidr(inner);
    const b = outer === undefined ? undefined : parseCidr(outer);
    return a !== undefined && b !== undefined && cidrContains(b, a);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.first <= b.last && b.first <= a.last;
}

/** True for a range that admits every address: `0.0.0.0/0`, `::/0` (any spelling of a /0). */
export function isOpenCidr(text: string): boolean {
    return /\/0+$/.test(text.trim());
}

/**
 * The prefix of each of `count` equal subnets of a VPC: /24 where they fit, smaller where the VPC is
 * small (a /24 VPC with 2 AZs gets two /25s). Undefined when they cannot fit (smaller than /28).
 */
export function subnetPrefix(vpcPrefix: number, count: number): number | undefined {
    const needed = vpcPrefix + Math.ceil(Math.log2(Math.max(1, count)));
    const prefix = Math.max(PREFERRED_SUBNET_PREFIX, needed);
    return prefix <= SMALLEST_SUBNET_PREFIX ? prefix : undefined;
}

/** Why `cidr` overlaps one of `others` (each with the key it came from), or undefined when it overlaps none. */
export function overlapProblem(
    cidr: Cidr,
    others: ReadonlyArray<{ key: string; cidr: Cidr }>,
): string | undefined {
    const other = others.find((o) => cidrsOverlap(cidr, o.cidr));
    return other
        ? `${cidr.text} overlaps ${other.key} (${other.cidr.text}); peered VPCs need disjoint CIDR blocks`
        : undefined;
}
