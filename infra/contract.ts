// The outputs the database stack exports and the consumer stack requires: one list, so a test can
// prove that what one side requires the other exports.

/** Every output of the database stack, with what it holds. */
export interface DatabaseExports {
    /** The database account's id. */
    readonly accountId: string;
    /** The database stack's region (consumers must deploy to the same region). */
    readonly region: string;
    /** The database VPC's id (the peering's accepter side). */
    readonly vpcId: string;
    /** The database VPC's CIDR block (the function's only 3306 destination). */
    readonly vpcCidr: string;
    /** Route tables of the database subnets (each gets a route back to the consumer). */
    readonly routeTableIds: string[];
    /** RDS endpoint host name. */
    readonly dbHost: string;
    /** RDS port. */
    readonly dbPort: number;
    /** The database the function reads. */
    readonly dbName: string;
    /** ARN of the reader secret (cross-account reads need the ARN, not the name). */
    readonly readerSecretArn: string;
    /** Data-access role ARN per consumer name. */
    readonly dataAccessRoleArns: Record<string, string>;
    /** Peering-accepter role ARN per consumer name. */
    readonly peeringAccepterRoleArns: Record<string, string>;
}

export const DATABASE_EXPORT_NAMES = [
    "accountId",
    "region",
    "vpcId",
    "vpcCidr",
    "routeTableIds",
    "dbHost",
    "dbPort",
    "dbName",
    "readerSecretArn",
    "dataAccessRoleArns",
    "peeringAccepterRoleArns",
] as const satisfies ReadonlyArray<keyof DatabaseExports>;

/** Every output of a consumer stack. */
export interface ConsumerExports {
    readonly functionName: string;
    readonly functionArn: string;
    readonly vpcId: string;
    readonly peeringConnectionId: string;
}

/** A stack's outputs as the program returns them: each value may still be an Output. */
export type Exported<T> = { readonly [K in keyof T]: import("@pulumi/pulumi").Input<T[K]> };
