// Runs the shipped stack programs (or variants of their config) under the mock cloud, as `npm start` does:
// config read as the Pulumi CLI reads a stack file, checked, the database stack first.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { PolicyJson } from "../../infra/lib/iam";
import { DeployedStack, MockCloud } from "../../plan/mockCloud";
import { Plan, planAll, planStack, PlannedResource, StackPlan } from "../../plan/run";
import { DEFAULT_ORGANIZATION } from "../../plan/runStack";
import { loadStackSet, PlanStack, ROOT, stackFromConfig, stackSet } from "../../plan/stackFiles";

export { ROOT, stackFromConfig, DEFAULT_ORGANIZATION };

export type ShippedStack = "dev" | "engineering" | "analytics";

/** The `config:` map of a shipped stack file, as a fresh copy. */
export function shippedConfig(stack: ShippedStack): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}

/** The stack `stack` alone from a config map, over what `deployed` holds (other stacks, its own previous run). */
export function planFromConfig(
    stack: string,
    config: Record<string, unknown>,
    deployed: Record<string, DeployedStack> = {},
): Promise<StackPlan> {
    return planStack(stackFromConfig(stack, config), DEFAULT_ORGANIZATION, deployed);
}

/** The database stack alone (its own previous deployment: none). */
export function planDatabase(config = shippedConfig("dev"), stack = "dev"): Promise<StackPlan> {
    return planFromConfig(stack, config);
}

/**
 * The database stack and consumer stacks from config maps (default: the shipped dev and engineering).
 * Each consumer stack is named after its `consumerName`.
 */
export function planPair(
    databaseConfig = shippedConfig("dev"),
    consumerConfigs: Array<Record<string, unknown>> = [shippedConfig("engineering")],
): Promise<Plan> {
    const consumers: PlanStack[] = consumerConfigs.map((config) =>
        stackFromConfig(String(config["cross-account-rds:consumerName"] ?? "engineering"), config),
    );
    return planAll(stackSet([stackFromConfig("dev", databaseConfig), ...consumers], DEFAULT_ORGANIZATION));
}

/** Every shipped stack file, as `npm start` plans them. */
export function planShipped(): Promise<Plan> {
    return planAll(loadStackSet([], { organization: DEFAULT_ORGANIZATION }));
}

/** A consumer's plan by stack name. */
export function consumer(plan: Plan, stack: string): StackPlan {
    const found = plan.consumers.find((c) => c.stack === stack);
    if (!found) {
        throw new Error(
            `no consumer stack ${stack} in the plan (${plan.consumers.map((c) => c.stack).join(", ")})`,
        );
    }
    return found;
}

export function only(plan: StackPlan, type: string, name?: string): PlannedResource {
    const found = plan.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
        throw new Error(
            `expected one ${type}${name ? ` named ${name}` : ""} in ${plan.stack}, found ${found.length}`,
        );
    }
    return found[0];
}

export function all(plan: StackPlan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The id of the security group `name` of `plan`. */
export function securityGroupId(plan: StackPlan, name: string): string {
    return String(only(plan, "aws:ec2/securityGroup:SecurityGroup", name).id);
}

/** The security group rule resources of `plan` in `direction` (SecurityGroupIngressRule or -EgressRule). */
export function ruleResources(plan: StackPlan, direction: "ingress" | "egress"): PlannedResource[] {
    return all(
        plan,
        direction === "ingress"
            ? "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
            : "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    );
}

/** Each of `resources` as the row of its inputs `fields`, in that order. */
export function inputRows(resources: readonly PlannedResource[], ...fields: string[]): unknown[][] {
    return resources.map((r) => fields.map((field) => r.inputs[field]));
}

export function policy(document: unknown): PolicyJson {
    return JSON.parse(String(document)) as PolicyJson;
}

/** The zone ids behind zone names, as the mock cloud maps them for an account. */
export async function zoneIdsOf(accountId: string, names: string[], region = "us-east-1"): Promise<string[]> {
    const zones = new MockCloud({ accountId, region: region }).call({
        token: "aws:index/getAvailabilityZones:getAvailabilityZones",
        inputs: {},
        provider: undefined,
    } as unknown as Parameters<MockCloud["call"]>[0]) as { names: string[]; zoneIds: string[] };
    return names.map((name) => zones.zoneIds[zones.names.indexOf(name)]);
}
