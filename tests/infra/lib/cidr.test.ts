import assert from "node:assert/strict";
import {
    Cidr,
    cidrContains,
    cidrProblem,
    cidrsOverlap,
    isOpenCidr,
    overlapProblem,
    parseCidr,
    PREFERRED_SUBNET_PREFIX,
    SMALLEST_SUBNET_PREFIX,
    subnetPrefix,
} from "../../../infra/lib/cidr";

/** A block the test knows is valid. */
function cidr(text: string): Cidr {
    const parsed = parseCidr(text);
    assert.ok(parsed, `${text} should parse`);
    return parsed;
}

describe("infra/lib/cidr: IPv4 blocks, overlap and subnet sizing", () => {
    describe("parseCidr", () => {
        it("reads a block's first and last address and its prefix, keeping the text as written", () => {
            for (const [text, first, last, prefix] of [
                ["10.10.0.0/16", 0x0a0a0000, 0x0a0affff, 16],
                ["192.168.4.0/22", 0xc0a80400, 0xc0a807ff, 22],
            ] as const) {
                assert.deepEqual(parseCidr(text), { text, first, last, prefix });
            }
        });

        it("covers the whole address space at /0 and one address at /32, without going negative", () => {
            assert.deepEqual(parseCidr("0.0.0.0/0"), {
                text: "0.0.0.0/0",
                first: 0,
                last: 0xffffffff,
                prefix: 0,
            });
            const top = cidr("255.255.255.255/32");
            assert.equal(top.first, 0xffffffff);
            assert.equal(top.last, 0xffffffff);
            assert.ok(cidr("200.0.0.0/8").first > 0, "addresses above 128.0.0.0 stay unsigned");
        });

        /** Texts parseCidr refuses, by rule; `plain` is the same block written so that it parses. */
        const refusals: ReadonlyArray<{ requirement: string; texts: readonly string[]; plain?: string }> = [
            {
                requirement: "refuses octets written with leading zeros, which some parsers read as octal",
                texts: ["010.0.0.0/8", "10.010.0.0/16", "10.0.0.0/016"],
                plain: "10.0.0.0/8",
            },
            {
                requirement: "refuses a block with host bits set instead of masking it",
                texts: ["10.10.0.1/16", "10.10.1.0/16", "10.0.0.128/24", "10.0.0.1/31", "1.0.0.0/0"],
            },
            {
                requirement: "refuses octets above 255, prefixes above 32 and anything not shaped a.b.c.d/n",
                texts: [
                    ["256.0.0.0/8", "10.0.0.300/32", "10.0.0.0/33", "10.0.0.0/99", "10.0.0.0", "10.0.0/16"],
                    ["10.0.0.0.0/16", "10.0.0.0/", " 10.0.0.0/16", "10.0.0.0/16 ", "10.0.0.0/-1"],
                    ["a.b.c.d/16", "::/0", ""],
                ].flat(),
            },
        ];

        for (const { requirement, texts, plain } of refusals) {
            it(requirement, () => {
                for (const text of texts) {
                    assert.equal(parseCidr(text), undefined, JSON.stringify(text));
                }
                if (plain !== undefined) {
                    assert.ok(parseCidr(plain), `${plain}, the same block written plainly, parses`);
                }
            });
        }
    });

    describe("cidrProblem", () => {
        it("accepts a valid block within the prefix range", () => {
            assert.equal(cidrProblem("10.10.0.0/16"), undefined);
            assert.equal(cidrProblem("10.10.0.0/16", { minPrefix: 16, maxPrefix: 28 }), undefined);
            assert.equal(cidrProblem("10.10.0.0/28", { minPrefix: 16, maxPrefix: 28 }), undefined);
        });

        it("names the value and shows the expected form when it is not a block", () => {
            assert.equal(
                cidrProblem("10.10.0.1/16"),
                '"10.10.0.1/16" is not an IPv4 CIDR block with its host bits zero (like 10.10.0.0/16)',
            );
            assert.match(cidrProblem(1010) ?? "", /^1010 is not an IPv4 CIDR block/);
            assert.match(cidrProblem(undefined) ?? "", /^missing value is not an IPv4 CIDR block/);
        });

        it("names the allowed prefix range when the block is too large or too small", () => {
            const range = { minPrefix: 16, maxPrefix: 28 };
            assert.equal(
                cidrProblem("10.0.0.0/8", range),
                "10.0.0.0/8 must have a prefix between /16 and /28",
            );
            assert.equal(
                cidrProblem("10.0.0.0/29", range),
                "10.0.0.0/29 must have a prefix between /16 and /28",
            );
            assert.match(cidrProblem("10.0.0.0/8", { minPrefix: 16 }) ?? "", /between \/16 and \/32/);
        });
    });

    describe("cidrContains", () => {
        for (const { requirement, holds, pairs } of [
            {
                requirement: "holds a block inside it, and itself",
                holds: true,
                pairs: [
                    ["10.10.0.0/16", "10.10.5.0/24"],
                    ["10.10.0.0/16", "10.10.255.240/28"],
                    ["10.10.0.0/16", "10.10.0.0/16"],
                ],
            },
            {
                requirement: "does not hold a larger, neighbouring or partly outside block",
                holds: false,
                pairs: [
                    ["10.10.5.0/24", "10.10.0.0/16"],
                    ["10.10.0.0/16", "10.11.0.0/24"],
                    ["10.10.1.0/24", "10.10.0.0/23"],
                ],
            },
        ] as const) {
            it(requirement, () => {
                for (const [outer, inner] of pairs) {
                    assert.equal(cidrContains(cidr(outer), cidr(inner)), holds, `${outer} ⊇ ${inner}`);
                }
            });
        }
    });

    describe("cidrsOverlap", () => {
        const cases: ReadonlyArray<{
            readonly requirement: string;
            readonly overlap: boolean;
            readonly pairs: ReadonlyArray<readonly [string, string]>;
        }> = [
            {
                requirement: "sees nested and equal blocks as overlapping, in either order",
                overlap: true,
                pairs: [
                    ["10.0.0.0/16", "10.0.128.0/24"],
                    ["10.0.0.0/23", "10.0.1.0/24"],
                    ["10.0.0.0/16", "10.0.0.0/16"],
                    ["0.0.0.0/0", "192.168.0.0/16"],
                ],
            },
            {
                requirement: "sees adjacent and distant blocks as disjoint, in either order",
                overlap: false,
                pairs: [
                    ["10.0.0.0/24", "10.0.1.0/24"],
                    ["10.10.0.0/16", "10.11.0.0/16"],
                    ["10.10.0.0/16", "10.20.0.0/16"],
                    ["10.0.0.0/25", "10.0.0.128/25"],
                ],
            },
        ];

        for (const { requirement, overlap, pairs } of cases) {
            it(requirement, () => {
                for (const [a, b] of pairs) {
                    assert.equal(cidrsOverlap(cidr(a), cidr(b)), overlap, `${a} ${b}`);
                    assert.equal(cidrsOverlap(cidr(b), cidr(a)), overlap, `${b} ${a}`);
                }
            });
        }
    });

    describe("isOpenCidr", () => {
        for (const { requirement, open, texts } of [
            {
                requirement: "recognises every spelling of a range that admits all addresses",
                open: true,
                texts: ["0.0.0.0/0", "::/0", " 0.0.0.0/0 ", "0.0.0.0/00", "10.0.0.0/0"],
            },
            {
                requirement: "does not flag a bounded range whose prefix merely contains a 0",
                open: false,
                texts: ["10.0.0.0/8", "0.0.0.0/1", "10.0.0.0/10", "10.0.0.0/20", "10.0.0.0/30", "::/64"],
            },
        ]) {
            it(requirement, () => {
                for (const text of texts) {
                    assert.equal(isOpenCidr(text), open, JSON.stringify(text));
                }
            });
        }
    });

    describe("subnetPrefix", () => {
        it("names /24 the preferred subnet size and /28 AWS's smallest", () => {
            assert.equal(PREFERRED_SUBNET_PREFIX, 24);
            assert.equal(SMALLEST_SUBNET_PREFIX, 28);
        });

        /** [VPC prefix, subnet count, subnet prefix] rows, by rule. */
        const rules: ReadonlyArray<{
            readonly requirement: string;
            readonly rows: ReadonlyArray<
                readonly [vpcPrefix: number, count: number, prefix: number | undefined]
            >;
        }> = [
            {
                requirement: `gives /${PREFERRED_SUBNET_PREFIX} subnets whenever the VPC has room for one per zone`,
                rows: [
                    [16, 2, 24],
                    [16, 6, 24],
                    [21, 6, 24],
                    [22, 4, 24],
                ],
            },
            {
                requirement:
                    "splits a small VPC into equal smaller subnets, rounding the count up to a power of two",
                rows: [
                    [24, 2, 25],
                    [24, 3, 26],
                    [24, 4, 26],
                    [24, 6, 27],
                    [22, 6, 25],
                    [23, 6, 26],
                    [26, 4, 28],
                    [28, 1, 28], // a /28 VPC holds one /28 subnet
                ],
            },
            {
                requirement: `has no answer when the subnets would be smaller than /${SMALLEST_SUBNET_PREFIX}, AWS's smallest`,
                rows: [
                    [24, 17, undefined],
                    [26, 5, undefined],
                    [26, 6, undefined],
                    [28, 2, undefined],
                ],
            },
            {
                requirement: "treats a count below one as one subnet",
                rows: [
                    [24, 1, 24],
                    [24, 0, 24],
                ],
            },
        ];

        for (const { requirement, rows } of rules) {
            it(requirement, () => {
                for (const [vpcPrefix, count, prefix] of rows) {
                    assert.equal(subnetPrefix(vpcPrefix, count), prefix, `/${vpcPrefix} for ${count}`);
                }
            });
        }

        it("fills a /24 VPC exactly with two /25 subnets", () => {
            const vpc = cidr("10.30.0.0/24");
            assert.equal(2 * 2 ** (32 - subnetPrefix(vpc.prefix, 2)!), vpc.last - vpc.first + 1);
        });
    });

    describe("overlapProblem", () => {
        const others = [
            { key: "consumers[0].vpcCidr", cidr: cidr("10.20.0.0/16") },
            { key: "vpcCidr", cidr: cidr("10.10.0.0/16") },
        ];

        it("names the key and block it overlaps, and why that matters", () => {
            assert.equal(
                overlapProblem(cidr("10.10.5.0/24"), others),
                "10.10.5.0/24 overlaps vpcCidr (10.10.0.0/16); peered VPCs need disjoint CIDR blocks",
            );
        });

        it("names the first overlapping key when several overlap", () => {
            assert.match(
                overlapProblem(cidr("10.0.0.0/8"), others) ?? "",
                /overlaps consumers\[0\]\.vpcCidr/,
            );
        });

        it("is silent for a disjoint block, adjacent ones included, and when there is nothing to compare", () => {
            assert.equal(overlapProblem(cidr("10.30.0.0/16"), others), undefined);
            assert.equal(overlapProblem(cidr("10.11.0.0/16"), others), undefined);
            assert.equal(overlapProblem(cidr("10.10.0.0/16"), []), undefined);
        });
    });
});
