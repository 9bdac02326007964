// Runs a packaged Lambda function (e.g. the `__index.js` Pulumi's closure serializer produced) in a separate,
// clean `node` process: its own temp directory as cwd, a node_modules holding only the given packages and their
// dependencies (symlinked, resolved with --preserve-symlinks so nothing outside the temp dir is reachable
// through module resolution), and only the given environment.
import { execFile } from "node:child_process";
import {
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const PROJECT_MODULES = resolve(__dirname, "../node_modules");
const RUN_TIMEOUT_MS = 30_000;

/** An error the packaged handler threw, with its `step` when it had one. */
export class PackagedError extends Error {
    readonly step?: string;
    readonly errorName: string;

    constructor(name: string, message: string, step?: string) {
        super(message);
        this.name = "PackagedError";
        this.errorName = name;
        if (step !== undefined) this.step = step;
    }
}

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Expands "@scope/*" into every package of that scope in the project's node_modules. */
function expand(names: string[]): string[] {
    const out: string[] = [];
    for (const name of names) {
        if (name.endsWith("/*")) {
            const scope = name.slice(0, -2);
            const dir = join(PROJECT_MODULES, scope);
            if (existsSync(dir)) for (const entry of readdirSync(dir)) out.push(`${scope}/${entry}`);
        } else {
            out.push(name);
        }
    }
    return out;
}

/**
 * The top-level packages (names in the project's node_modules) needed by `names`: the packages
 * themselves and, recursively, every dependency that is not nested inside a package's own node_modules.
 */
export function dependencyClosure(names: string[]): string[] {
    const needed = new Set<string>();
    const queue: Array<{ name: string; from: string }> = expand(names).map((name) => ({
        name,
        from: PROJECT_MODULES,
    }));
    for (let guard = 0; queue.length > 0 && guard < 100_000; guard++) {
        const { name, from } = queue.shift() as { name: string; from: string };
        // Resolve like Node: the nearest node_modules upwards from the requiring package.
        let dir: string | undefined;
        for (let base = from; base.startsWith(PROJECT_MODULES); base = dirname(base)) {
            const candidate = base.endsWith("node_modules")
                ? join(base, name)
                : join(base, "node_modules", name);
            if (existsSync(join(candidate, "package.json"))) {
                dir = candidate;
                break;
            }
            if (base === PROJECT_MODULES) break;
        }
        if (!dir) continue; // optional or peer dependency that is not installed
        const nested = dir !== join(PROJECT_MODULES, name);
        if (!nested) {
            if (needed.has(name)) continue;
            needed.add(name);
        }
        const pkg = readJson(join(dir, "package.json"));
        const deps = {
            ...(pkg.dependencies as Record<string, string> | undefined),
            ...(pkg.optionalDependencies as Record<string, string> | undefined),
        };
        for (const dep of Object.keys(deps)) queue.push({ name: dep, from: dir });
    }
    return [...needed].sort();
}

/**
 * Writes `files` into a fresh temp dir, links `modulesFrom` (and their dependencies) into its node_modules
 * unless the files already provide them, runs `require("./__index.js").handler(event)` in a clean node process
 * with only `env` (plus PATH), and returns the handler's result; rejects with PackagedError when it throws.
 */
export async function runPackaged(
    files: Record<string, string>,
    modulesFrom: string[],
    env: Record<string, string>,
    event: unknown,
): Promise<unknown> {
    const dir = mkdtempSync(join(tmpdir(), "packaged-fn-"));
    try {
        for (const [path, content] of Object.entries(files)) {
            const target = resolve(dir, path);
            if (!target.startsWith(dir + "/"))
                throw new Error(`runPackaged: path escapes the package: ${path}`);
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, content);
        }
        const modules = join(dir, "node_modules");
        mkdirSync(modules, { recursive: true });
        for (const name of dependencyClosure(modulesFrom)) {
            const target = join(modules, name);
            if (existsSync(target)) continue;
            mkdirSync(dirname(target), { recursive: true });
            symlinkSync(join(PROJECT_MODULES, name), target, "dir");
        }
        writeFileSync(join(dir, "__event.json"), JSON.stringify(event ?? null));
        writeFileSync(
            join(dir, "__run.js"),
            `"use strict";
const event = JSON.parse(require("fs").readFileSync(__dirname + "/__event.json", "utf8"));
const out = (value) => process.stdout.write("\\n__RESULT__" + JSON.stringify(value) + "\\n");
Promise.resolve()
    .then(() => require("./__index.js").handler(event, { awsRequestId: "packaged-run" }))
    .then((result) => out({ ok: true, result }), (e) => out({ ok: false, name: e && e.name, message: e && e.message, step: e && e.step }))
    .finally(() => process.exit(0));
`,
        );
        const stdout = await new Promise<string>((resolvePromise, reject) => {
            execFile(
                process.execPath,
                ["--preserve-symlinks", "--preserve-symlinks-main", "__run.js"],
                {
                    cwd: dir,
                    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NODE_PATH: "", ...env },
                    timeout: RUN_TIMEOUT_MS,
                    maxBuffer: 16 * 1024 * 1024,
                },
                (error, out, err) => {
                    if (error)
                        reject(
                            new Error(`packaged function process failed: ${error.message}\n${out}\n${err}`),
                        );
                    else resolvePromise(out);
                },
            );
        });
        const marker = stdout.lastIndexOf("\n__RESULT__");
        if (marker < 0) throw new Error(`packaged function printed no result:\n${stdout}`);
        const outcome = JSON.parse(stdout.slice(marker + "\n__RESULT__".length)) as {
            ok: boolean;
            result?: unknown;
            name?: string;
            message?: string;
            step?: string;
        };
        if (!outcome.ok) {
            throw new PackagedError(
                outcome.name ?? "Error",
                outcome.message ?? "",
                outcome.step ?? undefined,
            );
        }
        return outcome.result;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
