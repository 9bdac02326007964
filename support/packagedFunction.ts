// Runs a function archive the way Lambda does, as far as a laptop can: the zip unpacked into a fresh
// directory under the OS temp dir (outside the repository, so no node_modules of the project is reachable
// by module resolution), loaded by a clean `node` process with only the given environment (no NODE_PATH,
// no NODE_OPTIONS), `require("./__index.js")` timed as the cold module init, then the handler called with
// each event in turn.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { unzipSync } from "fflate";

const RUN_TIMEOUT_MS = 60_000;
const RESULT_MARKER = "\n__PACKAGED_RESULT__";

/** An unpacked archive; `remove()` deletes it. */
export interface UnpackedArchive {
    readonly dir: string;
    remove(): void;
}

/**
 * Unpacks a zip into a new directory under the OS temp dir. Refuses when a node_modules directory above
 * it would let the function load a package its archive lacks.
 */
export function unpackArchive(zip: Uint8Array): UnpackedArchive {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "packaged-fn-")));
    for (let parent = dirname(dir); ; parent = dirname(parent)) {
        if (existsSync(join(parent, "node_modules"))) {
            rmSync(dir, { recursive: true, force: true });
            throw new Error(
                `unpackArchive: ${join(parent, "node_modules")} exists; the run would not be isolated`,
            );
        }
        if (dirname(parent) === parent) break;
    }
    for (const [name, content] of Object.entries(unzipSync(zip))) {
        const target = resolve(dir, name);
        if (!target.startsWith(dir + sep))
            throw new Error(`unpackArchive: entry escapes the directory: ${name}`);
        if (name.endsWith("/")) {
            mkdirSync(target, { recursive: true });
            continue;
        }
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
    }
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What one handler call gave: its result, or the error it threw. */
export type CallOutcome =
    | { readonly ok: true; readonly result: unknown; readonly ms: number }
    | {
          readonly ok: false;
          readonly name: string;
          readonly message: string;
          readonly step?: string;
          readonly code?: string;
          readonly ms: number;
      };

export interface PackagedRun {
    /** Set when `require("./__index.js")` itself threw (a missing module, a failing factory). */
    readonly loadError?: { readonly name: string; readonly message: string; readonly code?: string };
    /** Milliseconds `require("./__index.js")` took: module loading plus the factory. */
    readonly initMs: number;
    /** One outcome per event, in order (none when loading failed). */
    readonly calls: CallOutcome[];
    /** Everything the process wrote to stderr (the handler's log lines). */
    readonly stderr: string;
}

// The child's script, passed with -e: nothing is written into the unpacked archive.
const RUNNER = `"use strict";
const [dir, eventsJson] = process.argv.slice(1);
const out = (value) => process.stdout.write(${JSON.stringify(RESULT_MARKER)} + JSON.stringify(value) + "\\n");
const describe = (e) => ({ name: String(e && e.name), message: String(e && e.message), step: e && e.step, code: e && e.code });
const started = process.hrtime.bigint();
let handler;
try {
    handler = require(dir + "/__index.js").handler;
} catch (e) {
    out({ loadError: describe(e), initMs: Number(process.hrtime.bigint() - started) / 1e6, calls: [] });
    process.exit(0);
}
const initMs = Number(process.hrtime.bigint() - started) / 1e6;
(async () => {
    const calls = [];
    for (const event of JSON.parse(eventsJson)) {
        const t = process.hrtime.bigint();
        try {
            const result = await handler(event, { awsRequestId: "packaged-run" });
            calls.push({ ok: true, result, ms: Number(process.hrtime.bigint() - t) / 1e6 });
        } catch (e) {
            calls.push({ ok: false, ...describe(e), ms: Number(process.hrtime.bigint() - t) / 1e6 });
        }
    }
    out({ initMs, calls });
    // The pool's keep-alive sockets would hold the process open: a Lambda container is frozen instead.
    process.exit(0);
})();
`;

/**
 * Loads `<dir>/__index.js` in a clean node process (cwd `dir`, environment exactly `env`) and calls its
 * `handler` with each event. Rejects only when the process itself fails; load and call errors are in the
 * returned run.
 */
export function runPackaged(
    dir: string,
    env: Record<string, string>,
    events: readonly unknown[],
): Promise<PackagedRun> {
    return new Promise((resolvePromise, reject) => {
        execFile(
            process.execPath,
            ["-e", RUNNER, dir, JSON.stringify(events)],
            { cwd: dir, env: { ...env }, timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) => {
                if (error) {
                    reject(
                        new Error(`packaged function process failed: ${error.message}\n${stdout}\n${stderr}`),
                    );
                    return;
                }
                const marker = stdout.lastIndexOf(RESULT_MARKER);
                if (marker < 0) {
                    reject(new Error(`packaged function printed no result:\n${stdout}\n${stderr}`));
                    return;
                }
                const run = JSON.parse(stdout.slice(marker + RESULT_MARKER.length)) as Omit<
                    PackagedRun,
                    "stderr"
                >;
                resolvePromise({ ...run, stderr });
            },
        );
    });
}
