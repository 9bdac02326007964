// The outputs the database stack exports and a consumer stack requires: one list, so a test can prove
// that what one side requires the other exports. The database stack is the single source of truth for
// each consumer: a consumer stack takes its CIDR, role name, network path and external id from its
// record here, never from its own stack file.
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPath } from "./config";

/** What the database stack says about one consumer, for that consumer's stack. */
export interface ConsumerRecord {
    /** The consumer's AWS account id (the consumer stack must deploy into exactly this account). */
    readonly accountId: string;
    /** How it reaches the database: `peering` or `privatelink`. */
    readonly network: NetworkPath;
    /** The consumer VPC's CIDR block. */
    readonly vpcCidr: string;
    /** Name of the consumer function's role, which the data-access role trusts exactly. */
    readonly functionRoleName: string;
    /** ARN of that role. */
    readonly functionRoleArn: string;
    /** Whether AssumeRole needs an external id (its value is in the secret output `consumerExternalIds`). */
    readonly externalIdRequired: boolean;
    /** The consumer account is outside the organization: it accepts a RAM invitation (privatelink only). */
    readonly outsideOrganization: boolean;
    /** Data access revoked: the consumer stack may only be destroyed. */
    readonly retiring: boolean;
    /** The role the consumer's function assumes (absent while retiring). */
    readonly dataAccessRoleArn?: string;
    /** The role the consumer's deployer assumes to accept the peering and route back (peering only). */
    readonly peeringAccepterRoleArn?: string;
    /** The database's resource configuration shared with this consumer (privatelink only). */
    readonly resourceConfigurationArn?: string;
    /** The RAM share that carries it to this consumer's account (privatelink only). */
    readonly resourceShareArn?: string;
}

/** Every output of the database stack, with what it holds. */
export interface DatabaseExports {
    /** The database account's id. */
    readonly accountId: string;
    /** The database stack's region (consumers must deploy to the same region). */
    readonly region: string;
    /** The database VPC's id (the peering's accepter side). */
    readonly vpcId: string;
    /** The database VPC's CIDR block (a peering function's only 3306 destination). */
    readonly vpcCidr: string;
    /** Route tables of the database subnets (each gets a route back to each peering consumer). */
    readonly routeTableIds: string[];
    /** Zone ids the database subnets (and the resource gateway) span: a consumer's VPC spans them too. */
    readonly availabilityZoneIds: string[];
    /** RDS endpoint host name. */
    readonly dbHost: string;
    /** RDS port. */
    readonly dbPort: number;
    /** The database the function reads. */
    readonly dbName: string;
    /** ARN of the reader secret (cross-account reads need the ARN, not the name). */
    readonly readerSecretArn: string;
    /** One record per admitted consumer, by consumer name. */
    readonly consumers: Record<string, ConsumerRecord>;
    /** External ids by consumer name (only those that require one); a secret output. */
    readonly consumerExternalIds: Record<string, string>;
}

export const DATABASE_EXPORT_NAMES = [
    "accountId",
    "region",
    "vpcId",
    "vpcCidr",
    "routeTableIds",
    "availabilityZoneIds",
    "dbHost",
    "dbPort",
    "dbName",
    "readerSecretArn",
    "consumers",
    "consumerExternalIds",
] as const satisfies ReadonlyArray<keyof DatabaseExports>;

/** Every output of a consumer stack. */
export interface ConsumerExports {
    readonly functionName: string;
    readonly functionArn: string;
    readonly vpcId: string;
    /** How this consumer reaches the database. */
    readonly network: NetworkPath;
    /** The VPC peering connection (peering consumers). */
    readonly peeringConnectionId?: string;
    /** The VPC endpoint of type Resource (privatelink consumers). */
    readonly resourceEndpointId?: string;
}

/** A stack's outputs as the program returns them: each value may still be an Output. */
export type Exported<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };
