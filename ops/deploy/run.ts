// Runs planned waves against a "workspace" (the Automation API in ops/deploy.ts, fakes in tests):
// one wave after the other, the stacks of a wave in parallel, stopping after the first wave with a
// failure. A consumer is updated only when its database stack has outputs (is deployed).
import type { PlannedStack } from "./order";

export type Mode = "up" | "preview";

/** What the runner needs of one selected stack. */
export interface StackOps {
    preview(onOutput: (chunk: string) => void): Promise<unknown>;
    up(onOutput: (chunk: string) => void): Promise<unknown>;
    outputs(): Promise<Record<string, unknown>>;
}

export interface Workspace {
    /** Selects an existing stack by name (short or fully qualified); rejects when it does not exist. */
    select(stackName: string): Promise<StackOps>;
}

export interface StackFailure {
    readonly stack: string;
    readonly message: string;
}

export interface RunResult {
    readonly ok: boolean;
    /** Stacks that finished, in completion order. */
    readonly completed: string[];
    /** Stacks not run, with the reason (consumer preview before its database is deployed). */
    readonly skipped: Array<{ stack: string; reason: string }>;
    /** The failures of the wave that stopped the run. */
    readonly failed: StackFailure[];
    /** Stacks never started because an earlier wave failed. */
    readonly notStarted: string[];
}

/** Writes each complete line of `chunk`s with `[stack] ` in front; `flush` writes a trailing partial line. */
export function linePrefixer(
    stack: string,
    write: (line: string) => void,
): { push(chunk: string): void; flush(): void } {
    let pending = "";
    return {
        push(chunk: string) {
            const lines = (pending + chunk).split(/\r?\n/);
            pending = lines.pop() ?? "";
            for (const line of lines) {
                write(`[${stack}] ${line}`);
            }
        },
        flush() {
            if (pending !== "") {
                write(`[${stack}] ${pending}`);
                pending = "";
            }
        },
    };
}

/** Why a consumer cannot go ahead yet, or undefined when its database stack is deployed. */
export async function databaseNotReady(
    workspace: Workspace,
    consumer: PlannedStack,
): Promise<string | undefined> {
    const reference = consumer.databaseStack ?? consumer.databaseStackName;
    if (reference === undefined) {
        return undefined;
    }
    let outputs: Record<string, unknown>;
    try {
        outputs = await (await workspace.select(reference)).outputs();
    } catch (err) {
        return `its database stack ${reference} cannot be read (${firstLine(err)}); deploy it first: npm run deploy -- --stack ${consumer.databaseStackName ?? reference}`;
    }
    if (Object.keys(outputs).length === 0) {
        return `its database stack ${reference} has no outputs: it is not deployed yet; deploy it first: npm run deploy -- --stack ${consumer.databaseStackName ?? reference}`;
    }
    return undefined;
}

function firstLine(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return (
        text
            .split("\n")
            .find((line) => line.trim() !== "")
            ?.trim() ?? "unknown error"
    );
}

export async function runWaves(
    waves: readonly PlannedStack[][],
    mode: Mode,
    workspace: Workspace,
    log: (line: string) => void,
): Promise<RunResult> {
    const completed: string[] = [];
    const skipped: Array<{ stack: string; reason: string }> = [];
    for (const [index, wave] of waves.entries()) {
        log(`== wave ${index + 1}/${waves.length}: ${mode} ${wave.map((s) => s.name).join(", ")}`);
        const failed: StackFailure[] = [];
        await Promise.all(
            wave.map(async (stack) => {
                const prefix = linePrefixer(stack.name, log);
                try {
                    if (stack.role === "consumer") {
                        const notReady = await databaseNotReady(workspace, stack);
                        if (notReady !== undefined && mode === "preview") {
                            const reason = `preview skipped: ${notReady} (the consumer's preview reads the database stack's outputs)`;
                            skipped.push({ stack: stack.name, reason });
                            log(`[${stack.name}] ${reason}`);
                            return;
                        }
                        if (notReady !== undefined) {
                            throw new Error(`refusing to deploy consumer ${stack.name}: ${notReady}`);
                        }
                    }
                    const ops = await workspace.select(stack.name);
                    log(`[${stack.name}] ${mode} (${stack.role})`);
                    await (mode === "up"
                        ? ops.up((c) => prefix.push(c))
                        : ops.preview((c) => prefix.push(c)));
                    prefix.flush();
                    completed.push(stack.name);
                    log(`[${stack.name}] ${mode} succeeded`);
                } catch (err) {
                    prefix.flush();
                    const message = err instanceof Error ? err.message : String(err);
                    failed.push({ stack: stack.name, message });
                    log(`[${stack.name}] ${mode} FAILED: ${firstLine(err)}`);
                }
            }),
        );
        if (failed.length > 0) {
            const notStarted = waves.slice(index + 1).flatMap((w) => w.map((s) => s.name));
            log(
                `stopped: ${failed.map((f) => `stack ${f.stack} failed`).join("; ")}${notStarted.length > 0 ? `; not started: ${notStarted.join(", ")}` : ""}`,
            );
            return { ok: false, completed, skipped, failed, notStarted };
        }
    }
    return { ok: true, completed, skipped, failed: [], notStarted: [] };
}

/** `npm run deploy|preview` arguments. */
export interface DeployArgs {
    readonly mode: Mode;
    readonly stacks: string[];
    readonly stacksDir?: string;
}

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
    const [mode, ...rest] = argv;
    if (mode !== "up" && mode !== "preview") {
        throw new Error(
            `first argument must be "up" or "preview", got ${mode === undefined ? "nothing" : JSON.stringify(mode)}`,
        );
    }
    const stacks: string[] = [];
    let stacksDir: string | undefined;
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        const [flag, inline] = arg.includes("=")
            ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
            : [arg, undefined];
        const value = inline ?? rest[i + 1];
        if (flag !== "--stack" && flag !== "--stacks-dir") {
            throw new Error(
                `unknown argument ${JSON.stringify(arg)}; use --stack <name> (repeatable) or --stacks-dir <dir>`,
            );
        }
        if (value === undefined || value === "" || value.startsWith("--")) {
            throw new Error(`${flag} needs a value`);
        }
        if (inline === undefined) {
            i++;
        }
        if (flag === "--stack") {
            stacks.push(value);
        } else {
            stacksDir = value;
        }
    }
    return { mode, stacks, ...(stacksDir !== undefined ? { stacksDir } : {}) };
}
