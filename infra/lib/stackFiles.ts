// Stack files (`Pulumi.<stack>.yaml`) read the way the Pulumi CLI reads them, so the offline plan, the
// policy pack and ops see exactly the config a `pulumi up` would hand the program:
// - YAML as the CLI's parser (go-yaml v2) resolves it: `8.4` is a number and reaches the program as "8.4",
//   `1e3` as "1000", `yes`/`on` as "true", `012345678901` (an account id left unquoted) as "12345678901";
//   quoted values stay text. Lists and objects reach it as JSON text (object keys sorted, as Go writes them).
// - keys are `<namespace>:<name>` (or the old `<namespace>:config:<name>`), refused otherwise in the CLI's words;
//   an unknown namespace is refused too, since a typo there silently leaves our key unset.
// - `secure:` values are never decrypted: the program gets a placeholder and the key is marked secret.
// Every problem of a file is reported at once. No Pulumi here: plan, policy and ops all import this.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar } from "yaml";
import type { Document } from "yaml";
import { PROJECT } from "./constants";

/** How a secret value is shown anywhere a person reads it. */
export const SECRET_SHOWN = "[secret]";

/** Namespaces a key of this project's stack files may use: ours, the providers it uses, Pulumi's own. */
export const KNOWN_NAMESPACES: readonly string[] = [PROJECT, "aws", "awsx", "random", "pulumi"];

export interface StackFileProblem {
    /** The config key (`namespace:name`) the problem is about; empty for the file as a whole. */
    readonly key: string;
    readonly message: string;
}

export interface StackFile {
    /** The stack's name, from the file name (`Pulumi.dev.yaml` → `dev`). */
    readonly stack: string;
    readonly file: string;
    /** Config as the CLI hands it to the program: `namespace:name` → text (lists and objects as JSON). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys whose value is, or holds, a `secure:` value. */
    readonly secretKeys: readonly string[];
    /** What the program receives in place of each secure value (so a plan can redact it wherever it flows). */
    readonly placeholders: readonly string[];
}

export type StackFileResult =
    | { readonly ok: true; readonly stackFile: StackFile }
    | { readonly ok: false; readonly file: string; readonly problems: readonly StackFileProblem[] };

/** `<file>: <key>: <message>`: the one way a stack-file problem is printed. */
export function formatProblem(file: string, problem: StackFileProblem): string {
    return `${file}: ${problem.key ? `${problem.key}: ` : ""}${problem.message}`;
}

/** The stack name a stack file is for, or undefined when the name is not `Pulumi.<stack>.yaml`. */
export function stackNameOf(file: string): string | undefined {
    return /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1];
}

/** Every stack file in `dir` (not `Pulumi.yaml` itself), sorted by name. */
export function stackFilesIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((name) => stackNameOf(name) !== undefined)
        .sort()
        .map((name) => path.join(dir, name));
}

export function readStackFile(file: string): StackFileResult {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const reason =
            (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
        return { ok: false, file, problems: [{ key: "", message: reason }] };
    }
    return parseStackFile(text, file);
}

/** Reads stack-file text; `file` names the stack (`Pulumi.<stack>.yaml`) and every message. */
export function parseStackFile(text: string, file: string): StackFileResult {
    const stack = stackNameOf(file);
    if (stack === undefined) {
        return {
            ok: false,
            file,
            problems: [{ key: "", message: "a stack file is named Pulumi.<stack>.yaml" }],
        };
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { schema: "failsafe", uniqueKeys: false, lineCounter: lines });
    if (doc.errors.length > 0) {
        return {
            ok: false,
            file,
            problems: doc.errors.map((e) => ({
                key: "",
                message: `invalid YAML at line ${e.linePos?.[0].line ?? "?"}: ${e.message.split(" at line")[0]}`,
            })),
        };
    }
    const reader = new Reader(doc, lines);
    const result = reader.read();
    return reader.problems.length > 0
        ? { ok: false, file, problems: reader.problems }
        : { ok: true, stackFile: { stack, file, ...result } };
}

/** A value as go-yaml v2 decodes it into `interface{}`, then as Pulumi's config `object` holds it. */
type Resolved =
    | { readonly kind: "null" }
    | { readonly kind: "bool"; readonly value: boolean }
    | { readonly kind: "int"; readonly value: bigint }
    | { readonly kind: "float"; readonly value: number }
    | { readonly kind: "string"; readonly value: string; readonly secret?: boolean }
    | { readonly kind: "list"; readonly items: Resolved[] }
    | { readonly kind: "map"; readonly entries: Map<string, Resolved> };

class Reader {
    readonly problems: StackFileProblem[] = [];
    private readonly placeholders: string[] = [];
    private hasSecret = false;

    constructor(
        private readonly doc: Document,
        private readonly lines: LineCounter,
    ) {}

    read(): Omit<StackFile, "stack" | "file"> {
        const values: Record<string, string> = {};
        const secretKeys: string[] = [];
        const root = this.doc.contents;
        if (root === null || (isScalar(root) && this.resolve(root, "").kind === "null")) {
            return { values, secretKeys, placeholders: [] };
        }
        if (!isMap(root)) {
            this.problems.push({
                key: "",
                message: "a stack file is a YAML mapping with a `config:` section",
            });
            return { values, secretKeys, placeholders: [] };
        }
        const config = root.items.find((pair) => isScalar(pair.key) && pair.key.value === "config")?.value;
        if (config === null || config === undefined || (isScalar(config) && config.value === "")) {
            return { values, secretKeys, placeholders: [] };
        }
        if (!isMap(config)) {
            this.problems.push({ key: "config", message: "must be a mapping of `<namespace>:<name>` keys" });
            return { values, secretKeys, placeholders: [] };
        }
        const seenAt = new Map<string, number>();
        for (const pair of config.items) {
            const written = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
            const line = this.lineOf(pair.key as Node);
            const key = this.parseKey(written);
            if (!key) {
                continue;
            }
            if (seenAt.has(key)) {
                this.problems.push({
                    key,
                    message:
                        `is set twice (lines ${seenAt.get(key)} and ${line}); the Pulumi CLI would silently keep ` +
                        `the last one, so remove one of them`,
                });
                continue;
            }
            seenAt.set(key, line);
            this.hasSecret = false;
            const value = this.resolve(pair.value as Node | null, key);
            const text = this.toText(value, key);
            if (text !== undefined) {
                values[key] = text;
            }
            if (this.hasSecret) {
                secretKeys.push(key);
            }
        }
        return { values, secretKeys, placeholders: this.placeholders };
    }

    /** The CLI's `config.ParseKey`, then our namespace rule; undefined (with a problem) when refused. */
    private parseKey(written: string): string | undefined {
        const parts = written.split(":");
        let key: string | undefined;
        if (parts.length === 2) {
            key = written;
        } else if (parts.length === 3 && parts[1] === "config") {
            // The CLI's compatibility form `<namespace>:config:<name>` means `<namespace>:<name>`.
            key = `${parts[0]}:${parts[2]}`;
        }
        if (!key) {
            const hint = parts.length === 1 ? `; write ${PROJECT}:${written}` : "";
            this.problems.push({
                key: written,
                message:
                    `could not parse ${written} as a configuration key ` +
                    `(configuration keys should be of the form \`<namespace>:<name>\`)${hint}`,
            });
            return undefined;
        }
        const namespace = key.slice(0, key.indexOf(":"));
        if (!KNOWN_NAMESPACES.includes(namespace)) {
            this.problems.push({
                key,
                message:
                    `unknown namespace "${namespace}": did you mean ${nearestNamespace(namespace)}:? ` +
                    `(known: ${KNOWN_NAMESPACES.join(", ")})`,
            });
            return undefined;
        }
        return key;
    }

    private lineOf(node: Node | null | undefined): number {
        return node?.range ? this.lines.linePos(node.range[0]).line : 0;
    }

    private resolve(node: Node | null | undefined, at: string, depth = 0): Resolved {
        if (depth > 64) {
            this.problems.push({ key: at, message: "is nested too deeply (or refers to itself)" });
            return { kind: "null" };
        }
        if (node === null || node === undefined) {
            return { kind: "null" };
        }
        if (isAlias(node)) {
            return this.resolve(node.resolve(this.doc) as Node | undefined, at, depth + 1);
        }
        if (isScalar(node)) {
            return resolveScalar(node);
        }
        if (isSeq(node)) {
            return {
                kind: "list",
                items: node.items.map((item, i) => this.resolve(item as Node, `${at}[${i}]`, depth + 1)),
            };
        }
        if (isMap(node)) {
            const entries = new Map<string, Resolved>();
            const merged: Array<[string, Resolved]> = [];
            for (const pair of node.items) {
                if (!isPair(pair)) {
                    continue;
                }
                const keyNode = pair.key as Node | null;
                const name = keyNode && isScalar(keyNode) ? keyText(resolveScalar(keyNode)) : String(keyNode);
                if (keyNode && isScalar(keyNode) && keyNode.type === Scalar.PLAIN && keyNode.value === "<<") {
                    // YAML merge keys, which go-yaml v2 honours: keys already present win.
                    const source = this.resolve(pair.value as Node, at, depth + 1);
                    const sources = source.kind === "list" ? source.items : [source];
                    for (const s of sources) {
                        if (s.kind === "map") {
                            merged.push(...s.entries);
                        }
                    }
                    continue;
                }
                if (entries.has(name)) {
                    this.problems.push({
                        key: at,
                        message: `sets "${name}" twice (line ${this.lineOf(keyNode)}); remove one of them`,
                    });
                }
                entries.set(name, this.resolve(pair.value as Node, `${at}.${name}`, depth + 1));
            }
            for (const [name, value] of merged) {
                if (!entries.has(name)) {
                    entries.set(name, value);
                }
            }
            const secure = entries.get("secure");
            if (entries.size === 1 && secure?.kind === "string") {
                return this.secret(at);
            }
            return { kind: "map", entries };
        }
        return { kind: "null" };
    }

    /** A secure value: never decrypted; the program gets a placeholder that names no secret. */
    private secret(at: string): Resolved {
        this.hasSecret = true;
        const placeholder = `secret_placeholder_${crypto.createHash("sha256").update(at).digest("hex").slice(0, 12)}`;
        this.placeholders.push(placeholder);
        return { kind: "string", value: placeholder, secret: true };
    }

    /** Pulumi's `object.MarshalString`: scalars as text, lists and objects as JSON. */
    private toText(value: Resolved, key: string): string | undefined {
        if (value.kind === "null") {
            // go-yaml v2 never calls the config value's decoder for a null: the program gets "".
            return "";
        }
        return value.kind === "string" ? value.value : this.toJson(value, key);
    }

    private toJson(value: Resolved, at: string): string | undefined {
        switch (value.kind) {
            case "null":
                return "null";
            case "bool":
                return String(value.value);
            case "int":
                return value.value.toString();
            case "float":
                if (!Number.isFinite(value.value)) {
                    this.problems.push({
                        key: at,
                        message: `${value.value} cannot be handed to the program (JSON has no NaN or Infinity)`,
                    });
                    return undefined;
                }
                return Object.is(value.value, -0) ? "-0" : String(value.value);
            case "string":
                return JSON.stringify(value.value);
            case "list": {
                const items = value.items.map((item, i) => this.toJson(item, `${at}[${i}]`));
                return items.includes(undefined) ? undefined : `[${items.join(",")}]`;
            }
            case "map": {
                // Go's encoding/json writes map keys sorted by their bytes.
                const names = [...value.entries.keys()].sort((a, b) =>
                    Buffer.compare(Buffer.from(a), Buffer.from(b)),
                );
                const members = names.map((name) => {
                    const member = this.toJson(value.entries.get(name)!, `${at}.${name}`);
                    return member === undefined ? undefined : `${JSON.stringify(name)}:${member}`;
                });
                return members.includes(undefined) ? undefined : `{${members.join(",")}}`;
            }
        }
    }
}

function keyText(resolved: Resolved): string {
    switch (resolved.kind) {
        case "null":
            return "<nil>";
        case "bool":
        case "float":
            return String(resolved.value);
        case "int":
            return resolved.value.toString();
        case "string":
            return resolved.value;
        default:
            return "";
    }
}

// go-yaml v2's resolver (resolve.go): a plain scalar's type comes from its text.
const YAML_11_BOOLS: Readonly<Record<string, boolean>> = Object.fromEntries([
    ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true]),
    ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) => [s, false]),
]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
    ".nan": NaN,
    ".NaN": NaN,
    ".NAN": NaN,
    ...Object.fromEntries(
        ["", "+", "-"].flatMap((sign) =>
            [".inf", ".Inf", ".INF"].map((s) => [`${sign}${s}`, sign === "-" ? -Infinity : Infinity]),
        ),
    ),
};
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function resolveScalar(node: Scalar): Resolved {
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
    const first = text[0];
    if (first === ".") {
        const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : NaN;
        return Number.isFinite(value) ? { kind: "float", value } : { kind: "string", value: text };
    }
    if (!/[-+0-9]/.test(first)) {
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

function nearestNamespace(namespace: string): string {
    const ranked = KNOWN_NAMESPACES.map((known) => ({ known, d: editDistance(namespace, known) })).sort(
        (a, b) => a.d - b.d,
    );
    return ranked[0].d <= Math.max(2, Math.floor(ranked[0].known.length / 4)) ? ranked[0].known : PROJECT;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}
