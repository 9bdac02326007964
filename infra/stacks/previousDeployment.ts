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
    readonly consumers: Readonly<Record<string, Pick<ConsumerRecord, "retiring" | "network" | "accountId">>>;
}

/** This stack's own last outputs; `undefined` on its first deployment. */
export async function readPreviousDeployment(): Promise<PreviousDeployment | undefined> {
    const self = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    const ref = new pulumi.StackReference("previous-deployment", { name: self });
    const [dbName, consumers] = await Promise.all([
        ref.getOutputDetails("dbName"),
        ref.getOutputDetails("consumers"),
    ]);
    // A value marked secret counts as much as a plain one: the guards must never fail open.
    const value = (details: pulumi.StackReferenceOutputDetails) => details.value ?? details.secretValue;
    if (value(dbName) === undefined && value(consumers) === undefined) {
        return undefined; // the first deployment of this stack
    }
    return {
        dbName: value(dbName) as string | undefined,
        consumers: (value(consumers) ?? {}) as PreviousDeployment["consumers"],
    };
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
    const current = new Map(config.consumers.map((c) => [c.name, c]));
    const twoSteps =
        "Retire it first (retiring: true, deploy), destroy its stack, remove it, then add it again as it should be.";
    for (const [name, record] of Object.entries(previous.consumers)) {
        if (record.retiring) {
            continue;
        }
        const now = current.get(name);
        if (now === undefined) {
            problems.push(
                `${PROJECT}:consumers: consumer "${name}" was removed without retiring it first. Its stack ` +
                    "still depends on this one (its peering routes, its endpoint); removing it now would leave " +
                    `that stack unable to update or destroy. Put it back with retiring: true, deploy, destroy the ` +
                    `consumer's stack, then remove it.`,
            );
        } else if (now.network !== record.network || now.accountId !== record.accountId) {
            const what =
                now.network !== record.network
                    ? `its network from ${record.network} to ${now.network}`
                    : `its account from ${record.accountId} to ${now.accountId}`;
            problems.push(
                `${PROJECT}:consumers[name=${name}]: changing ${what} would delete what its deployed stack still ` +
                    `uses (its peering-accepter role or its share), leaving that stack unable to update or destroy. ` +
                    twoSteps,
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
