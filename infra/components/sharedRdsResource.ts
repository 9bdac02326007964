// The database side of the PrivateLink path: a VPC Lattice resource gateway in the database VPC, an
// ARN-type resource configuration for the RDS instance, and one AWS RAM share per consumer account.
// Consumers then reach the instance through a VPC endpoint of type `Resource` in their own VPC; nobody
// writes routes in the other account and the two VPCs may overlap.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mysqlOnlyGroup } from "../lib/network";
import { accountIdProblem, describe, PARTITION } from "../lib/validate";
import { ArgumentProblem, requireNoProblem, requireValid } from "./args";

export interface RdsConsumer {
    /** Short name, unique among `consumers`; names this consumer's share and its children (required). */
    readonly name: string;
    /** The consumer's AWS account id, the share's only principal (required). */
    readonly accountId: string;
    /** The account is outside this account's AWS Organization, or RAM sharing with the Organization is off: the share then admits external principals and the consumer must accept an invitation (default false). */
    readonly outsideOrganization?: boolean;
}

export interface SharedRdsResourceArgs {
    /** The database VPC, where the resource gateway lives (required). */
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the gateway, one per database AZ, at least 2; a plain array is checked at once, an output once known (required). */
    readonly subnetIds: pulumi.Input<readonly pulumi.Input<string>[]>;
    /** The RDS instance's security group; it gets a 3306 ingress rule from the gateway's group (required). */
    readonly dbSecurityGroupId: pulumi.Input<string>;
    /** ARN of the RDS DB instance to share (`arn:aws:rds:<region>:<account>:db:<identifier>`) (required). */
    readonly dbInstanceArn: pulumi.Input<string>;
    /** The accounts that may reach the instance, one RAM share each (required; empty keeps the gateway with no share). */
    readonly consumers: readonly RdsConsumer[];
    /** Tags for every taggable child (default: none). */
    readonly tags?: Record<string, string>;
}

// AWS caps resource gateway and resource configuration names at 40 of [a-z0-9-]; Pulumi autonames them
// `<child name>-<7 random characters>`, and the longest child suffix here is "-gateway".
const MAX_NAME_LENGTH = 40 - "-gateway".length - "-xxxxxxx".length;
const LATTICE_NAME = /^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;
const CONSUMER_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const DB_INSTANCE_ARN = new RegExp(`^arn:${PARTITION}:rds:[a-z0-9-]+:\\d{12}:db:[a-z][a-z0-9-]*$`);
// The service needs one subnet; the database spans at least two AZs and the gateway should too, so a
// consumer endpoint always shares an AZ with it and an AZ outage does not cut the path.
const MIN_GATEWAY_SUBNETS = 2;

/** Why `name` cannot name the component: its gateway and configuration are autonamed from it. */
function latticeNameProblem(name: unknown): string | undefined {
    if (typeof name !== "string" || !LATTICE_NAME.test(name) || /^(rgw|rcfg)-/.test(name)) {
        return (
            `${describe(name)} cannot name a resource gateway: use lowercase letters, digits and single ` +
            `hyphens, starting with a letter (not "rgw-" or "rcfg-")`
        );
    }
    if (name.length > MAX_NAME_LENGTH) {
        return `${describe(name)} is longer than ${MAX_NAME_LENGTH} characters; AWS caps gateway names at 40`;
    }
    return undefined;
}

