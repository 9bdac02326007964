// Day-two guards of the database stack. The program compares its config with what this same stack last
// exported (a StackReference to itself reads the last completed deployment's outputs) and refuses, at
// preview, the changes that would strand something: replacing the RDS instance unasked, or dropping a
// consumer whose stack still depends on this one.
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseStackConfig } from "../config";
import { PROJECT } from "../lib/constants";
import type { ConsumerRecord } from "../contract";

/** What the last deployment of this stack exported, as far as the guards need it. */
export interface PreviousDeployment {
    readonly dbName?: string;
    readonly consumers: Readonly<Record<string, Pick<ConsumerRecord, "retiring" | "network">>>;
}

/** This stack's own last outputs; `undefined` on its first deployment. */
export async function readPreviousDeployment(): Promise<PreviousDeployment | undefined> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    try {
        const ref = new pulumi.StackReference("previous-deployment", { name: self });
        const [dbName, consumers] = await Promise.all([
            ref.getOutputDetails("dbName"),
            ref.getOutputDetails("consumers"),
        ]);
        if (dbName.value === undefined && consumers.value === undefined) {
            return undefined;
        }
        return {
            dbName: dbName.value as string | undefined,
            consumers: (consumers.value ?? {}) as PreviousDeployment["consumers"],
        };
    } catch (err) {
        void pulumi.log.warn(
            `Could not read this stack's previous outputs (${(err as Error).message}); the guards against ` +
                "replacing the database and dropping a consumer without retiring it are off for this run.",
        );
        return undefined;
    }
}

/** Why this config may not be applied over `previous`: one message per refused change. */
export function dayTwoProblems(
    config: DatabaseStackConfig,
    previous: PreviousDeployment | undefined,
): string[] {
    if (previous === undefined) {
        return [];
    }
    const problems: string[] = [];
    if (previous.dbName !== undefined && previous.dbName !== config.db.name && !config.db.allowReplacement) {
        problems.push(
            `${PROJECT}:dbName: changing it from "${previous.dbName}" to "${config.db.name}" replaces the RDS ` +
                "instance (RDS cannot rename its initial database): a new, empty instance, and the old one is " +
                "deleted after its final snapshot. If that is intended, set " +
                `${PROJECT}:allowDatabaseReplacement: true (and deletionProtection: false) for this update; ` +
                `otherwise set dbName back to "${previous.dbName}".`,
        );
    }
    const current = new Set(config.consumers.map((c) => c.name));
    for (const [name, record] of Object.entries(previous.consumers)) {
        if (!current.has(name) && !record.retiring) {
            problems.push(
                `${PROJECT}:consumers: consumer "${name}" was removed without retiring it first. Its stack ` +
                    "still depends on this one (its peering routes, its endpoint); removing it now would leave " +
                    `that stack unable to update or destroy. Put it back with retiring: true, deploy, destroy the ` +
                    `consumer's stack, then remove it.`,
            );
        }
    }
    return problems;
}

/** What a retiring consumer loses and keeps: said at preview, so the removal is never a surprise. */
export function retirementNotice(consumer: { name: string; network: string }): string {
    const keeps =
        consumer.network === "peering"
            ? "its peering-accepter role stays, so its stack can still remove its routes and the peering"
            : "nothing else of it stays; its stack's endpoint stops working once the share is gone";
    return (
        `Consumer "${consumer.name}" is retiring: its data-access role, its read grant on the reader secret, ` +
        `its 3306 ingress and any RAM share are removed; ${keeps}. Next: \`pulumi destroy\` its stack, then ` +
        `remove "${consumer.name}" from ${PROJECT}:consumers.`
    );
}
