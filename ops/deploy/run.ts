// Runs planned waves against a "workspace" (the Automation API in ops/deploy/automation.ts, fakes in tests):
// one wave after the other, the stacks of a wave in parallel, stopping after the first wave with a
// failure. A consumer goes ahead only when its database stack has outputs (is deployed): preview skips it
// and says so, up refuses it.
import type { NetworkPath } from "../../infra/config";
import type { PlannedStack } from "./order";

export type RunMode = "up" | "preview";

/** What the runner needs of one selected stack. */
export interface StackOps {
    preview(onOutput: (chunk: string) => void): Promise<unknown>;
    up(onOutput: (chunk: string) => void): Promise<unknown>;
}

export interface Workspace {
    /** Selects a planned stack, to run with that stack's own credentials; rejects when it does not exist. */
    open(stack: string): Promise<StackOps>;
    /**
     * The output values of the stack `reference` (short or fully qualified) read from the backend with the
     * credentials of the planned stack `asStack`; undefined when the backend has no such stack.
     */
    outputsOf(reference: string, asStack: string): Promise<Readonly<Record<string, unknown>> | undefined>;
}

export interface StackFailure {
    readonly stack: string;
    readonly message: string;
}

export interface Skipped {
    readonly stack: string;
    readonly reason: string;
}

export interface RunResult {
    readonly ok: boolean;
    /** Stacks that finished, in completion order. */
    readonly completed: string[];
    /** Consumers not previewed because their database stack is not deployed yet, with the reason. */
    readonly skipped: Skipped[];
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

export function firstLine(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return (
        text
            .split("\n")
            .find((line) => line.trim() !== "")
            ?.trim() ?? "unknown error"
    );
}

export type DatabaseState =
    | {
          readonly ready: true;
          readonly detail: string;
          /** A consumer's network path, from its record in the database stack's `consumers` output. */
          readonly network?: NetworkPath;
          /** Why that network path is not known (no record, or an unexpected value). */
          readonly networkProblem?: string;
      }
    | { readonly ready: false; readonly reason: string };

/** Why a pull-request preview (read-only credentials) of a peering consumer does not run. */
export const PEERING_PREVIEW_REASON =
    "a peering consumer's preview assumes the database stack's peering-accepter role, which may write routes in the database account; it is previewed by the protected deploy job instead";

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** `consumers.<consumerName>.network` of the database stack's outputs, or why it cannot be read. */
export function recordedNetwork(
    outputs: Readonly<Record<string, unknown>>,
    consumerName: string,
    reference: string,
): { readonly network: NetworkPath } | { readonly problem: string } {
    const record = isRecord(outputs.consumers) ? outputs.consumers[consumerName] : undefined;
    if (!isRecord(record)) {
        return {
            problem: `its database stack ${reference} has no consumers.${consumerName} record: add ${consumerName} to that stack's consumers and deploy it`,
        };
    }
    if (record.network !== "peering" && record.network !== "privatelink") {
        return {
            problem: `consumers.${consumerName}.network of its database stack ${reference} is ${JSON.stringify(record.network) ?? "missing"}, not peering or privatelink`,
        };
    }
    return { network: record.network };
}

/**
 * Whether `consumer`'s database stack is deployed: it has outputs in the backend. Read with the
 * consumer's credentials, as its StackReference will be. A read that fails for another reason than a
 * missing stack rejects: that is a problem to fix, not a stack to wait for.
 */
export async function databaseState(workspace: Workspace, consumer: PlannedStack): Promise<DatabaseState> {
    const reference = consumer.databaseStack ?? consumer.databaseStackName;
    if (consumer.role !== "consumer" || reference === undefined) {
        return { ready: true, detail: `${consumer.name} is a database stack` };
    }
    const deployFirst = `deploy the database stack first: npm run deploy -- --stack ${consumer.databaseStackName ?? reference}`;
    let outputs: Readonly<Record<string, unknown>> | undefined;
    try {
        outputs = await workspace.outputsOf(reference, consumer.name);
    } catch (err) {
        throw new Error(`cannot read the outputs of its database stack ${reference}: ${firstLine(err)}`, {
            cause: err,
        });
    }
    if (outputs === undefined) {
        return {
            ready: false,
            reason: `its database stack ${reference} does not exist in the Pulumi backend yet; ${deployFirst}`,
        };
    }
    const count = Object.keys(outputs).length;
    if (count === 0) {
        return {
            ready: false,
            reason: `its database stack ${reference} has no outputs: it is not deployed yet; ${deployFirst}`,
        };
    }
    const detail = `its database stack ${reference} is deployed (${count} outputs)`;
    const recorded = recordedNetwork(outputs, consumer.consumerName ?? consumer.name, reference);
    return "network" in recorded
        ? { ready: true, detail, network: recorded.network }
        : { ready: true, detail, networkProblem: recorded.problem };
}

export async function runWaves(
    waves: readonly PlannedStack[][],
    mode: RunMode,
    workspace: Workspace,
    log: (line: string) => void,
): Promise<RunResult> {
    const completed: string[] = [];
    const skipped: Skipped[] = [];
    for (const [index, wave] of waves.entries()) {
        log(`== wave ${index + 1}/${waves.length}: ${mode} ${wave.map((s) => s.name).join(", ")}`);
        const failed: StackFailure[] = [];
        await Promise.all(
            wave.map(async (stack) => {
                const prefix = linePrefixer(stack.name, log);
                try {
                    if (stack.role === "consumer") {
                        const state = await databaseState(workspace, stack);
                        if (!state.ready && mode === "preview") {
                            skipped.push({ stack: stack.name, reason: state.reason });
                            log(`[${stack.name}] preview SKIPPED: ${state.reason}`);
                            return;
                        }
                        if (!state.ready) {
                            throw new Error(`refusing to deploy consumer ${stack.name}: ${state.reason}`);
                        }
                        log(`[${stack.name}] ${state.detail}`);
                    }
                    const ops = await workspace.open(stack.name);
                    log(`[${stack.name}] ${mode} (${stack.role}) with the policy pack`);
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

export interface Readiness {
    readonly stack: string;
    readonly ready: boolean;
    /** Why (not) ready, or what failed. */
    readonly detail: string;
    /** The database stack's outputs could not be read (not the same as "not deployed"). */
    readonly error?: true;
    /** The consumer's network path in its database stack's record; absent when not known. */
    readonly network?: NetworkPath;
    /**
     * Whether a preview with read-only credentials (a pull request's) may run: only for a deployed
     * privatelink consumer, because a peering consumer's provider assumes the accepter role at preview.
     */
    readonly readOnlyPreview: { readonly run: true } | { readonly run: false; readonly reason: string };
}

/**
 * `ready`: for each consumer among `stacks`, whether its database stack is deployed, its network path,
 * and whether a read-only preview of it may run (in parallel).
 */
export async function checkReadiness(
    stacks: readonly PlannedStack[],
    workspace: Workspace,
): Promise<Readiness[]> {
    return Promise.all(
        stacks.map(async (stack): Promise<Readiness> => {
            try {
                const state = await databaseState(workspace, stack);
                if (!state.ready) {
                    const skip = { run: false, reason: state.reason } as const;
                    return { stack: stack.name, ready: false, detail: state.reason, readOnlyPreview: skip };
                }
                const readOnlyPreview =
                    state.network === "privatelink"
                        ? ({ run: true } as const)
                        : ({
                              run: false,
                              reason:
                                  state.network === "peering"
                                      ? PEERING_PREVIEW_REASON
                                      : (state.networkProblem ?? "its network path is not known"),
                          } as const);
                return {
                    stack: stack.name,
                    ready: true,
                    detail: state.detail,
                    ...(state.network !== undefined ? { network: state.network } : {}),
                    readOnlyPreview,
                };
            } catch (err) {
                const detail = firstLine(err);
                return {
                    stack: stack.name,
                    ready: false,
                    detail,
                    error: true,
                    readOnlyPreview: { run: false, reason: detail },
                };
            }
        }),
    );
}
