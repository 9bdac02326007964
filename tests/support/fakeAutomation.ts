// A stand-in for the Pulumi Automation API's `LocalWorkspace.selectStack` (the CLI is not installed here):
// records every call with the environment and options it got, serves outputs per stack, fails on demand.
import type { LocalWorkspaceOptions, OutputMap, PreviewOptions, UpOptions } from "@pulumi/pulumi/automation";
import type { AutomationStack, SelectStack } from "../../ops/deploy/automation";

export interface FakeCall {
    readonly op: "select" | "preview" | "up" | "outputs";
    /** The stack as selected: a short name or `org/project/stack`. */
    readonly stack: string;
    readonly workDir: string;
    /** The `envVars` the workspace was created with (the object itself, to check it is not shared). */
    readonly envVars: Record<string, string>;
    readonly options?: PreviewOptions | UpOptions;
}

/** `org/project/dev` and `dev` are the same stack to the backend (one organisation, one project). */
function short(stack: string): string {
    return stack.slice(stack.lastIndexOf("/") + 1);
}

export class FakeAutomation {
    readonly calls: FakeCall[] = [];
    /** Outputs by short stack name; `up` fills them, as a deployment would. */
    readonly outputs = new Map<string, Record<string, unknown>>();
    /** Stacks the backend does not have: selecting them throws the CLI's "no stack named" error. */
    readonly missing = new Set<string>();
    /** Stacks whose selection fails for another reason (e.g. access denied to the state). */
    readonly unreadable = new Map<string, string>();
    /** Stacks whose preview/up fails. */
    readonly failing = new Set<string>();
    maxParallel = 0;
    private running = 0;

    readonly selectStack: SelectStack = async (
        args,
        opts: LocalWorkspaceOptions,
    ): Promise<AutomationStack> => {
        const envVars = opts.envVars ?? {};
        const record = (op: FakeCall["op"], options?: PreviewOptions | UpOptions) =>
            this.calls.push({ op, stack: args.stackName, workDir: args.workDir, envVars, options });
        record("select");
        await new Promise((resolve) => setImmediate(resolve));
        if (this.missing.has(short(args.stackName))) {
            throw new Error(`code: 255\nstderr: error: no stack named '${args.stackName}' found`);
        }
        const unreadable = this.unreadable.get(short(args.stackName));
        if (unreadable !== undefined) {
            throw new Error(`code: 255\nstderr: error: ${unreadable}`);
        }
        const operation = (op: "preview" | "up") => async (options: PreviewOptions | UpOptions) => {
            record(op, options);
            this.running++;
            this.maxParallel = Math.max(this.maxParallel, this.running);
            options.onOutput?.(
                `${op === "up" ? "Updating" : "Previewing update"} (${args.stackName})\nline two`,
            );
            options.onOutput?.(" continued\n");
            await new Promise((resolve) => setTimeout(resolve, 5));
            this.running--;
            if (this.failing.has(short(args.stackName))) {
                throw new Error(`code: 255\nstderr: error: ${args.stackName} exploded`);
            }
            if (op === "up") {
                this.outputs.set(short(args.stackName), { deployed: true });
            }
            return {};
        };
        return {
            preview: operation("preview"),
            up: operation("up"),
            outputs: async (): Promise<OutputMap> => {
                record("outputs");
                const values = this.outputs.get(short(args.stackName)) ?? {};
                return Object.fromEntries(
                    Object.entries(values).map(([key, value]) => [key, { value, secret: false }]),
                );
            },
        };
    };

    /** The calls of one operation, as `op stack`. */
    ops(...kinds: FakeCall["op"][]): string[] {
        return this.calls.filter((c) => kinds.includes(c.op)).map((c) => `${c.op} ${c.stack}`);
    }
}
