// Runs the database program and then each consumer program under mocks with their stack config; each
// consumer's StackReference is served the database run's exports (its secret outputs stay secret).
import type { StackConfig } from "../infra/config";
import { PROJECT } from "../infra/lib/constants";
import { program } from "../infra/program";
import { MockCloud, RecordedResource } from "./mockCloud";
import { DeclaredOptions, resourceKey, runStack } from "./runStack";
import { PlanStack, qualifiedName, StackSet } from "./stackFiles";

export interface PlannedResource extends RecordedResource {
    /** `type::name` of the parent component, when the resource has one. */
    readonly parent?: string;
    /** The options it was declared with (what an update or a destroy does with it). */
    readonly options?: DeclaredOptions;
}

export interface StackPlan {
    readonly stack: string;
    readonly file: string;
    readonly stackRole: "database" | "consumer";
    readonly accountId: string;
    readonly region: string;
    /** The checked stack config the program ran with. */
    readonly config: StackConfig;
    /** The config as the program received it (`namespace:name` → text; secure values as placeholders). */
    readonly values: Readonly<Record<string, string>>;
    /** For a consumer stack: its name in the database stack's `consumers`. */
    readonly consumerName?: string;
    readonly resources: PlannedResource[];
    readonly exports: Record<string, unknown>;
    /** Names of the exports that are secrets: never printed. */
    readonly secretExports: readonly string[];
    /** Secret values of the run (generated passwords, the placeholders of secure config): never printed. */
    readonly secretValues: ReadonlySet<string>;
}

export interface Plan {
    readonly database: StackPlan;
    readonly consumers: StackPlan[];
    readonly organization: string;
}

export async function planStack(
    stack: PlanStack,
    organization: string,
    deployed: Deployed = {},
): Promise<StackPlan> {
    const cloud = new MockCloud({
        accountId: stack.config.accountId,
        region: stack.config.region,
        stacks: deployed,
        self: qualifiedName(organization, stack.stack),
    });
    const run = await runStack(stack.stack, PROJECT, stack.values, cloud, program, {
        organization,
        secretKeys: stack.secretKeys,
    });
    return {
        stack: stack.stack,
        file: stack.file,
        stackRole: stack.config.stackRole,
        accountId: stack.config.accountId,
        region: stack.config.region,
        config: stack.config,
        values: stack.values,
        ...(stack.config.stackRole === "consumer" ? { consumerName: stack.config.consumerName } : {}),
        resources: cloud.resources
            .filter((r) => r.type !== "pulumi:pulumi:Stack")
            .map((r) => {
                const options = run.options.get(resourceKey(r));
                return {
                    ...r,
                    ...(options?.parent ? { parent: options.parent } : {}),
                    ...(options ? { options } : {}),
                };
            }),
        exports: run.exports,
        secretExports: run.secretExports,
        secretValues: new Set([...cloud.secretValues, ...stack.placeholders]),
    };
}

/** A stack whose program failed under mocks, with the file it was planned from. */
export class StackRunFailure extends Error {
    constructor(
        readonly file: string,
        readonly reason: unknown,
    ) {
        super(`${file}: ${reason instanceof Error ? reason.message : String(reason)}`);
        this.name = "StackRunFailure";
    }
}

async function planOrFail(stack: PlanStack, organization: string, deployed?: Deployed): Promise<StackPlan> {
    try {
        return await planStack(stack, organization, deployed);
    } catch (err) {
        throw new StackRunFailure(stack.file, err);
    }
}

type Deployed = ConstructorParameters<typeof MockCloud>[0]["stacks"];

/** The database stack first, then each consumer against its exports; a failure names its stack file. */
export async function planAll(set: StackSet): Promise<Plan> {
    const database = await planOrFail(set.database, set.organization);
    const deployed = {
        [qualifiedName(set.organization, set.database.stack)]: {
            outputs: database.exports,
            secretOutputNames: database.secretExports,
        },
    };
    const consumers: StackPlan[] = [];
    for (const consumer of set.consumers) {
        consumers.push(await planOrFail(consumer, set.organization, deployed));
    }
    return { database, consumers, organization: set.organization };
}
