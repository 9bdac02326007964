// Stack files (`Pulumi.<stack>.yaml`) read the way the Pulumi CLI reads them, so the offline plan, the
// policy pack and ops see exactly the config a `pulumi up` would hand the program:
// - values as the CLI's YAML parser types them (goYaml.ts): `8.4` reaches the program as "8.4", `1e3` as
//   "1000", `yes` as "true", an unquoted `012345678901` as "12345678901"; lists and objects as JSON text;
// - keys are `<namespace>:<name>` (or the old `<namespace>:config:<name>`), refused otherwise in the CLI's
//   words; an unknown namespace is refused too, since a typo there silently leaves our key unset;
// - `secure:` values are never decrypted: the program gets a placeholder and the key is marked secret;
// - the project file's `config:` applies as the CLI applies it: defaults fill absent keys, a key declared
//   without a default is required in every stack, declared types are checked.
// Every problem is reported at once. No Pulumi here: plan, policy and ops all import this module.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, LineCounter, Node, parseDocument } from "yaml";
import type { Document } from "yaml";
import { PROJECT } from "./constants";
import { decode, DecodeProblem, GoValue, goJson } from "./goYaml";

/** How a secret value is shown anywhere a person reads it. */
export const SECRET_SHOWN = "[secret]";

/** Namespaces a key of this project's stack files may use: ours, the providers it uses, Pulumi's own. */
export const KNOWN_NAMESPACES: readonly string[] = [PROJECT, "aws", "awsx", "random", "pulumi"];

export interface StackFileProblem {
    /** The config key (`namespace:name`, with a path inside its value) the problem is about; "" for the file. */
    readonly key: string;
    readonly message: string;
    /** The file at fault when it is not the stack file (the project file). */
    readonly file?: string;
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

interface ItemsType {
    readonly type: string;
    readonly items?: ItemsType;
}

/** One key of the project file's `config:`, as the CLI reads it. */
interface Declaration {
    /** As written in the project file. */
    readonly written: string;
    /** `namespace:name`. */
    readonly key: string;
    readonly type?: string;
    readonly items?: ItemsType;
    readonly default?: GoValue;
    readonly value?: GoValue;
    readonly secret: boolean;
}

export interface ProjectConfig {
    readonly file: string;
    readonly name: string;
    readonly declarations: readonly Declaration[];
}

export type ProjectFileResult =
    | { readonly ok: true; readonly project: ProjectConfig }
    | { readonly ok: false; readonly file: string; readonly problems: readonly StackFileProblem[] };

/** `<file>: <key>: <message>`: the one way a stack-file problem is printed. */
export function formatProblem(file: string, problem: StackFileProblem): string {
    return `${problem.file ?? file}: ${problem.key ? `${problem.key}: ` : ""}${problem.message}`;
}

/** The stack a stack file is for, or undefined when the name is not `Pulumi.<stack>.yaml`. */
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

/**
 * Reads a stack file with the project file the CLI would use with it: `project` when given, else the
 * `Pulumi.yaml` next to it (none when there is none).
 */
export function readStackFile(file: string, project?: ProjectConfig): StackFileResult {
    const text = readText(file);
    if (typeof text !== "string") {
        return { ok: false, file, problems: [text] };
    }
    let config = project;
    const sibling = path.join(path.dirname(file), "Pulumi.yaml");
    if (!config && fs.existsSync(sibling)) {
        const read = readProjectFile(sibling);
        if (!read.ok) {
            return { ok: false, file, problems: read.problems };
        }
        config = read.project;
    }
    return parseStackFile(text, file, config);
}

export function readProjectFile(file: string): ProjectFileResult {
    const text = readText(file);
    return typeof text === "string" ? parseProjectFile(text, file) : { ok: false, file, problems: [text] };
}

/** Reads stack-file text; `file` names the stack (`Pulumi.<stack>.yaml`) and every message. */
export function parseStackFile(text: string, file: string, project?: ProjectConfig): StackFileResult {
    const stack = stackNameOf(file);
    if (stack === undefined) {
        return fail(file, [{ key: "", message: "a stack file is named Pulumi.<stack>.yaml" }]);
    }
    const parsed = parseYaml(text);
    if ("problems" in parsed) {
        return fail(file, parsed.problems);
    }
    const problems: StackFileProblem[] = [];
    const config = section(parsed.doc, "config", problems);
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const objectKeys = new Set<string>();
    const placeholders: string[] = [];
    const seenAt = new Map<string, number>();
    for (const pair of config) {
        const written = pairKey(pair.key);
        const line = lineOf(parsed.lines, pair.key);
        const key = parseKey(written, problems);
        if (!key) {
            continue;
        }
        if (seenAt.has(key)) {
            problems.push({
                key,
                message:
                    `is set twice (lines ${seenAt.get(key)} and ${line}); the Pulumi CLI would silently keep ` +
                    `the last one, so remove one of them`,
            });
            continue;
        }
        seenAt.set(key, line);
        const decodeProblems: DecodeProblem[] = [];
        const decoded = decode(pair.value, parsed.doc, parsed.lines, decodeProblems);
        const secrets = { placeholders: [] as string[] };
        const value = withPlaceholders(decoded, key, secrets);
        const textValue = configText(value, decodeProblems);
        problems.push(...decodeProblems.map((p) => ({ key: `${key}${p.path}`, message: p.message })));
        if (textValue !== undefined) {
            values[key] = textValue;
        }
        if (secrets.placeholders.length > 0) {
            secretKeys.push(key);
            placeholders.push(...secrets.placeholders);
        }
        if (value.kind === "list" || value.kind === "map") {
            objectKeys.add(key);
        }
    }
    if (project) {
        problems.push(...applyProject(project, stack, values, secretKeys, objectKeys));
    }
    return problems.length > 0
        ? fail(file, problems)
        : { ok: true, stackFile: { stack, file, values, secretKeys, placeholders } };
}

/** Reads the project file's `name` and `config:` declarations, refusing what the CLI's validation refuses. */
export function parseProjectFile(text: string, file: string): ProjectFileResult {
    const parsed = parseYaml(text);
    if ("problems" in parsed) {
        return { ok: false, file, problems: parsed.problems.map((p) => ({ ...p, file })) };
    }
    const problems: StackFileProblem[] = [];
    const root = parsed.doc.contents;
    const nameNode = isMap(root) ? (root.get("name", true) as Node | undefined) : undefined;
    const name = nameNode && isScalar(nameNode) ? String(nameNode.value) : "";
    if (!name) {
        problems.push({ key: "", message: "project is missing a 'name' attribute", file });
    }
    const declarations: Declaration[] = [];
    for (const pair of section(parsed.doc, "config", problems)) {
        const written = pairKey(pair.key);
        const key = written.includes(":") ? parseKey(written, problems) : `${name}:${written}`;
        if (!key) {
            continue;
        }
        const decodeProblems: DecodeProblem[] = [];
        const declaration = toDeclaration(
            written,
            key,
            name,
            decode(pair.value, parsed.doc, parsed.lines, decodeProblems),
        );
        problems.push(
            ...decodeProblems.map((p) => ({ key: `${written}${p.path}`, message: p.message, file })),
        );
        problems.push(
            ...declarationProblems(declaration, name).map((message) => ({ key: written, message, file })),
        );
        declarations.push(declaration);
    }
    return problems.length > 0
        ? { ok: false, file, problems: problems.map((p) => ({ ...p, file })) }
        : { ok: true, project: { file, name, declarations } };
}

function fail(file: string, problems: readonly StackFileProblem[]): StackFileResult {
    return { ok: false, file, problems };
}

function readText(file: string): string | StackFileProblem {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { key: "", message: code === "ENOENT" ? "no such file" : (err as Error).message };
    }
}

function parseYaml(text: string): { doc: Document; lines: LineCounter } | { problems: StackFileProblem[] } {
    const lines = new LineCounter();
    // The failsafe schema keeps every scalar's text, so goYaml.ts can type it as go-yaml v2 does.
    const doc = parseDocument(text, { schema: "failsafe", uniqueKeys: false, lineCounter: lines });
    if (doc.errors.length === 0) {
        return { doc, lines };
    }
    return {
        problems: doc.errors.map((e) => ({
            key: "",
            message: `invalid YAML at line ${e.linePos?.[0].line ?? "?"}: ${e.message.split(" at line")[0]}`,
        })),
    };
}

/** The pairs of a top-level mapping section (none when it is absent or empty). */
function section(
    doc: Document,
    name: string,
    problems: StackFileProblem[],
): Array<{ key: Node; value: Node | null }> {
    const root = doc.contents;
    if (root === null || (isScalar(root) && root.value === "")) {
        return [];
    }
    if (!isMap(root)) {
        problems.push({ key: "", message: `a Pulumi file is a YAML mapping with a \`${name}:\` section` });
        return [];
    }
    const value = root.get(name, true) as Node | undefined;
    if (value === undefined || (isScalar(value) && value.value === "")) {
        return [];
    }
    if (!isMap(value)) {
        problems.push({ key: name, message: "must be a mapping of `<namespace>:<name>` keys" });
        return [];
    }
    return value.items.map((pair) => ({ key: pair.key as Node, value: pair.value as Node | null }));
}

function pairKey(node: Node): string {
    return isScalar(node) ? String(node.value) : String(node);
}

function lineOf(lines: LineCounter, node: Node): number {
    return node.range ? lines.linePos(node.range[0]).line : 0;
}

/** The CLI's `config.ParseKey`, then our namespace rule; undefined (with a problem) when refused. */
function parseKey(written: string, problems: StackFileProblem[]): string | undefined {
    const parts = written.split(":");
    const key =
        parts.length === 2
            ? written
            : parts.length === 3 && parts[1] === "config"
              ? // The CLI's compatibility form `<namespace>:config:<name>` means `<namespace>:<name>`.
                `${parts[0]}:${parts[2]}`
              : undefined;
    if (!key) {
        const hint = parts.length === 1 ? `; write ${PROJECT}:${written}` : "";
        problems.push({
            key: written,
            message:
                `could not parse ${written} as a configuration key ` +
                `(configuration keys should be of the form \`<namespace>:<name>\`)${hint}`,
        });
        return undefined;
    }
    const namespace = key.slice(0, key.indexOf(":"));
    if (!KNOWN_NAMESPACES.includes(namespace)) {
        problems.push({
            key,
            message:
                `unknown namespace "${namespace}": did you mean ${nearestNamespace(namespace)}:? ` +
                `(known: ${KNOWN_NAMESPACES.join(", ")})`,
        });
        return undefined;
    }
    return key;
}

/** Replaces each `{secure: <ciphertext>}` by a placeholder; the ciphertext goes nowhere. */
function withPlaceholders(value: GoValue, at: string, found: { placeholders: string[] }): GoValue {
    if (value.kind === "list") {
        return {
            kind: "list",
            items: value.items.map((item, i) => withPlaceholders(item, `${at}[${i}]`, found)),
        };
    }
    if (value.kind !== "map") {
        return value;
    }
    const secure = value.entries.get("secure");
    if (value.entries.size === 1 && secure?.kind === "string") {
        const hash = crypto.createHash("sha256").update(at).digest("hex").slice(0, 12);
        const placeholder = `secret_placeholder_${hash}`;
        found.placeholders.push(placeholder);
        return { kind: "string", value: placeholder };
    }
    const entries = new Map(
        [...value.entries].map(([k, v]) => [k, withPlaceholders(v, `${at}.${k}`, found)]),
    );
    return { kind: "map", entries };
}

/** Pulumi's `object.MarshalString`: scalars as text, lists and objects as JSON. */
function configText(value: GoValue, problems: DecodeProblem[]): string | undefined {
    if (value.kind === "null") {
        // go-yaml v2 never calls the config value's decoder for a null: the program gets "".
        return "";
    }
    return value.kind === "string" ? value.value : goJson(value, problems);
}

function toDeclaration(written: string, key: string, projectName: string, value: GoValue): Declaration {
    const base = { written, key, secret: false };
    const namespacedByProject = !written.includes(":") || written.startsWith(`${projectName}:`);
    if (value.kind !== "map") {
        // The CLI's shorthand: a bare value is a default for our keys and a fixed value for others'.
        return namespacedByProject ? { ...base, default: value } : { ...base, value };
    }
    const field = (name: string) => value.entries.get(name);
    const text = (v: GoValue | undefined) => (v?.kind === "string" ? v.value : undefined);
    const items = (v: GoValue | undefined): ItemsType | undefined =>
        v?.kind === "map" && text(v.entries.get("type"))
            ? { type: text(v.entries.get("type"))!, items: items(v.entries.get("items")) }
            : undefined;
    const secret = field("secret");
    return {
        ...base,
        type: text(field("type")),
        items: items(field("items")),
        default: field("default"),
        value: field("value"),
        secret: secret?.kind === "bool" && secret.value,
    };
}

