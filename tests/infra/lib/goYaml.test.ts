// What tests/plan/stackFiles.test.ts does not already show through whole stack files: each typing rule of
// go-yaml v2's resolver, Go's JSON for the edge values, and how map keys, aliases and nesting decode.
import assert from "node:assert/strict";
import { LineCounter, parseDocument, Scalar } from "yaml";
import { decode, DecodeProblem, GoValue, goJson, resolveScalar } from "../../../infra/lib/goYaml";

/** The value of `v:` in a one-line document, decoded as stackFiles.ts decodes it (failsafe schema). */
function decoded(text: string): { value: GoValue; problems: DecodeProblem[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { schema: "failsafe", uniqueKeys: false, lineCounter: lines });
    assert.deepEqual(doc.errors, [], text);
    const problems: DecodeProblem[] = [];
    return { value: decode(doc.contents, doc, lines, problems), problems };
}

function scalar(text: string): GoValue {
    const { value, problems } = decoded(`v: ${text}`);
    assert.deepEqual(problems, []);
    assert.ok(value.kind === "map");
    return value.entries.get("v")!;
}

/** The JSON Go would write for the document. */
function json(text: string): string | undefined {
    const { value } = decoded(text);
    return goJson(value, []);
}

describe("infra/lib/goYaml: YAML typed as go-yaml v2 types it, written as Go writes JSON", () => {
    describe("plain scalars", () => {
        it("reads YAML 1.1 booleans, single letters included, and only the listed spellings", () => {
            for (const text of ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"]) {
                assert.deepEqual(scalar(text), { kind: "bool", value: true }, text);
            }
            for (const text of ["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"]) {
                assert.deepEqual(scalar(text), { kind: "bool", value: false }, text);
            }
            for (const text of ["tRUE", "yES", "oN", "t", "f"]) {
                assert.deepEqual(scalar(text), { kind: "string", value: text }, text);
            }
        });

        it("reads ~, null, Null, NULL and an empty value as null", () => {
            for (const text of ["~", "null", "Null", "NULL", ""]) {
                assert.deepEqual(scalar(text), { kind: "null" }, JSON.stringify(text));
            }
            assert.deepEqual(scalar("nULL"), { kind: "string", value: "nULL" });
        });

        it("reads integers in every base Go's ParseInt(s, 0, 64) accepts, a leading 0 as octal, _ ignored", () => {
            const cases: Array<[string, bigint]> = [
                ["0", 0n],
                ["-0", 0n],
                ["+42", 42n],
                ["017", 15n],
                ["0o17", 15n],
                ["0x1F", 31n],
                ["0X1f", 31n],
                ["-0x10", -16n],
                ["0b101", 5n],
                ["-0b101", -5n],
                ["1_000_000", 1000000n],
                ["0x_ff", 255n],
            ];
            for (const [text, value] of cases) {
                assert.deepEqual(scalar(text), { kind: "int", value }, text);
            }
        });

        it("keeps the full 64-bit range exact: int64, then uint64, then a float", () => {
            assert.deepEqual(scalar("9223372036854775807"), { kind: "int", value: 2n ** 63n - 1n });
            assert.deepEqual(scalar("-9223372036854775808"), { kind: "int", value: -(2n ** 63n) });
            assert.deepEqual(scalar("9223372036854775808"), { kind: "int", value: 2n ** 63n });
            assert.deepEqual(scalar("18446744073709551615"), { kind: "int", value: 2n ** 64n - 1n });
            assert.deepEqual(scalar("18446744073709551616"), { kind: "float", value: 2 ** 64 });
            assert.deepEqual(scalar("-9223372036854775809"), { kind: "float", value: -(2 ** 63) });
        });

        it("reads YAML-style floats, an invalid octal like 08 as a float, and the special floats", () => {
            const cases: Array<[string, number]> = [
                ["8.4", 8.4],
                ["1e3", 1000],
                ["1.", 1],
                [".5", 0.5],
                ["-.5", -0.5],
                ["+.5e1", 5],
                ["08", 8],
                ["-0.0", -0],
                [".inf", Infinity],
                ["+.Inf", Infinity],
                ["-.INF", -Infinity],
            ];
            for (const [text, value] of cases) {
                assert.deepEqual(scalar(text), { kind: "float", value }, text);
            }
            const nan = scalar(".NaN");
            assert.ok(nan.kind === "float" && Number.isNaN(nan.value));
        });

        it("leaves as text what no rule types: overflowing floats, dates, versions, bare prefixes", () => {
            for (const text of [
                "1e400",
                "2024-01-01",
                "1.2.3",
                "0x",
                "0b2",
                "0o8",
                ".e3",
                "._5",
                "1e",
                "10.10.0.0/16",
            ]) {
                assert.deepEqual(scalar(text), { kind: "string", value: text }, text);
            }
        });
    });

    it("keeps quoted, block and !!str-tagged scalars as text, whatever they spell", () => {
        assert.deepEqual(scalar("'yes'"), { kind: "string", value: "yes" });
        assert.deepEqual(scalar('"0x10"'), { kind: "string", value: "0x10" });
        assert.deepEqual(scalar("!!str 42"), { kind: "string", value: "42" });
        assert.deepEqual(scalar("''"), { kind: "string", value: "" });
        const { value } = decoded("v: |\n  true\n");
        assert.ok(value.kind === "map");
        assert.deepEqual(value.entries.get("v"), { kind: "string", value: "true\n" });
        const plain = new Scalar("true");
        plain.type = Scalar.QUOTE_DOUBLE;
        assert.deepEqual(resolveScalar(plain), { kind: "string", value: "true" });
    });

    describe("goJson", () => {
        /** [YAML, the JSON Go writes for it] rows, by rule. */
        const writes: ReadonlyArray<{
            readonly requirement: string;
            readonly rows: ReadonlyArray<[string, string]>;
        }> = [
            {
                // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16.
                requirement: "sorts object keys by their UTF-8 bytes, as Go does, not by UTF-16 code units",
                rows: [
                    [
                        "{b: 1, a: 2, B: 3, '~': 4, 'é': 5, '\uff21': 6, '\u{1f600}': 7}",
                        '{"B":3,"a":2,"b":1,"~":4,"é":5,"\uff21":6,"\u{1f600}":7}',
                    ],
                ],
            },
            {
                requirement:
                    "writes integers exactly, and floats in Go's notation (exponent below 1e-6 and from 1e21)",
                rows: [
                    [
                        "[18446744073709551615, -9223372036854775808]",
                        "[18446744073709551615,-9223372036854775808]",
                    ],
                    [
                        "[1e21, 1e20, 1e-7, 0.000001, 1.5, -0.0, 8.40]",
                        "[1e+21,100000000000000000000,1e-7,0.000001,1.5,-0,8.4]",
                    ],
                ],
            },
            {
                requirement: "writes null, booleans and strings as JSON",
                rows: [
                    ['[~, yes, off, "a\\"b", "line\\nbreak"]', '[null,true,false,"a\\"b","line\\nbreak"]'],
                ],
            },
        ];

        for (const { requirement, rows } of writes) {
            it(requirement, () => {
                for (const [yaml, expected] of rows) {
                    assert.equal(json(yaml), expected, yaml);
                }
            });
        }

        it("refuses NaN and infinities, naming where they are", () => {
            const problems: DecodeProblem[] = [];
            const { value } = decoded("{a: [1, .nan], b: {c: -.inf}}");
            assert.equal(goJson(value, problems), undefined);
            assert.deepEqual(problems, [
                { path: ".a[1]", message: "NaN cannot be written as JSON (no NaN or Infinity)" },
                { path: ".b.c", message: "-Infinity cannot be written as JSON (no NaN or Infinity)" },
            ]);
        });
    });

    describe("decode", () => {
        it("writes map keys as Go's %v prints them: numbers, booleans and null become text", () => {
            assert.equal(
                json("{1: a, 0x10: b, y: c, ~: d, 1.5: e, '2': f}"),
                '{"1":"a","1.5":"e","16":"b","2":"f","<nil>":"d","true":"c"}',
                "a key y is the boolean true",
            );
        });

        it("reports a key set twice with the line of the second, and keeps the last value", () => {
            const { value, problems } = decoded("a: 1\nb: 2\na: 3\n");
            assert.deepEqual(problems, [
                { path: "", message: 'sets "a" twice (again at line 3); remove one of them' },
            ]);
            assert.equal(goJson(value, []), '{"a":3,"b":2}');
            const nested = decoded("outer:\n  x: 1\n  x: 2\n").problems;
            assert.deepEqual(
                nested.map((p) => p.path),
                [".outer"],
            );
        });

        it("follows aliases, and lets the earliest of several merged maps win", () => {
            const text = [
                "first: &first { x: 1 }",
                "second: &second { x: 2, w: 2 }",
                "alias: *first",
                "merged: { <<: [*first, *second], z: 3 }",
            ].join("\n");
            const { value, problems } = decoded(text);
            assert.deepEqual(problems, []);
            assert.ok(value.kind === "map");
            assert.equal(goJson(value.entries.get("alias")!, []), '{"x":1}');
            assert.equal(goJson(value.entries.get("merged")!, []), '{"w":2,"x":1,"z":3}');
        });

        it("stops at 64 levels of nesting with a problem instead of recursing without end", () => {
            const { problems } = decoded(`v: ${"[".repeat(70)}${"]".repeat(70)}`);
            assert.equal(problems.length, 1);
            assert.equal(problems[0].message, "is nested too deeply (or refers to itself)");
            assert.match(problems[0].path, /^\.v(\[0\])+$/);
        });
    });
});
