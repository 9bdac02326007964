// Just enough CIDR arithmetic for the pack: is a range open to the internet, is one range inside another.

interface Ipv4Range {
    readonly network: number;
    readonly prefix: number;
}

function parseIpv4(text: string): Ipv4Range | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text.trim());
    if (!match) {
        return undefined;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = match[5] === undefined ? 32 : Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) {
        return undefined;
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    return { network: mask(address, prefix), prefix };
}

function mask(address: number, prefix: number): number {
    return prefix === 0 ? 0 : Math.floor(address / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
}

/** True for a range that admits every address: `0.0.0.0/0`, `::/0` (any spelling of a /0). */
export function isOpenCidr(text: string): boolean {
    return /\/0+$/.test(text.trim());
}

/** True when the IPv4 range `inner` lies inside the IPv4 range `outer` (a bare address counts as /32). */
export function cidrWithin(inner: string, outer: string): boolean {
    const a = parseIpv4(inner);
    const b = parseIpv4(outer);
    return (
        a !== undefined && b !== undefined && a.prefix >= b.prefix && mask(a.network, b.prefix) === b.network
    );
}

/** True for a well-formed IPv4 CIDR block. */
export function isIpv4Cidr(text: string): boolean {
    return /\//.test(text) && parseIpv4(text) !== undefined;
}
