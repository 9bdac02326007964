// Runs the shipped stack programs (or variants of their config) under the mock cloud, as `npm start` does.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { PolicyJson } from "../../infra/lib/iam";
import { planAll, planStack, PlannedResource, StackPlan } from "../../plan/run";
import { stackFromConfig } from "../../plan/stackFiles";

export const ROOT = path.join(__dirname, "..", "..");

/** The `config:` map of a shipped stack file, as a fresh copy. */
export function shippedConfig(stack: "dev" | "engineering"): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}

export function planDatabase(config = shippedConfig("dev"), stack = "dev"): Promise<StackPlan> {
    return planStack(stackFromConfig(stack, config));
}

export async function planPair(
    databaseConfig = shippedConfig("dev"),
    consumerConfigs: Array<Record<string, unknown>> = [shippedConfig("engineering")],
) {
    return planAll(
        stackFromConfig("dev", databaseConfig),
        consumerConfigs.map((config, i) => stackFromConfig(i === 0 ? "engineering" : `consumer${i}`, config)),
    );
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

export function policy(document: unknown): PolicyJson {
    return JSON.parse(String(document)) as PolicyJson;
}