/** Why `ids` (the argument `key`) is not a list of distinct subnet ids of at least `min` entries (outputs inside pass). */
function subnetIdsProblem(key: string, ids: unknown, min: number): ArgumentProblem | undefined {
    if (!Array.isArray(ids)) {
        return { propertyPath: key, problem: `${describe(ids)} is not a list of subnet ids` };
    }
    if (ids.length < min) {
        return {
            propertyPath: key,
            problem:
                min === 1
                    ? "must list at least one subnet"
                    : `lists ${ids.length} subnet(s); give at least ${min}, one per availability zone`,
        };
    }
    const seen = new Set<string>();
    for (const [i, id] of ids.entries()) {
        if (typeof id !== "string") {
            continue; // an output: checked again once known
        }
        if (!SUBNET_ID.test(id)) {
            return {
                propertyPath: `${key}[${i}]`,
                problem: `${describe(id)} is not a subnet id (subnet-...)`,
            };
        }
        if (seen.has(id)) {
            return { propertyPath: `${key}[${i}]`, problem: `${describe(id)} is listed twice` };
        }
        seen.add(id);
    }
    return undefined;
}

/** Throws `InputPropertyError` at `key` (or `key[i]`) when `ids` are not usable subnets. */
export function requireSubnetIds(key: string, ids: unknown, min: number): void {
    requireNoProblem(subnetIdsProblem(key, ids, min));
}

function dbInstanceArnProblem(arn: unknown): string | undefined {
    return typeof arn === "string" && DB_INSTANCE_ARN.test(arn)
        ? undefined
        : `${describe(arn)} is not an RDS DB instance ARN (arn:${PARTITION}:rds:<region>:<account>:db:<identifier>)`;
}

/** Checks the name and every argument known before deployment; throws `InputPropertyError` naming the bad one. */
export function validateSharedRdsResourceArgs(name: string, args: SharedRdsResourceArgs): void {
    requireValid("name", latticeNameProblem(name));
    if (Array.isArray(args.subnetIds)) {
        requireSubnetIds("subnetIds", args.subnetIds, MIN_GATEWAY_SUBNETS);
    }
    if (typeof args.dbInstanceArn === "string") {
        requireValid("dbInstanceArn", dbInstanceArnProblem(args.dbInstanceArn));
    }
    for (const key of ["vpcId", "dbSecurityGroupId"] as const) {
        if (args[key] === undefined || args[key] === "") {
            requireValid(key, "missing: give the id");
        }
    }
    // An empty list is valid: the gateway and configuration stay while a retiring consumer's stack still
    // has its endpoint, and only the shares go.
    if (!Array.isArray(args.consumers)) {
        requireValid("consumers", "must be a list of consumers (it may be empty)");
    }
    const names = new Set<string>();
    args.consumers.forEach((consumer: RdsConsumer, i) => {
        const at = `consumers[${i}]`;
        if (typeof consumer !== "object" || consumer === null) {
            requireValid(at, `${describe(consumer)} is not a consumer ({ name, accountId })`);
        }
        if (typeof consumer.name !== "string" || !CONSUMER_NAME.test(consumer.name)) {
            requireValid(`${at}.name`, `${describe(consumer.name)} must match ${CONSUMER_NAME.source}`);
        }
        if (names.has(consumer.name)) {
            requireValid(
                `${at}.name`,
                `"${consumer.name}" is listed twice; each consumer gets its own share`,
            );
        }
        names.add(consumer.name);
        requireValid(`${at}.accountId`, accountIdProblem(consumer.accountId));
        if (consumer.outsideOrganization !== undefined && typeof consumer.outsideOrganization !== "boolean") {
            requireValid(
                `${at}.outsideOrganization`,
                `${describe(consumer.outsideOrganization)} is not true or false`,
            );
        }
    });
}

export class SharedRdsResource extends pulumi.ComponentResource {
    /** The gateway's security group: MySQL out to the RDS security group, nothing else. */
    readonly gatewaySecurityGroupId: pulumi.Output<string>;
    readonly resourceGatewayId: pulumi.Output<string>;
    readonly resourceGatewayArn: pulumi.Output<string>;
    readonly resourceConfigurationId: pulumi.Output<string>;
    /** What each consumer's `Resource` VPC endpoint names. */
    readonly resourceConfigurationArn: pulumi.Output<string>;
    /** ARN of each consumer's RAM share, by consumer name (an outside consumer accepts it by this ARN). */
    readonly shareArns: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: SharedRdsResourceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked first, so a refused argument declares nothing, not even this component.
        validateSharedRdsResourceArgs(name, args);
        super("cross-account-rds:privatelink:SharedRdsResource", name, {}, opts);
        const tags = args.tags;

