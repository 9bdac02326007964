// Runs one stack's program in-process under Pulumi mocks, in its own runtime store (as the Automation
// API does), so several stacks can run one after another in one process.
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "./mockCloud";

// Internal SDK entry points: a store per run, and a way to wait until every registration has settled.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { withLocalStorage<T>(fn: () => T): T };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export interface StackRun {
    readonly stack: string;
    readonly cloud: MockCloud;
    readonly exports: Record<string, unknown>;
}

/** Config as a stack file holds it, flattened to Pulumi's string map (structured values as JSON). */
export function toPulumiConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(config).map(([key, value]) => [
            key,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
}

export function runStack(
    stack: string,
    project: string,
    config: Readonly<Record<string, unknown>>,
    cloud: MockCloud,
    program: () => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<StackRun> {
    return state.withLocalStorage(async () => {
        await pulumi.runtime.setMocks(cloud, project, stack, false);
        pulumi.runtime.setAllConfig(toPulumiConfig(config));
        const outputs = await pulumi.runtime.runInPulumiStack(async () => program());
        await settings.waitForRPCs();
        return { stack, cloud, exports: (outputs ?? {}) as Record<string, unknown> };
    });
}
