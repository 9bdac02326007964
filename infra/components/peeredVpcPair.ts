// Two VPCs, possibly in two accounts and regions, peered: the request from one side, the acceptance, routes
// and DNS options from the other, each side's resources declared with that side's provider.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrProblem, isOpenCidr, overlapProblem, parseCidr } from "../lib/cidr";
import type { Cidr } from "../lib/cidr";
import { accountIdProblem, describe, regionProblem } from "../lib/validate";
import { requireValid } from "./args";

export interface PeeringSide {
    /** The side's VPC id (required). */
    readonly vpcId: pulumi.Input<string>;
    /** The side's CIDR block: the exact destination of the other side's routes (required). */
    readonly cidrBlock: string;
    /** Route tables that get a route to the other side; a plain array so the count is known at preview (required, non-empty). */
    readonly routeTableIds: readonly pulumi.Input<string>[];
}

export interface RequesterSide extends PeeringSide {
    /** Provider of the requester's account and region (default: the program's default provider). */
    readonly provider?: aws.Provider;
    /** The requester's account id, which lets the component recognize a same-account pair (default: unknown). */
    readonly accountId?: string;
}

export interface AccepterSide extends PeeringSide {
    /** The accepter's account id, the peering's `peerOwnerId` (required). */
    readonly accountId: string;
    /** The accepter's region, the peering's `peerRegion` (required). */
    readonly region: string;
    /** Provider of the accepter's account and region (required unless `requester.accountId === accountId`). */
    readonly provider?: aws.Provider;
}

export interface PeeredVpcPairArgs {
    /** The side that requests the peering (required). */
    readonly requester: RequesterSide;
    /** The side that accepts it (required). */
    readonly accepter: AccepterSide;
    /** Whether each side resolves the other's private DNS names to private addresses (default true). */
    readonly allowRemoteVpcDnsResolution?: boolean;
    /** Tags for the peering connection and accepter (default: none). */
    readonly tags?: Record<string, string>;
}

/** Checks every argument before anything is declared; throws `pulumi.InputPropertyError` naming the bad one. */
export function validatePeeredVpcPairArgs(args: PeeredVpcPairArgs): void {
    if (typeof args.requester !== "object" || args.requester === null) {
        requireValid("requester", `${describe(args.requester)} is not a peering side`);
    }
    if (typeof args.accepter !== "object" || args.accepter === null) {
        requireValid("accepter", `${describe(args.accepter)} is not a peering side`);
    }
    const requesterCidr = requirePeerCidr("requester.cidrBlock", args.requester.cidrBlock);
    const accepterCidr = requirePeerCidr("accepter.cidrBlock", args.accepter.cidrBlock);
    requireValid(
        "accepter.cidrBlock",
        overlapProblem(accepterCidr, [{ key: "requester.cidrBlock", cidr: requesterCidr }]),
    );
    requireRouteTables("requester.routeTableIds", args.requester.routeTableIds);
    requireRouteTables("accepter.routeTableIds", args.accepter.routeTableIds);
    requireVpcId("requester.vpcId", args.requester.vpcId);
    requireVpcId("accepter.vpcId", args.accepter.vpcId);
    requireValid("accepter.accountId", accountIdProblem(args.accepter.accountId));
    requireValid("accepter.region", regionProblem(args.accepter.region));
    if (args.requester.accountId !== undefined) {
        requireValid("requester.accountId", accountIdProblem(args.requester.accountId));
    }
    const accepterAccount = args.accepter.accountId;
    if (args.accepter.provider === undefined && args.requester.accountId !== accepterAccount) {
        requireValid(
            "accepter.provider",
            `missing: only account ${accepterAccount} can accept the peering and route back, so pass its provider` +
                (args.requester.accountId === undefined
                    ? " (or set requester.accountId for a same-account pair)"
                    : ""),
        );
    }
    if (
        args.allowRemoteVpcDnsResolution !== undefined &&
        typeof args.allowRemoteVpcDnsResolution !== "boolean"
    ) {
        requireValid(
            "allowRemoteVpcDnsResolution",
            `${describe(args.allowRemoteVpcDnsResolution)} is not true or false`,
        );
    }
}

export class PeeredVpcPair extends pulumi.ComponentResource {
    readonly peeringConnectionId: pulumi.Output<string>;
    /** The accepter's view of the connection: "active" once accepted. */
    readonly accepterStatus: pulumi.Output<string>;
    readonly requesterRoutes: aws.ec2.Route[];
    readonly accepterRoutes: aws.ec2.Route[];