/** The CLI's `Project.Validate` for one config declaration, in its words. */
function declarationProblems(d: Declaration, projectName: string): string[] {
    const problems: string[] = [];
    if (d.default && d.value) {
        problems.push(`project config '${d.written}' cannot have both a 'default' and 'value' attribute`);
    }
    if (!d.written.includes(":") || d.written.startsWith(`${projectName}:`)) {
        if (d.type === "array" && !d.items) {
            problems.push(
                `The configuration key '${d.written}' declares an array but does not specify the underlying ` +
                    `type via the 'items' attribute`,
            );
        }
        if (d.type && d.default && !matchesType(d.type, d.items, goToPlain(d.default))) {
            problems.push(
                `The default value specified for configuration key '${d.written}' is not of the expected type ` +
                    `'${typeName(d.type, d.items)}'`,
            );
        }
    } else if (d.type) {
        problems.push(
            `Configuration key '${d.written}' is not namespaced by the project and should not define a type`,
        );
    } else if (!d.value) {
        problems.push(`Configuration key '${d.written}' is namespaced and must provide an attribute 'value'`);
    }
    return problems;
}

/** The CLI's `mergeConfig`: defaults fill absent keys, undeclared-default keys are required, types checked. */
function applyProject(
    project: ProjectConfig,
    stack: string,
    values: Record<string, string>,
    secretKeys: readonly string[],
    objectKeys: ReadonlySet<string>,
): StackFileProblem[] {
    const problems: StackFileProblem[] = [];
    const declarations = [...project.declarations].sort((a, b) => (a.written < b.written ? -1 : 1));
    for (const d of declarations) {
        const fallback = d.value ?? d.default;
        if (!(d.key in values)) {
            if (fallback) {
                values[d.key] = configText(fallback, []) ?? "";
            } else if (d.key.startsWith(`${project.name}:`)) {
                problems.push({
                    key: d.key,
                    message:
                        `Stack '${stack}' is missing configuration value '${d.written}' (${path.basename(project.file)} ` +
                        `declares it without a default, so the Pulumi CLI requires it in every stack)`,
                });
            }
            continue;
        }
        if (d.secret && !secretKeys.includes(d.key)) {
            problems.push({
                key: d.key,
                message: `Stack '${stack}' with configuration key '${d.written}' must be encrypted as it's secret`,
            });
        }
        if (d.type && !secretKeys.includes(d.key)) {
            const content = objectKeys.has(d.key) ? (JSON.parse(values[d.key]) as unknown) : values[d.key];
            if (!matchesType(d.type, d.items, content)) {
                problems.push({
                    key: d.key,
                    message:
                        `Stack '${stack}' with configuration key '${d.written}' must be of type ` +
                        `'${typeName(d.type, d.items)}'`,
                });
            }
        }
    }
    return problems;
}

function typeName(type: string, items: ItemsType | undefined): string {
    return items ? `array<${typeName(items.type, items.items)}>` : type;
}

function goToPlain(value: GoValue): unknown {
    switch (value.kind) {
        case "null":
            return null;
        case "list":
            return value.items.map(goToPlain);
        case "map":
            return Object.fromEntries([...value.entries].map(([k, v]) => [k, goToPlain(v)]));
        default:
            return value.value;
    }
}

/** The CLI's `ValidateConfigValue`: text that parses as the type passes, as do typed YAML/JSON values. */
function matchesType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return (
                typeof value === "bigint" ||
                (typeof value === "number" && Number.isInteger(value)) ||
                (typeof value === "string" && atoi(value))
            );
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        default:
            return (
                Array.isArray(value) &&
                !!items &&
                value.every((item) => matchesType(items.type, items.items, item))
            );
    }
}

/** Go's `strconv.Atoi` accepts it: an optional sign, decimal digits, 64-bit range. */
function atoi(text: string): boolean {
    if (!/^[+-]?\d+$/.test(text)) {
        return false;
    }
    const value = BigInt(text);
    return value >= -(2n ** 63n) && value < 2n ** 63n;
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
