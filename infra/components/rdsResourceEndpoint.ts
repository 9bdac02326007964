// The consumer side of the PrivateLink path: a VPC endpoint of type `Resource` for the database account's
// shared resource configuration, with private DNS so the RDS host name resolves to the endpoint inside
// this VPC, and a security group that admits MySQL from the function alone.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mysqlOnlyGroup } from "../lib/network";
import { describe, PARTITION } from "../lib/validate";
import { requireValid } from "./args";
import { requireSubnetIds } from "./sharedRdsResource";

export interface RdsResourceEndpointArgs {
    /** The consumer VPC, where the endpoint's interfaces live (required). */
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the endpoint, at least 1, best every AZ the function runs in; a plain array is checked at once, an output once known (required). */
    readonly subnetIds: pulumi.Input<readonly pulumi.Input<string>[]>;
    /** The function's security group: the only source the endpoint admits; it gets a 3306 egress rule to the endpoint (required). */
    readonly functionSecurityGroupId: pulumi.Input<string>;
    /** ARN of the shared resource configuration (`arn:aws:vpc-lattice:<region>:<account>:resourceconfiguration/rcfg-...`) (required). */
    readonly resourceConfigurationArn: pulumi.Input<string>;
    /** ARN of the RAM share naming this account; used only to accept its invitation (required when `acceptShareInvitation`). */
    readonly resourceShareArn?: pulumi.Input<string>;
    /** Accept the share's invitation: needed when the database account shares from outside this account's Organization (default false). */
    readonly acceptShareInvitation?: boolean;
    /** Tags for every taggable child (default: none). */
    readonly tags?: Record<string, string>;
}

const RESOURCE_CONFIGURATION_ARN = new RegExp(
    `^arn:${PARTITION}:vpc-lattice:[a-z0-9-]+:\\d{12}:resourceconfiguration/rcfg-[0-9a-z]{17}$`,
);
const RESOURCE_SHARE_ARN = new RegExp(
    `^arn:${PARTITION}:ram:[a-z0-9-]+:\\d{12}:resource-share/[0-9a-f-]{36}$`,
);

function resourceConfigurationArnProblem(arn: unknown): string | undefined {
    return typeof arn === "string" && RESOURCE_CONFIGURATION_ARN.test(arn)
        ? undefined
        : `${describe(arn)} is not a VPC Lattice resource configuration ARN ` +
              `(arn:${PARTITION}:vpc-lattice:<region>:<account>:resourceconfiguration/rcfg-...)`;
}

function resourceShareArnProblem(arn: unknown): string | undefined {
    return typeof arn === "string" && RESOURCE_SHARE_ARN.test(arn)
        ? undefined
        : `${describe(arn)} is not a RAM resource share ARN (arn:${PARTITION}:ram:<region>:<account>:resource-share/<id>)`;
}

/** Checks every argument known before deployment; throws `InputPropertyError` naming the bad one. */
export function validateRdsResourceEndpointArgs(args: RdsResourceEndpointArgs): void {
    for (const key of ["vpcId", "functionSecurityGroupId"] as const) {
        if (args[key] === undefined || args[key] === "") {
            requireValid(key, "missing: give the id");
        }
    }
    if (Array.isArray(args.subnetIds)) {
        requireSubnetIds("subnetIds", args.subnetIds, 1);
    }
    if (typeof args.resourceConfigurationArn === "string" || args.resourceConfigurationArn === undefined) {
        requireValid(
            "resourceConfigurationArn",
            resourceConfigurationArnProblem(args.resourceConfigurationArn),
        );
    }
    const accept: unknown = args.acceptShareInvitation;
    if (accept !== undefined && typeof accept !== "boolean") {
        requireValid("acceptShareInvitation", `${describe(accept)} is not true or false`);
    }
    if (accept === true && args.resourceShareArn === undefined) {
        requireValid(
            "resourceShareArn",
            "missing: accepting the invitation needs the share's ARN (the database stack exports it per consumer)",
        );
    }
    if (typeof args.resourceShareArn === "string") {
        requireValid("resourceShareArn", resourceShareArnProblem(args.resourceShareArn));
    }
}

export class RdsResourceEndpoint extends pulumi.ComponentResource {
    readonly endpointId: pulumi.Output<string>;
    readonly endpointArn: pulumi.Output<string>;
    /** The endpoint's security group: MySQL in from the function's group only. */
    readonly endpointSecurityGroupId: pulumi.Output<string>;
    /**
     * The endpoint's generated DNS names, as the provider reports them; it may leave them empty for
     * `Resource` endpoints. Clients use the RDS host name, which private DNS points at this endpoint.
     */
    readonly dnsEntries: pulumi.Output<aws.types.output.ec2.VpcEndpointDnsEntry[]>;
    /** The endpoint itself, for `dependsOn` of whatever connects through it. */
    readonly endpoint: aws.ec2.VpcEndpoint;

    constructor(name: string, args: RdsResourceEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked first, so a refused argument declares nothing, not even this component.
        validateRdsResourceEndpointArgs(args);
        super("cross-account-rds:privatelink:RdsResourceEndpoint", name, {}, opts);
        const tags = args.tags;

        const endpointSg = mysqlOnlyGroup(
            `${name}-endpoint-sg`,
            {
                vpcId: args.vpcId,
                tags: args.tags,
                description: "VPC endpoint to the shared RDS instance: MySQL from the function only",
                peer: { securityGroupId: args.functionSecurityGroupId, direction: "from" },
                egress: {
                    name: `${name}-function-to-endpoint`,
                    description: "MySQL to the RDS instance through its PrivateLink resource endpoint",
                },
                ingress: { name: `${name}-endpoint-from-function`, description: "MySQL from the function" },
            },
            this,
        );

        // The endpoint can only be created once the share is accepted; inside one Organization with
        // RAM sharing on there is no invitation, and an accepter would fail looking for one.
        const accepter = args.acceptShareInvitation
            ? new aws.ram.ResourceShareAccepter(
                  `${name}-accepter`,
                  {
                      shareArn: pulumi.output(args.resourceShareArn as pulumi.Input<string>).apply((arn) => {
                          requireValid("resourceShareArn", resourceShareArnProblem(arn));
                          return arn;
                      }),
                  },
                  { parent: this },
              )
            : undefined;

        const subnetIds = pulumi.output(args.subnetIds).apply((ids) => {
            requireSubnetIds("subnetIds", ids, 1);
            return [...ids];
        });
        this.endpoint = new aws.ec2.VpcEndpoint(
            `${name}-endpoint`,
            {
                vpcId: args.vpcId,
                vpcEndpointType: "Resource",
                resourceConfigurationArn: pulumi.output(args.resourceConfigurationArn).apply((arn) => {
                    requireValid("resourceConfigurationArn", resourceConfigurationArnProblem(arn));
                    return arn;
                }),
                subnetIds,
                securityGroupIds: [endpointSg.id],
                ipAddressType: "ipv4",
                // The RDS host name then resolves to this endpoint, so TLS still verifies the name the
                // RDS certificate carries. It cannot be changed after creation.
                privateDnsEnabled: true,
                tags,
            },
            { parent: this, dependsOn: accepter ? [accepter] : [] },
        );

        this.endpointId = this.endpoint.id;
        this.endpointArn = this.endpoint.arn;
        this.endpointSecurityGroupId = endpointSg.id;
        this.dnsEntries = this.endpoint.dnsEntries;
        this.registerOutputs({
            endpointId: this.endpointId,
            endpointArn: this.endpointArn,
            endpointSecurityGroupId: this.endpointSecurityGroupId,
            dnsEntries: this.dnsEntries,
        });
    }
}