    constructor(name: string, args: PeeredVpcPairArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked first, so a refused argument declares nothing, not even this component.
        validatePeeredVpcPairArgs(args);
        super("cross-account-rds:network:PeeredVpcPair", name, {}, opts);
        const { requester, accepter } = args;
        const provider = {
            requester: requester.provider,
            // Validation guarantees a same-account pair here, where the requester's credentials can accept.
            accepter: accepter.provider ?? requester.provider,
        };
        const dns = args.allowRemoteVpcDnsResolution ?? true;

        const connection = new aws.ec2.VpcPeeringConnection(
            name,
            {
                vpcId: requester.vpcId,
                peerVpcId: accepter.vpcId,
                peerOwnerId: accepter.accountId,
                peerRegion: accepter.region,
                // Auto-accept cannot cross accounts or regions; the accepter resource below does it instead.
                autoAccept: false,
                tags: { ...args.tags, Name: name, Side: "requester" },
            },
            { parent: this, provider: provider.requester },
        );
        this.peeringConnectionId = connection.id;
        const accepted = new aws.ec2.VpcPeeringConnectionAccepter(
            `${name}-accepter`,
            {
                vpcPeeringConnectionId: connection.id,
                autoAccept: true,
                tags: { ...args.tags, Name: name, Side: "accepter" },
            },
            { parent: this, provider: provider.accepter },
        );
        this.accepterStatus = accepted.acceptStatus;

        const routes = (
            side: "requester" | "accepter",
            tables: readonly pulumi.Input<string>[],
            destination: string,
        ) =>
            tables.map(
                (routeTableId, i) =>
                    new aws.ec2.Route(
                        `${name}-${side}-${i}`,
                        {
                            routeTableId,
                            destinationCidrBlock: destination,
                            vpcPeeringConnectionId: accepted.id,
                        },
                        {
                            parent: this,
                            provider: provider[side],
                            dependsOn: [accepted],
                        },
                    ),
            );
        this.requesterRoutes = routes("requester", requester.routeTableIds, accepter.cidrBlock);
        this.accepterRoutes = routes("accepter", accepter.routeTableIds, requester.cidrBlock);

        // DNS options can only be set on an active connection, and each side only by its own account.
        for (const side of ["requester", "accepter"] as const) {
            new aws.ec2.PeeringConnectionOptions(
                `${name}-${side}-dns`,
                { vpcPeeringConnectionId: accepted.id, [side]: { allowRemoteVpcDnsResolution: dns } },
                { parent: this, provider: provider[side], dependsOn: [accepted] },
            );
        }

        this.registerOutputs({
            peeringConnectionId: this.peeringConnectionId,
            accepterStatus: this.accepterStatus,
            requesterRoutes: this.requesterRoutes,
            accepterRoutes: this.accepterRoutes,
        });
    }
}

function requirePeerCidr(key: string, value: unknown): Cidr {
    if (typeof value === "string" && isOpenCidr(value)) {
        requireValid(key, `${value} would send all traffic into the peering; give the VPC's CIDR`);
    }
    requireValid(key, cidrProblem(value));
    return parseCidr(value as string) as Cidr;
}

function requireRouteTables(key: string, ids: unknown): void {
    if (!Array.isArray(ids)) {
        requireValid(
            key,
            `${describe(ids)} is not a list; pass route table ids so counts are known at preview`,
        );
    }
    if ((ids as unknown[]).length === 0) {
        requireValid(key, "must list at least one route table; without routes the peering carries nothing");
    }
    const seen = new Set<string>();
    (ids as unknown[]).forEach((id, i) => {
        if (typeof id === "string") {
            if (!/^rtb-[0-9a-f]{8,17}$/.test(id)) {
                requireValid(`${key}[${i}]`, `${describe(id)} is not a route table id (rtb-...)`);
            }
            if (seen.has(id)) {
                requireValid(`${key}[${i}]`, `${describe(id)} is listed twice`);
            }
            seen.add(id);
        }
    });
}

function requireVpcId(key: string, id: unknown): void {
    if (typeof id === "string" && !/^vpc-[0-9a-f]{8,17}$/.test(id)) {
        requireValid(key, `${describe(id)} is not a VPC id (vpc-...)`);
    }
}
