// Reads the database stack's outputs for a consumer. Everything the consumer branches on (CIDRs, route
// table count, account, region, its own roles) is read here as plain values, so a stack that was
// never deployed, or that does not admit this consumer, fails with one clear message before any
// resource is declared.
import * as pulumi from "@pulumi/pulumi";
import { ConsumerStackConfig, PROJECT } from "../config";
import { DATABASE_EXPORT_NAMES, DatabaseExports } from "../contract";

export interface DatabaseReference {
    readonly ref: pulumi.StackReference;
    readonly exports: DatabaseExports;
    /** The data-access role this consumer's function assumes. */
    readonly dataAccessRoleArn: string;
    /** The role this consumer's deployer assumes to accept the peering. */
    readonly peeringAccepterRoleArn: string;
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
                `cross-account-rds:databaseStack: cannot read stack ${stackName} (${(err as Error).message}). ${deployFirst}`,
            );
        }
        const value = details.value ?? details.secretValue;
        if (value === undefined) {
            throw new pulumi.RunError(
                `cross-account-rds:databaseStack: stack ${stackName} has no output "${name}"; it is not a deployed ` +
                    `${PROJECT} database stack of this version. ${deployFirst}`,
            );
        }
        values[name] = value;
    }
    const exports = values as unknown as DatabaseExports;
    if (exports.region !== config.region) {
        throw new pulumi.RunError(
            `aws:region: ${config.region} differs from the database stack's region ${exports.region}; the function ` +
                `reaches STS and Secrets Manager through this VPC's endpoints, which serve only their own region`,
        );
    }
    const admitted = Object.keys(exports.dataAccessRoleArns);
    const dataAccessRoleArn = exports.dataAccessRoleArns[config.consumerName];
    const peeringAccepterRoleArn = exports.peeringAccepterRoleArns[config.consumerName];
    if (dataAccessRoleArn === undefined || peeringAccepterRoleArn === undefined) {
        throw new pulumi.RunError(
            `cross-account-rds:consumerName: stack ${stackName} does not admit consumer "${config.consumerName}" ` +
                `(it admits: ${admitted.join(", ") || "none"}). Add it to that stack's cross-account-rds:consumers ` +
                `and run \`pulumi up --stack ${stackName}\` first.`,
        );
    }
    return { ref, exports, dataAccessRoleArn, peeringAccepterRoleArn };
}
