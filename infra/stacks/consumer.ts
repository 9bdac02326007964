// The consumer account: a private VPC with STS and Secrets Manager endpoints, the network path to the
// database (a VPC peering accepted through the database stack's peering-accepter role, or a PrivateLink
// resource endpoint), and the fetch-rows function. Deployed after the database stack, whose record for
// this consumer it reads by StackReference.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHandler } from "../../functions/fetch-rows";
import { PeeredVpcPair } from "../components/peeredVpcPair";
import { RdsResourceEndpoint } from "../components/rdsResourceEndpoint";
import { ConsumerStackConfig } from "../config";
import { ConsumerExports, Exported } from "../contract";
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import { MYSQL_PORT, PROJECT } from "../lib/constants";
import { toPolicyJson } from "../lib/iam";
import { vpcFunction, vpcLambdaStatements } from "../lib/lambda";
import { chooseZones, functionWithEndpoints, isolatedVpc, IsolatedVpc, tcpRule } from "../lib/network";
import { DatabaseReference, readDatabaseStack } from "./databaseReference";

export async function consumerStack(config: ConsumerStackConfig): Promise<Exported<ConsumerExports>> {
    const stack = pulumi.getStack();
    const tags = { project: PROJECT, stack, stackRole: "consumer" };

    // Values the program branches on are read (and checked) before any resource is declared.
    const database = await readDatabaseStack(config);
    const { ref, exports, record } = database;
    if (record.network === "peering") {
        const dbCidr = parseCidr(exports.vpcCidr);
        const ownCidr = parseCidr(record.vpcCidr);
        if (!dbCidr || !ownCidr || cidrsOverlap(dbCidr, ownCidr)) {
            throw new pulumi.RunError(
                `${PROJECT}:consumers[name=${config.consumerName}].vpcCidr in stack ${config.databaseStack}: ` +
                    `${record.vpcCidr} overlaps the database VPC ${exports.vpcCidr}; peered VPCs need disjoint ` +
                    "CIDR blocks (or set network: privatelink for this consumer)",
            );
        }
    }

    // The database's zones first (by zone id): a resource endpoint needs a zone in common with the resource
    // gateway, and peering traffic within one zone costs nothing.
    const zones = await chooseZones(config.availabilityZoneCount, exports.availabilityZoneIds, {
        requireOverlap:
            record.network === "privatelink" ? `stack ${config.databaseStack}'s zones` : undefined,
    });
    const isolated = isolatedVpc("consumer", {
        cidrBlock: record.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        availabilityZoneNames: zones.names,
        subnetName: "function",
        tags,
    });
    const { vpc } = isolated;

    // --- Security groups: the function reaches MySQL over its network path and the endpoints, nothing else.
    const { functionGroup: functionSg, endpoints } = functionWithEndpoints({
        vpc,
        region: config.region,
        services: ["sts", "secretsmanager"],
        endpointPrefix: "consumer",
        functionGroup: {
            name: "fetch-rows",
            description:
                record.network === "peering"
                    ? "fetch-rows function: MySQL to the database VPC, HTTPS to the STS and Secrets Manager endpoints"
                    : "fetch-rows function: MySQL to the resource endpoint, HTTPS to the STS and Secrets Manager endpoints",
        },
        endpointGroup: {
            name: "consumer-endpoints",
            description: "Interface endpoints: HTTPS from the fetch-rows function only",
        },
        egress: {
            name: "fetch-rows-endpoints",
            description: "HTTPS to the STS and Secrets Manager endpoints",
        },
        ingress: {
            name: "consumer-endpoints-https-from-fetch-rows",
            description: "HTTPS from the fetch-rows function",
        },
        tags,
    });

    const path =
        record.network === "peering"
            ? peeringPath(config, database, isolated, functionSg, tags)
            : privatelinkPath(config, database, isolated, functionSg, tags);

    // --- The function -----------------------------------------------------------------------------
    const functionName = `${PROJECT}-${config.consumerName}-fetch-rows`;
    const environment: Record<string, pulumi.Input<string>> = {
        DB_ACCESS_ROLE_ARN: database.dataAccessRoleArn,
        DB_SECRET_ARN: ref.requireOutput("readerSecretArn") as pulumi.Output<string>,
        // The RDS host name either way: PrivateLink's private DNS answers it with the endpoint's addresses,
        // so TLS still verifies the RDS certificate.
        DB_HOST: ref.requireOutput("dbHost") as pulumi.Output<string>,
        DB_PORT: (ref.requireOutput("dbPort") as pulumi.Output<number>).apply(String),
        DB_NAME: ref.requireOutput("dbName") as pulumi.Output<string>,
        DB_TLS: "rds",
        ALLOWED_TABLES: config.fn.allowedTables.join(","),
        MAX_ROWS: String(config.fn.maxRows),
    };
    if (database.externalId !== undefined) {
        environment.DB_ACCESS_EXTERNAL_ID = database.externalId;
    }
    const { fn } = vpcFunction("fetch-rows", {
        functionName,
        description: `Reads allow-listed tables of ${config.databaseStack} through the cross-account role`,
        callbackFactory: () => createHandler(),
        timeout: config.fn.timeoutSeconds,
        memorySize: config.fn.memoryMb,
        environment,
        subnetIds: vpc.isolatedSubnetIds,
        securityGroupId: functionSg.id,
        accountId: config.accountId,
        // The name comes from the database stack's record: its data-access role trusts exactly this role ARN.
        roleName: record.functionRoleName,
        roleDescription: `fetch-rows: assumes the data-access role of ${config.databaseStack}`,
        policy: (logGroupArn) =>
            logGroupArn.apply((arn) =>
                toPolicyJson({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "AssumeTheDataAccessRole",
                            Effect: "Allow",
                            Action: "sts:AssumeRole",
                            Resource: database.dataAccessRoleArn,
                        },
                        ...vpcLambdaStatements(arn),
                    ],
                }),
            ),
        logRetentionInDays: config.fn.logRetentionDays,
        tags,
        // The function is useless until its network path and the endpoints exist.
        dependsOn: [path.resource, ...endpoints],
    });

    return {
        functionName: fn.name,
        functionArn: fn.arn,
        vpcId: vpc.vpcId,
        network: record.network,
        ...path.exports,
    };
}

interface NetworkPath {
    /** What the function must wait for. */
    readonly resource: pulumi.Resource;
    readonly exports: Pick<Exported<ConsumerExports>, "peeringConnectionId" | "resourceEndpointId">;
}

/** Peering: requested here, accepted in the database account through its accepter role. */
function peeringPath(
    config: ConsumerStackConfig,
    { ref, exports, record }: DatabaseReference,
    { vpc, routeTableIds }: IsolatedVpc,
    functionSg: aws.ec2.SecurityGroup,
    tags: Record<string, string>,
): NetworkPath {
    tcpRule("fetch-rows-mysql", "egress", {
        securityGroupId: functionSg.id,
        port: MYSQL_PORT,
        description: `MySQL to the database VPC of ${config.databaseStack} over the peering`,
        peer: { cidrIpv4: exports.vpcCidr },
    });
    const databaseAccount = new aws.Provider("database-account", {
        region: exports.region as aws.Region,
        allowedAccountIds: [exports.accountId],
        assumeRoles: [
            {
                roleArn: record.peeringAccepterRoleArn!,
                sessionName: `${PROJECT}-${config.consumerName}-peering`,
            },
        ],
    });
    const peering = new PeeredVpcPair("database-peering", {
        requester: {
            vpcId: vpc.vpcId,
            cidrBlock: record.vpcCidr,
            routeTableIds,
            accountId: config.accountId,
        },
        accepter: {
            vpcId: ref.requireOutput("vpcId") as pulumi.Output<string>,
            cidrBlock: exports.vpcCidr,
            routeTableIds: exports.routeTableIds,
            accountId: exports.accountId,
            region: exports.region,
            provider: databaseAccount,
        },
        tags,
    });
    return { resource: peering, exports: { peeringConnectionId: peering.peeringConnectionId } };
}

/** PrivateLink: a Resource endpoint for the configuration the database account shared with this one. */
function privatelinkPath(
    _config: ConsumerStackConfig,
    { record }: DatabaseReference,
    { vpc }: IsolatedVpc,
    functionSg: aws.ec2.SecurityGroup,
    tags: Record<string, string>,
): NetworkPath {
    const endpoint = new RdsResourceEndpoint("database-endpoint", {
        vpcId: vpc.vpcId,
        subnetIds: vpc.isolatedSubnetIds,
        functionSecurityGroupId: functionSg.id,
        resourceConfigurationArn: record.resourceConfigurationArn!,
        resourceShareArn: record.resourceShareArn,
        acceptShareInvitation: record.outsideOrganization,
        tags,
    });
    return { resource: endpoint, exports: { resourceEndpointId: endpoint.endpointId } };
}
