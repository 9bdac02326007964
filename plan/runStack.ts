// Runs one stack's program in-process under Pulumi mocks with its config, as `pulumi preview` would run it,
// and records, for every resource, the options that decide what an update or a destroy does.
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "./mockCloud";

// The one SDK internal used: each run gets its own runtime store (config, root stack resource,
// registrations in flight), so several stacks can run one after another, or next to the tests' shared
// mock program, in one process. The SDK has no public way to do this; the Automation API's inline
// programs (automation/server.js) use this same function for the same reason.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { withLocalStorage<T>(fn: () => T): T };

export interface StackRun {
    readonly stack: string;
    readonly cloud: MockCloud;
    /** The stack's outputs, resolved. */
    readonly exports: Record<string, unknown>;
    /** Names of the outputs that are secrets. */
    readonly secretExports: string[];
    /** The options each resource was declared with, by `type::name`. */
    readonly options: ReadonlyMap<string, DeclaredOptions>;
}

/** What a resource's options say about updates and destroys; resources named by `type::name`. */
export interface DeclaredOptions {
    /** `type::name` of the parent (absent: the stack). */
    readonly parent?: string;
    /** Refuses deletion, also by replacement (inherited from the parent, as the SDK does). */
    readonly protect: boolean;
    /** A destroy or replacement leaves the cloud resource in place. */
    readonly retainOnDelete: boolean;
    /** A replacement deletes the old resource before creating the new one. */
    readonly deleteBeforeReplace: boolean;
    readonly dependsOn: readonly string[];
    /** Deleted together with (not before) this resource. */
    readonly deletedWith?: string;
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    /** The explicit provider, by `type::name`. */
    readonly provider?: string;
}

export interface RunOptions {
    /** Pulumi organization the stack belongs to (what `pulumi.getOrganization()` returns). */
    readonly organization?: string;
    /** Config keys whose value is secret. */
    readonly secretKeys?: readonly string[];
}

/** The organization a stack belongs to when none is named: the Pulumi Cloud's default for a user. */
export const DEFAULT_ORGANIZATION = "organization";

export const resourceKey = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

/**
 * Runs `program` as stack `stack` of `project` with `config` (as the CLI hands it to the program:
 * `namespace:name` → text), the mock cloud answering for every resource and call.
 */
export function runStack(
    stack: string,
    project: string,
    config: Readonly<Record<string, string>>,
    cloud: MockCloud,
    program: () => Promise<Record<string, unknown>> | Record<string, unknown> | void,
    options: RunOptions = {},
): Promise<StackRun> {
    return state.withLocalStorage(async () => {
        const organization = options.organization ?? DEFAULT_ORGANIZATION;
        await pulumi.runtime.setMocks(cloud, project, stack, false, organization);
        pulumi.runtime.setAllConfig({ ...config }, [...(options.secretKeys ?? [])]);
        const declared = new Declarations();
        const secretExports: string[] = [];
        try {
            const outputs = await pulumi.runtime.runInPulumiStack(async () => {
                // Mocks receive no resource options, and the engine-side transforms of
                // registerResourceTransform never run under mocks: a stack transformation runs in this
                // process for every resource (components' children too) and sees the options as declared.
                pulumi.runtime.registerStackTransformation((args) => declared.note(args));
                const result = (await program()) ?? {};
                for (const [name, value] of Object.entries(result)) {
                    if (await pulumi.isSecret(pulumi.output(value))) {
                        secretExports.push(name);
                    }
                }
                return result;
            });
            return {
                stack,
                cloud,
                exports: (outputs ?? {}) as Record<string, unknown>,
                secretExports,
                options: await declared.resolve(),
            };
        } finally {
            // Every registration this run started settles before the next run (or the process) goes on.
            await pulumi.runtime.disconnect();
        }
    });
}

interface Noted {
    readonly key: string;
    readonly opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

/** The options of every resource of a run, with resources named by `type::name`, never by SDK internals. */
class Declarations {
    private readonly keys = new Map<pulumi.Resource, string>();
    private readonly noted: Noted[] = [];

    note(args: pulumi.ResourceTransformationArgs): undefined {
        const key = resourceKey(args);
        this.keys.set(args.resource, key);
        this.noted.push({ key, opts: args.opts });
        return undefined;
    }

    async resolve(): Promise<Map<string, DeclaredOptions>> {
        const result = new Map<string, DeclaredOptions>();
        // Parents are declared before their children, so a parent's effective `protect` is known first.
        for (const { key, opts } of this.noted) {
            const parent = opts.parent ? this.keys.get(opts.parent) : undefined;
            const dependsOn = await this.resourceKeys(opts.dependsOn);
            const deletedWith = opts.deletedWith ? this.keys.get(opts.deletedWith) : undefined;
            const provider = opts.provider ? this.keys.get(opts.provider) : undefined;
            result.set(key, {
                ...(parent ? { parent } : {}),
                protect: opts.protect ?? (parent ? (result.get(parent)?.protect ?? false) : false),
                retainOnDelete: opts.retainOnDelete ?? false,
                deleteBeforeReplace: opts.deleteBeforeReplace ?? false,
                dependsOn,
                ...(deletedWith ? { deletedWith } : {}),
                ignoreChanges: [...(opts.ignoreChanges ?? [])],
                replaceOnChanges: [...(opts.replaceOnChanges ?? [])],
                ...(provider ? { provider } : {}),
            });
        }
        return result;
    }

    /** `dependsOn` may hold resources, lists, promises and outputs of them. */
    private async resourceKeys(value: unknown, depth = 0): Promise<string[]> {
        if (value === undefined || value === null || depth > 8) {
            return [];
        }
        if (pulumi.Resource.isInstance(value)) {
            const key = this.keys.get(value);
            return key ? [key] : [];
        }
        if (Array.isArray(value)) {
            return (await Promise.all(value.map((v) => this.resourceKeys(v, depth + 1)))).flat();
        }
        if (pulumi.Output.isInstance(value)) {
            // Under mocks (not a preview) every output is known, so this settles.
            const inner = await new Promise<unknown>((resolve) => value.apply((v) => resolve(v)));
            return this.resourceKeys(inner, depth + 1);
        }
        if (typeof (value as Promise<unknown>).then === "function") {
            return this.resourceKeys(await (value as Promise<unknown>), depth + 1);
        }
        return [];
    }
}
