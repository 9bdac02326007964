// Helpers shared by the component tests; import tests/support/mocks first in each test file.
import * as pulumi from "@pulumi/pulumi";
import { cloud, promiseOf } from "../support/mocks";
import type { RecordedResource } from "../../plan/mockCloud";

/** The single resource of `type` named `name`, once the mock has recorded it (bounded wait). */
export async function recorded(type: string, name: string, timeoutMs = 3000): Promise<RecordedResource> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const found = cloud.find(type, name);
        if (found.length > 1) {
            throw new Error(`${type} ${name} was registered ${found.length} times`);
        }
        if (found.length === 1) {
            return found[0];
        }
        if (Date.now() > deadline) {
            throw new Error(`${type} ${name} was never registered`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

/** Whether `type`/`name` is still unregistered after `ms` (for children that must never be created). */
export async function neverRecorded(type: string, name: string, ms = 300): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return cloud.find(type, name).length === 0;
}

/** How the mock records a resource's explicit provider: `urn::id`. */
export async function providerRef(provider: pulumi.ProviderResource): Promise<string> {
    return `${await promiseOf(provider.urn)}::${await promiseOf(provider.id)}`;
}

/** Parses a JSON policy recorded as a resource input. */
export function parsedPolicy(resource: RecordedResource, field = "policy"): PolicyDocumentJson {
    return JSON.parse(resource.inputs[field] as string) as PolicyDocumentJson;
}

// Loose on purpose: the tests assert each field they care about.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PolicyDocumentJson = { Version: string; Statement: Array<Record<string, any>> };

let counter = 0;
/** A resource name unused by any other test: all test files share one mock program. */
export function uniqueName(base: string): string {
    counter += 1;
    return `${base}${counter}`;
}

/** A resource declared under a component under test, with the parent it was given. */
export interface Declared {
    readonly resource: pulumi.Resource;
    readonly type: string;
    readonly name: string;
    readonly parent: pulumi.Resource | undefined;
}

/**
 * Options for a component under test that note every resource declared with them. Children inherit a
 * component's transformations only through `{ parent }`, so a child declared without it is missing here.
 */
export function declarations(): { opts: pulumi.ComponentResourceOptions; declared: Declared[] } {
    const declared: Declared[] = [];
    const note: pulumi.ResourceTransformation = (args) => {
        declared.push({
            resource: args.resource,
            type: args.type,
            name: args.name,
            parent: args.opts.parent,
        });
        return undefined;
    };
    return { opts: { transformations: [note] }, declared };
}
