// Reads the database stack's outputs for a consumer, and this consumer's record among them: the single
// source of truth for its account, CIDR, role name, network path and external id. Everything the
// consumer branches on is read here as plain values, so a stack that was never deployed, that does not
// admit this consumer, or that names another account fails with one clear message before any resource
// is declared.
import * as pulumi from "@pulumi/pulumi";
import { ConsumerStackConfig } from "../config";
import { ConsumerRecord, DATABASE_EXPORT_NAMES, DatabaseExports } from "../contract";
import { PROJECT } from "../lib/constants";

export interface DatabaseReference {
    readonly ref: pulumi.StackReference;
    readonly exports: DatabaseExports;
    /** This consumer's record in the database stack. */
    readonly record: ConsumerRecord;
    /** The data-access role this consumer's function assumes. */
    readonly dataAccessRoleArn: string;
    /** The external id to present on AssumeRole, a secret; undefined when none is required. */
    readonly externalId?: pulumi.Output<string>;
}

export async function readDatabaseStack(config: ConsumerStackConfig): Promise<DatabaseReference> {
    const stackName = config.databaseStack;
    const deployFirst = `Deploy the database stack first: \`pulumi up --stack ${stackName}\`.`;
    const ref = new pulumi.StackReference(stackName);
    const values: Record<string, unknown> = {};
    for (const name of DATABASE_EXPORT_NAMES) {
        let details: pulumi.StackReferenceOutputDetails;
        try {
            details = await ref.getOutputDetails(name);
        } catch (err) {
            throw new pulumi.RunError(
                `${PROJECT}:databaseStack: cannot read stack ${stackName} (${(err as Error).message}). ${deployFirst}`,
            );
        }
        const value = name === "consumerExternalIds" ? (details.secretValue ?? details.value) : details.value;
        if (value === undefined) {
            throw new pulumi.RunError(
                `${PROJECT}:databaseStack: stack ${stackName} has no output "${name}"; it is not a deployed ` +
                    `${PROJECT} database stack of this version. ${deployFirst}`,
            );
        }
        values[name] = value;
    }
    const exports = values as unknown as DatabaseExports;
    const fix = `Add it to ${PROJECT}:consumers of stack ${stackName} and run \`pulumi up --stack ${stackName}\` first.`;
    const record = exports.consumers[config.consumerName];
    if (record === undefined) {
        throw new pulumi.RunError(
            `${PROJECT}:consumerName: stack ${stackName} does not admit consumer "${config.consumerName}" ` +
                `(it admits: ${Object.keys(exports.consumers).join(", ") || "none"}). ${fix}`,
        );
    }
    const problems = recordProblems(config, stackName, exports, record);
    if (problems.length > 0) {
        throw new pulumi.RunError(problems.join("\n"));
    }
    const externalIds = exports.consumerExternalIds;
    return {
        ref,
        exports,
        record,
        dataAccessRoleArn: record.dataAccessRoleArn!,
        ...(record.externalIdRequired ? { externalId: pulumi.secret(externalIds[config.consumerName]) } : {}),
    };
}

/** Why this consumer stack may not deploy against its record: each message names the keys on both sides. */
function recordProblems(
    config: ConsumerStackConfig,
    stackName: string,
    exports: Pick<DatabaseExports, "region" | "accountId">,
    record: ConsumerRecord,
): string[] {
    const entry = `${PROJECT}:consumers[name=${config.consumerName}]`;
    const problems: string[] = [];
    if (record.accountId !== config.accountId) {
        problems.push(
            `aws:allowedAccountIds: stack ${pulumi.getStack()} deploys into account ${config.accountId}, but ${entry}.accountId ` +
                `in stack ${stackName} is ${record.accountId}. Fix whichever is wrong: this stack's ` +
                `aws:allowedAccountIds, or that entry in the database stack (then \`pulumi up --stack ${stackName}\`).`,
        );
    }
    if (exports.region !== config.region) {
        problems.push(
            `aws:region: ${config.region} differs from the region ${exports.region} of stack ${stackName}; the ` +
                "function reaches STS and Secrets Manager through this VPC's endpoints, which serve only their own region",
        );
    }
    if (record.retiring) {
        problems.push(
            `${entry}.retiring is true in stack ${stackName}: its data access is revoked and this stack may only be ` +
                `destroyed (\`pulumi destroy\`). Afterwards, remove "${config.consumerName}" from that stack's consumers.`,
        );
    } else if (record.dataAccessRoleArn === undefined) {
        problems.push(
            `${entry} in stack ${stackName} has no data-access role. Run \`pulumi up --stack ${stackName}\`.`,
        );
    }
    return problems;
}
