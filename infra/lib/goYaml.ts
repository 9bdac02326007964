// YAML as the Pulumi CLI reads it: go-yaml v2 (v2.4, resolve.go) decides each plain scalar's type from its
// text, YAML 1.1 style (`yes`/`on` are booleans, a leading 0 is octal, `1e3` is a float), and Go's
// encoding/json writes the result (map keys sorted). stackFiles.ts builds on this; nothing else should.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Scalar } from "yaml";
import type { Document } from "yaml";

/** A value as go-yaml v2 decodes it into `interface{}`. */
export type GoValue =
    | { readonly kind: "null" }
    | { readonly kind: "bool"; readonly value: boolean }
    | { readonly kind: "int"; readonly value: bigint }
    | { readonly kind: "float"; readonly value: number }
    | { readonly kind: "string"; readonly value: string }
    | { readonly kind: "list"; readonly items: GoValue[] }
    | { readonly kind: "map"; readonly entries: Map<string, GoValue> };

/** A problem at `path` below the value being decoded (`.name`, `[0]`, or "" for the value itself). */
export interface DecodeProblem {
    readonly path: string;
    readonly message: string;
}

const MAX_DEPTH = 64;

/** Decodes a parsed YAML node (aliases followed, merge keys applied); a key set twice is a problem. */
export function decode(
    node: Node | null | undefined,
    doc: Document,
    lines: LineCounter,
    problems: DecodeProblem[],
    path = "",
    depth = 0,
): GoValue {
    if (depth > MAX_DEPTH) {
        problems.push({ path, message: "is nested too deeply (or refers to itself)" });
        return { kind: "null" };
    }
    if (node === null || node === undefined) {
        return { kind: "null" };
    }
    if (isAlias(node)) {
        return decode(node.resolve(doc) as Node | undefined, doc, lines, problems, path, depth + 1);
    }
    if (isScalar(node)) {
        return resolveScalar(node);
    }
    if (isSeq(node)) {
        return {
            kind: "list",
            items: node.items.map((item, i) =>
                decode(item as Node, doc, lines, problems, `${path}[${i}]`, depth + 1),
            ),
        };
    }
    if (!isMap(node)) {
        return { kind: "null" };
    }
    const entries = new Map<string, GoValue>();
    const merged: Array<[string, GoValue]> = [];
    for (const pair of node.items) {
        if (!isPair(pair)) {
            continue;
        }
        const keyNode = pair.key as Node | null;
        if (keyNode && isScalar(keyNode) && keyNode.type === Scalar.PLAIN && keyNode.value === "<<") {
            // A merge key, which go-yaml v2 honours: keys written in the mapping itself win.
            const source = decode(pair.value as Node, doc, lines, problems, path, depth + 1);
            for (const s of source.kind === "list" ? source.items : [source]) {
                if (s.kind === "map") {
                    merged.push(...s.entries);
                }
            }
            continue;
        }
        const name = keyNode && isScalar(keyNode) ? keyText(resolveScalar(keyNode)) : String(keyNode);
        if (entries.has(name)) {
            const line = keyNode?.range ? lines.linePos(keyNode.range[0]).line : "?";
            problems.push({
                path,
                message: `sets "${name}" twice (again at line ${line}); remove one of them`,
            });
        }
        entries.set(name, decode(pair.value as Node, doc, lines, problems, `${path}.${name}`, depth + 1));
    }
    for (const [name, value] of merged) {
        if (!entries.has(name)) {
            entries.set(name, value);
        }
    }
    return { kind: "map", entries };
}

