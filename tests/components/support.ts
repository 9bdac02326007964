// Helpers shared by the component tests; import tests/support/mocks first in each test file.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { cloud, promiseOf } from "../support/mocks";
import type { RecordedResource } from "../../plan/mockCloud";
import { MYSQL_PORT } from "../../infra/lib/constants";
import { TYPE } from "../support/resourceTypes";

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

/** Every resource recorded under `name`: the component itself and its children (`${name}-...`). */
export function declaredUnder(name: string): RecordedResource[] {
    return cloud.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

/**
 * Asserts that every child declared under `component` (noted by `declarations()`) has it as its parent,
 * and that the children are exactly `expected` (`"<type> <name>"`, in any order).
 */
export function assertChildren(
    declared: readonly Declared[],
    component: pulumi.ComponentResource,
    componentType: string,
    expected: readonly string[],
): void {
    const children = declared.filter((d) => d.type !== componentType);
    assert.ok(children.every((d) => d.parent === component));
    assert.deepStrictEqual(children.map((d) => `${d.type} ${d.name}`).sort(), [...expected].sort());
}

/** Asserts that neither the component `name` of `componentType` nor anything under its name was declared. */
export async function assertNothingDeclared(componentType: string, name: string): Promise<void> {
    assert.ok(await neverRecorded(componentType, name));
    assert.deepStrictEqual(declaredUnder(name), []);
}

/**
 * Asserts that `build` throws the SDK's InputPropertyError for `propertyPath`, with a reason (its message)
 * that starts with that path and matches `detail` when given.
 */
export function assertRefuses(build: () => unknown, propertyPath: string, detail?: RegExp): void {
    assert.throws(build, (err: unknown) => {
        assert.ok(
            pulumi.InputPropertyError.isInstance(err),
            `expected InputPropertyError, got ${String(err)}`,
        );
        assert.strictEqual(err.propertyPath, propertyPath);
        assert.strictEqual(err.message, err.reason);
        assert.ok(err.reason.startsWith(`${propertyPath}: `), err.reason);
        if (detail) {
            assert.match(err.reason, detail);
        }
        return true;
    });
}

/** The component built, under `name`, with one bad argument; `path` (and `detail`) as for `assertRefuses`. */
export interface Refusal {
    readonly build: (name: string) => unknown;
    readonly path: string;
    readonly detail?: RegExp;
}

/**
 * Asserts that each refusal throws the InputPropertyError for its path (`assertRefuses`), each under its own
 * name from `namePrefix`, and that under none of those names was anything declared, the component included.
 */
export async function assertRefusedBeforeDeclaring(
    componentType: string,
    namePrefix: string,
    refusals: readonly Refusal[],
): Promise<void> {
    const names = refusals.map(({ build, path, detail }) => {
        const name = uniqueName(namePrefix);
        assertRefuses(() => build(name), path, detail);
        return name;
    });
    await Promise.all(names.map((name) => assertNothingDeclared(componentType, name)));
}

/**
 * Asserts that the recorded security group rule `rule` (ingress or egress) is described and passes exactly
 * TCP 3306 between the group `securityGroupId` and the group `peerGroupId`, no address range.
 */
export function assertMysqlRule(rule: RecordedResource, securityGroupId: string, peerGroupId: string): void {
    const { description, ...fields } = rule.inputs;
    assert.ok(typeof description === "string" && description.length > 0, "every rule is described");
    assert.deepStrictEqual(fields, {
        securityGroupId,
        ipProtocol: "tcp",
        fromPort: MYSQL_PORT,
        toPort: MYSQL_PORT,
        referencedSecurityGroupId: peerGroupId,
    });
}

/**
 * Asserts that the recorded security group `sg` is the group `id` in `vpcId` with no inline rules, and that
 * the only rule resources on it are `ruleNames`, none of them open to an address range.
 */
export function assertOwnSecurityGroup(
    sg: RecordedResource,
    id: string,
    vpcId: string,
    ruleNames: readonly string[],
): void {
    assert.strictEqual(sg.id, id);
    assert.strictEqual(sg.inputs.vpcId, vpcId);
    assert.strictEqual(sg.inputs.ingress, undefined);
    assert.strictEqual(sg.inputs.egress, undefined);
    const rules = cloud.resources.filter(
        (r) => RULE_TYPES.includes(r.type) && r.inputs.securityGroupId === id,
    );
    assert.deepStrictEqual(
        rules.map((r) => r.name),
        ruleNames,
    );
    assert.ok(rules.every((r) => r.inputs.cidrIpv4 === undefined));
}

const RULE_TYPES: readonly string[] = [TYPE.ingressRule, TYPE.egressRule];

/** A bad value handed over as an output, refused once known: the children it would feed are never declared. */
export interface LateRefusal<C> {
    readonly requirement: string;
    /** The component, named `name`, given the bad output. */
    readonly make: (name: string) => C;
    /** An output of the component that settles once its other children are declared. */
    readonly settled: (component: C) => pulumi.Output<unknown>;
    /** The children (type and name suffix) that must never be declared. */
    readonly never: ReadonlyArray<readonly [type: string, suffix: string]>;
}

/** One test per row: once the component has settled, none of the row's `never` children was declared. */
export function itNeverDeclares<C>(namePrefix: string, rows: ReadonlyArray<LateRefusal<C>>): void {
    for (const { requirement, make, settled, never } of rows) {
        it(requirement, async () => {
            const name = uniqueName(namePrefix);
            await promiseOf(settled(make(name)));
            for (const [type, suffix] of never) {
                assert.ok(
                    await neverRecorded(type, `${name}-${suffix}`),
                    `${type} ${name}-${suffix} was declared`,
                );
            }
        });
    }
}

const registered = new WeakMap<pulumi.Resource, pulumi.Inputs | undefined>();

/**
 * The component class `Base`, noting what each instance passes to `registerOutputs` (read it with
 * `registeredOutputs`). A WeakMap, not a field: the base constructor calls `registerOutputs` before a
 * subclass's fields exist.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function observed<T extends new (...args: any[]) => pulumi.ComponentResource>(Base: T): T {
    return class extends Base {
        protected override registerOutputs(
            outputs?: pulumi.Inputs | Promise<pulumi.Inputs> | pulumi.Output<pulumi.Inputs>,
        ): void {
            registered.set(this, outputs as pulumi.Inputs | undefined);
            super.registerOutputs(outputs);
        }
    };
}

/** What `component` (of a class made by `observed`) passed to `registerOutputs`; fails if it never did. */
export function registeredOutputs(component: pulumi.Resource): pulumi.Inputs {
    const outputs = registered.get(component);
    assert.ok(outputs, "the component registered no outputs");
    return outputs;
}