        // The gateway's rules govern only traffic from the gateway to the resource, so it needs egress
        // alone; the provider strips AWS's default allow-all egress from a new group. RDS sees the gateway's
        // addresses, never the consumers', so the ingress rule admits every consumer.
        const gatewaySg = mysqlOnlyGroup(
            `${name}-gateway-sg`,
            {
                vpcId: args.vpcId,
                tags: args.tags,
                description: "VPC Lattice resource gateway: MySQL to the RDS instance only",
                peer: { securityGroupId: args.dbSecurityGroupId, direction: "to" },
                egress: { name: `${name}-gateway-to-db`, description: "MySQL to the RDS instance" },
                ingress: {
                    name: `${name}-db-from-gateway`,
                    description: "MySQL from the VPC Lattice resource gateway (PrivateLink consumers)",
                },
            },
            this,
        );

        const subnetIds = pulumi.output(args.subnetIds).apply((ids) => {
            requireSubnetIds("subnetIds", ids, MIN_GATEWAY_SUBNETS);
            return [...ids];
        });
        const gateway = new aws.vpclattice.ResourceGateway(
            `${name}-gateway`,
            {
                vpcId: args.vpcId,
                subnetIds,
                securityGroupIds: [gatewaySg.id],
                // Every field but the security groups forces a replacement, so none is left to a default.
                ipAddressType: "IPV4",
                tags,
            },
            { parent: this },
        );
        const dbInstanceArn = pulumi.output(args.dbInstanceArn).apply((arn) => {
            requireValid("dbInstanceArn", dbInstanceArnProblem(arn));
            return arn;
        });
        const configuration = new aws.vpclattice.ResourceConfiguration(
            `${name}-config`,
            {
                // ARN type: the service knows the instance's endpoint, follows failovers, and lets a
                // consumer's private DNS answer for the RDS host name that the TLS certificate names.
                type: "ARN",
                resourceGatewayIdentifier: gateway.id,
                resourceConfigurationDefinition: { arnResource: { arn: dbInstanceArn } },
                // No re-sharing: a consumer may not hand the database on through a shareable service network.
                allowAssociationToShareableServiceNetwork: false,
                tags,
            },
            { parent: this },
        );

        this.shareArns = {};
        for (const consumer of args.consumers) {
            // One share per consumer, so revoking one account touches no other.
            const share = new aws.ram.ResourceShare(
                `${name}-share-${consumer.name}`,
                { allowExternalPrincipals: consumer.outsideOrganization ?? false, tags },
                { parent: this },
            );
            new aws.ram.ResourceAssociation(
                `${name}-share-${consumer.name}-resource`,
                { resourceArn: configuration.arn, resourceShareArn: share.arn },
                { parent: this },
            );
            new aws.ram.PrincipalAssociation(
                `${name}-share-${consumer.name}-principal`,
                { principal: consumer.accountId, resourceShareArn: share.arn },
                { parent: this },
            );
            this.shareArns[consumer.name] = share.arn;
        }

        this.gatewaySecurityGroupId = gatewaySg.id;
        this.resourceGatewayId = gateway.id;
        this.resourceGatewayArn = gateway.arn;
        this.resourceConfigurationId = configuration.id;
        this.resourceConfigurationArn = configuration.arn;
        this.registerOutputs({
            gatewaySecurityGroupId: this.gatewaySecurityGroupId,
            resourceGatewayId: this.resourceGatewayId,
            resourceGatewayArn: this.resourceGatewayArn,
            resourceConfigurationId: this.resourceConfigurationId,
            resourceConfigurationArn: this.resourceConfigurationArn,
            shareArns: this.shareArns,
        });
    }
}
