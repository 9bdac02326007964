// The runner's Workspace on top of the Pulumi Automation API. Each selection gets a LocalWorkspace of its
// own whose `envVars` are exactly the credentials resolved for that stack (a fresh copy each time, so one
// stack's variables can never reach another's process), and every preview and update runs the policy pack.
import {
    StackNotFoundError,
    type LocalWorkspaceOptions,
    type OutputMap,
    type PreviewOptions,
    type PulumiCommand,
    type UpOptions,
} from "@pulumi/pulumi/automation";
import { selectStackOf } from "../cli";
import type { StackCredentials } from "./credentials";
import type { StackOps, Workspace } from "./run";

/** The part of an Automation API `Stack` the runner uses. */
export interface AutomationStack {
    preview(opts: PreviewOptions): Promise<unknown>;
    up(opts: UpOptions): Promise<unknown>;
    outputs(): Promise<OutputMap>;
}

/** `LocalWorkspace.selectStack` (or a fake of it in tests). */
export type SelectStack = (
    args: { stackName: string; workDir: string },
    opts: LocalWorkspaceOptions,
) => Promise<AutomationStack>;

export interface AutomationWorkspaceOptions {
    /** The project directory: Pulumi.yaml and the Pulumi.<stack>.yaml files. */
    readonly workDir: string;
    /** The policy pack directory, run on every preview and update. */
    readonly policyPack: string;
    /** A JSON configuration file for the policy pack; none by default. */
    readonly policyPackConfig?: string;
    /** Credentials by planned stack name; a stack without an entry is refused. */
    readonly credentials: readonly StackCredentials[];
    /** The CLI found once up front; default: the Automation API looks it up per workspace. */
    readonly pulumiCommand?: PulumiCommand;
    /** Default: `LocalWorkspace.selectStack`. */
    readonly selectStack?: SelectStack;
}

/** The Automation API's "no such stack", also when it only shows in the CLI's message. */
export function isStackNotFound(err: unknown): boolean {
    return (
        err instanceof StackNotFoundError || /no stack named .*found/.test(String((err as Error)?.message))
    );
}

export function automationWorkspace(options: AutomationWorkspaceOptions): Workspace {
    const selectStack = selectStackOf(options);
    const byStack = new Map(options.credentials.map((c) => [c.stack, c]));
    const select = (stackName: string, asStack: string): Promise<AutomationStack> => {
        const credentials = byStack.get(asStack);
        if (credentials === undefined) {
            throw new Error(`no AWS credentials were resolved for stack ${asStack}`);
        }
        return selectStack(
            { stackName, workDir: options.workDir },
            {
                envVars: { ...credentials.envVars },
                ...(options.pulumiCommand !== undefined ? { pulumiCommand: options.pulumiCommand } : {}),
            },
        );
    };
    const policy = {
        policyPacks: [options.policyPack],
        ...(options.policyPackConfig !== undefined ? { policyPackConfigs: [options.policyPackConfig] } : {}),
    };
    return {
        async open(stack: string): Promise<StackOps> {
            const selected = await select(stack, stack);
            return {
                preview: (onOutput) => selected.preview({ ...policy, onOutput, onError: onOutput }),
                up: (onOutput) => selected.up({ ...policy, onOutput, onError: onOutput }),
            };
        },
        async outputsOf(reference: string, asStack: string) {
            let selected: AutomationStack;
            try {
                selected = await select(reference, asStack);
            } catch (err) {
                if (isStackNotFound(err)) {
                    return undefined;
                }
                throw err;
            }
            // The values only: `secret` says how the CLI would show them, and readers here need the value.
            const outputs = await selected.outputs();
            return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
        },
    };
}