/** Go's `json.Marshal` of the value; undefined (with a problem) for NaN and infinities, which JSON lacks. */
export function goJson(value: GoValue, problems: DecodeProblem[], path = ""): string | undefined {
    switch (value.kind) {
        case "null":
            return "null";
        case "bool":
            return String(value.value);
        case "int":
            return value.value.toString();
        case "float":
            if (!Number.isFinite(value.value)) {
                problems.push({
                    path,
                    message: `${value.value} cannot be written as JSON (no NaN or Infinity)`,
                });
                return undefined;
            }
            // JavaScript and Go switch to exponent notation at the same bounds (1e21, 1e-6).
            return Object.is(value.value, -0) ? "-0" : String(value.value);
        case "string":
            return JSON.stringify(value.value);
        case "list": {
            const items = value.items.map((item, i) => goJson(item, problems, `${path}[${i}]`));
            return items.includes(undefined) ? undefined : `[${items.join(",")}]`;
        }
        case "map": {
            // Go writes map keys sorted by their bytes.
            const names = [...value.entries.keys()].sort((a, b) =>
                Buffer.compare(Buffer.from(a), Buffer.from(b)),
            );
            const members = names.map((name) => {
                const member = goJson(value.entries.get(name)!, problems, `${path}.${name}`);
                return member === undefined ? undefined : `${JSON.stringify(name)}:${member}`;
            });
            return members.includes(undefined) ? undefined : `{${members.join(",")}}`;
        }
    }
}

/** A map key as Go's `fmt.Sprintf("%v", key)` writes it. */
function keyText(value: GoValue): string {
    switch (value.kind) {
        case "null":
            return "<nil>";
        case "int":
            return value.value.toString();
        case "bool":
        case "float":
        case "string":
            return String(value.value);
        default:
            return "";
    }
}

const YAML_11_BOOLS: Readonly<Record<string, boolean>> = Object.fromEntries([
    ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true]),
    ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) => [s, false]),
]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: Readonly<Record<string, number>> = Object.fromEntries([
    ...[".nan", ".NaN", ".NAN"].map((s) => [s, NaN]),
    ...["", "+", "-"].flatMap((sign) =>
        [".inf", ".Inf", ".INF"].map((s) => [`${sign}${s}`, sign === "-" ? -Infinity : Infinity]),
    ),
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** go-yaml v2's `resolve`: quoted and block scalars are text; a plain scalar's type comes from its text. */
export function resolveScalar(node: Scalar): GoValue {
    const text = String(node.value);
    if (node.type !== Scalar.PLAIN || node.tag === "tag:yaml.org,2002:str") {
        return { kind: "string", value: text };
    }
    if (NULLS.has(text)) {
        return { kind: "null" };
    }
    if (text in YAML_11_BOOLS) {
        return { kind: "bool", value: YAML_11_BOOLS[text] };
    }
    if (text in SPECIAL_FLOATS) {
        return { kind: "float", value: SPECIAL_FLOATS[text] };
    }
    if (text.startsWith(".")) {
        const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
        return Number.isFinite(value) ? { kind: "float", value } : { kind: "string", value: text };
    }
    if (!/^[-+0-9]/.test(text)) {
        return { kind: "string", value: text };
    }
    const plain = text.replace(/_/g, "");
    const int = goParseInt(plain, false) ?? goParseInt(plain, true);
    if (int !== undefined) {
        return { kind: "int", value: int };
    }
    if (YAML_STYLE_FLOAT.test(plain)) {
        const value = Number(plain);
        // Go's ParseFloat fails on overflow, and the scalar then stays text.
        if (Number.isFinite(value)) {
            return { kind: "float", value };
        }
    }
    return { kind: "string", value: text };
}

/** Go's `strconv.ParseInt(s, 0, 64)` (or `ParseUint`): base prefixes, a leading 0 is octal, 64-bit range. */
function goParseInt(s: string, unsigned: boolean): bigint | undefined {
    let rest = s;
    let negative = false;
    if (!unsigned && (rest.startsWith("-") || rest.startsWith("+"))) {
        negative = rest.startsWith("-");
        rest = rest.slice(1);
    }
    const prefixed = /^0([xXoObB])(.+)$/.exec(rest);
    const radix = prefixed ? prefixed[1].toLowerCase() : rest.length > 1 && rest.startsWith("0") ? "o" : "";
    const digits = prefixed ? prefixed[2] : radix === "o" ? rest.slice(1) : rest;
    const valid = { x: /^[0-9a-fA-F]+$/, o: /^[0-7]+$/, b: /^[01]+$/, "": /^[0-9]+$/ }[radix];
    if (!valid?.test(digits)) {
        return undefined;
    }
    const magnitude = BigInt(radix ? `0${radix}${digits}` : digits);
    const value = negative ? -magnitude : magnitude;
    const [min, max] = unsigned ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
    return value < min || value > max ? undefined : value;
}
