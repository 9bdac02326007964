// Runs the database program and then each consumer program under mocks with their real stack config;
// each consumer's StackReference is served the database run's exports.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, StackConfig } from "../infra/config";
import { program } from "../infra/program";
import { MockCloud, RecordedResource } from "./mockCloud";
import { runStack } from "./runStack";
import { StackFile } from "./stackFiles";

export interface PlannedResource extends RecordedResource {
    /** `type::name` of the parent component, when the resource has one. */
    readonly parent?: string;
}

export interface StackPlan {
    readonly stack: string;
    readonly file: string;
    readonly stackRole: "database" | "consumer";
    readonly accountId: string;
    readonly region: string;
    /** The validated stack config the program ran with. */
    readonly config: StackConfig;
    /** For a consumer stack: its name in the database stack's `consumers`. */
    readonly consumerName?: string;
    readonly resources: PlannedResource[];
    readonly exports: Record<string, unknown>;
    /** Secret values the run produced (generated passwords): never printed. */
    readonly secretValues: ReadonlySet<string>;
}

export interface Plan {
    readonly database: StackPlan;
    readonly consumers: StackPlan[];
}

export const resourceKey = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

/** Fully qualified name a consumer's `databaseStack` must resolve to for `file`'s stack. */
function servesReference(reference: string, stack: string): boolean {
    return reference === stack || reference.split("/").pop() === stack;
}

export async function planStack(
    file: StackFile,
    otherStacks: Record<string, Record<string, unknown>> = {},
): Promise<StackPlan> {
    const cloud = new MockCloud({
        accountId: file.config.accountId,
        region: file.config.region,
        stacks: otherStacks,
    });
    const parents = new Map<string, string>();
    const run = await runStack(file.stack, PROJECT, file.raw, cloud, () => {
        // Parents are known only SDK-side; a transformation sees every resource with its options.
        pulumi.runtime.registerStackTransformation((args) => {
            const parent = args.opts.parent as
                (pulumi.Resource & { __pulumiType?: string; __name?: string }) | undefined;
            if (parent?.__pulumiType && parent.__name && parent.__pulumiType !== "pulumi:pulumi:Stack") {
                parents.set(resourceKey(args), `${parent.__pulumiType}::${parent.__name}`);
            }
            return undefined;
        });
        return program();
    });
    return {
        stack: file.stack,
        file: file.file,
        stackRole: file.config.stackRole,
        accountId: file.config.accountId,
        region: file.config.region,
        config: file.config,
        ...(file.config.stackRole === "consumer" ? { consumerName: file.config.consumerName } : {}),
        resources: cloud.resources
            .filter((r) => r.type !== "pulumi:pulumi:Stack")
            .map((r) => ({
                ...r,
                ...(parents.has(resourceKey(r)) ? { parent: parents.get(resourceKey(r)) } : {}),
            })),
        exports: run.exports,
        secretValues: cloud.secretValues,
    };
}

export async function planAll(database: StackFile, consumers: readonly StackFile[]): Promise<Plan> {
    const databasePlan = await planStack(database);
    const consumerPlans: StackPlan[] = [];
    for (const consumer of consumers) {
        const reference = consumer.config.stackRole === "consumer" ? consumer.config.databaseStack : "";
        const served = servesReference(reference, database.stack)
            ? { [reference]: databasePlan.exports }
            : {};
        consumerPlans.push(await planStack(consumer, served));
    }
    return { database: databasePlan, consumers: consumerPlans };
}
