// The database account: a private VPC, RDS MySQL, the reader secret, and per consumer a data-access
// role plus its network path (a peering-accepter role, or a RAM share of the RDS resource configuration).
// Deployed first; it knows its consumers from config, so nothing here waits for the consumer stacks.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CrossAccountRole } from "../components/crossAccountRole";
import { SecretShare } from "../components/secretShare";
import { SharedRdsResource } from "../components/sharedRdsResource";
import { ConsumerSpec, DatabaseStackConfig, MASTER_USERNAME } from "../config";
import { ConsumerRecord, DatabaseExports, Exported } from "../contract";
import { MYSQL_PORT, PROJECT } from "../lib/constants";
import { chooseZones, isolatedVpc, tcpRule } from "../lib/network";
import { bootstrapFunction } from "./bootstrap";
import { nameFor } from "./names";
import { dayTwoProblems, readPreviousDeployment, retirementNotice } from "./previousDeployment";

export async function databaseStack(
    config: DatabaseStackConfig,
): Promise<Exported<DatabaseExports> & { bootstrapResult: pulumi.Output<string> }> {
    const refused = dayTwoProblems(config, await readPreviousDeployment());
    if (refused.length > 0) {
        throw new pulumi.RunError(`Refused update:\n${refused.join("\n")}`);
    }
    for (const consumer of config.consumers.filter((c) => c.retiring)) {
        void pulumi.log.warn(retirementNotice(consumer));
    }
    const active = config.consumers.filter((c) => !c.retiring);
    const stack = pulumi.getStack();
    const tags = { project: PROJECT, stack, stackRole: "database" };

    // Zones chosen by zone id and exported: a consumer's VPC spans the same physical zones.
    const zones = await chooseZones(config.availabilityZoneCount);
    const { vpc, routeTableIds } = isolatedVpc("database", {
        cidrBlock: config.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        availabilityZoneNames: zones.names,
        subnetName: "db",
        tags,
    });

    // --- RDS -----------------------------------------------------------------------------------------
    // The key outlives the stack: a final snapshot encrypted with it must stay restorable after destroy.
    const storageKey = new aws.kms.Key(
        "database-storage",
        {
            description: `${PROJECT} ${stack}: RDS storage, final snapshots and the master secret`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags,
        },
        { retainOnDelete: true },
    );
    const dbSecurityGroup = new aws.ec2.SecurityGroup("database", {
        vpcId: vpc.vpcId,
        description:
            "RDS MySQL: 3306 only from peering consumers' VPCs, the resource gateway and the bootstrap function",
        tags,
    });
    for (const consumer of active.filter((c) => c.network === "peering")) {
        tcpRule(`database-mysql-from-${consumer.name}`, "ingress", {
            securityGroupId: dbSecurityGroup.id,
            port: MYSQL_PORT,
            description: `MySQL from consumer ${consumer.name} (account ${consumer.accountId}) over the peering`,
            peer: { cidrIpv4: consumer.vpcCidr },
        });
    }
    const parameterGroup = new aws.rds.ParameterGroup("database", {
        family: "mysql8.4",
        description: `${PROJECT} ${stack}: TLS required`,
        parameters: [{ name: "require_secure_transport", value: "1" }],
        tags,
    });
    const subnetGroup = new aws.rds.SubnetGroup("database", {
        description: `${PROJECT} ${stack}: isolated subnets`,
        subnetIds: vpc.isolatedSubnetIds,
        tags,
    });
    // A new suffix whenever the instance is replaced (dbName) or re-created after a destroy, so a final
    // snapshot id is never taken twice (DBSnapshotAlreadyExists).
    const snapshotSuffix = new random.RandomId("database-final-snapshot", {
        byteLength: 4,
        keepers: { dbName: config.db.name, engine: "mysql" },
    });
    const db = new aws.rds.Instance("database", {
        engine: "mysql",
        engineVersion: config.db.engineVersion,
        instanceClass: config.db.instanceClass,
        allocatedStorage: config.db.allocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: storageKey.arn,
        dbName: config.db.name,
        username: MASTER_USERNAME,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: storageKey.arn,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [dbSecurityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        port: MYSQL_PORT,
        deletionProtection: config.db.deletionProtection,
        skipFinalSnapshot: config.db.skipFinalSnapshot,
        finalSnapshotIdentifier: config.db.skipFinalSnapshot
            ? undefined
            : snapshotSuffix.hex.apply((hex) => nameFor(stack, `final-${hex}`, 255)),
        backupRetentionPeriod: config.db.backupRetentionDays,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        tags,
    });
    const masterSecretArn = db.masterUserSecrets.apply((secrets) => {
        const arn = secrets?.[0]?.secretArn;
        if (!arn) {
            throw new pulumi.ResourceError("RDS did not report the managed master user secret", db);
        }
        return arn;
    });

    // --- Who may read: one data-access role per active consumer, granted the reader secret ----------
    const dataAccessRoles = new Map(
        active.map((consumer) => [
            consumer.name,
            new CrossAccountRole(`data-access-${consumer.name}`, {
                trustedAccountId: consumer.accountId,
                trustedPrincipalArns: [consumer.functionRoleArn],
                externalId: consumer.externalId,
                description: `Lets ${consumer.name}'s fetch-rows function read the ${config.db.name} reader secret`,
                tags,
            }),
        ]),
    );
    const readerPassword = new random.RandomPassword("reader-password", {
        length: 32,
        special: true,
        overrideSpecial: "-_.~",
    });
    const readerSecret = new SecretShare("reader-secret", {
        secretString: pulumi.secret(
            pulumi.all([readerPassword.result, db.address]).apply(([password, host]) =>
                JSON.stringify({
                    engine: "mysql",
                    username: config.readerUsername,
                    password,
                    host,
                    port: MYSQL_PORT,
                    dbname: config.db.name,
                }),
            ),
        ),
        description: `${PROJECT} ${stack}: read-only MySQL login for ${config.db.name}`,
        readers: [...dataAccessRoles.values()].map((role) => role.roleArn),
        accountId: config.accountId,
        region: config.region,
        tags,
    });
    for (const role of dataAccessRoles.values()) {
        readerSecret.grantRead(role);
    }

    // --- Network paths ---------------------------------------------------------------------------------
    // Peering: each consumer's deployer accepts its peering and routes back. Kept while a consumer
    // retires, so its stack can still remove its routes and the peering on destroy.
    const peeringAccepterRoles = new Map(
        config.consumers
            .filter((c) => c.network === "peering")
            .map((consumer) => [
                consumer.name,
                new CrossAccountRole(`peering-accepter-${consumer.name}`, {
                    trustedAccountId: consumer.accountId,
                    trustedPrincipalArns: consumer.deployerPrincipalArns,
                    permissions: pulumi
                        .all([vpc.vpcId, ...routeTableIds])
                        .apply(([vpcId, ...tables]) =>
                            peeringAccepterStatements(config, consumer, vpcId, tables),
                        ),
                    description: `Lets ${consumer.name}'s deployer accept the VPC peering and route back to it`,
                    tags,
                }),
            ]),
    );
    // PrivateLink: one resource gateway and configuration for the instance, one RAM share per active
    // consumer. The gateway stays while any privatelink consumer is configured, retiring ones included:
    // their endpoints still use it until their stacks are destroyed.
    const privatelinkConsumers = active.filter((c) => c.network === "privatelink");
    const sharedResource = !config.consumers.some((c) => c.network === "privatelink")
        ? undefined
        : new SharedRdsResource("database-privatelink", {
              vpcId: vpc.vpcId,
              subnetIds: vpc.isolatedSubnetIds,
              dbSecurityGroupId: dbSecurityGroup.id,
              dbInstanceArn: db.arn,
              consumers: privatelinkConsumers.map((c) => ({
                  name: c.name,
                  accountId: c.accountId,
                  outsideOrganization: c.outsideOrganization,
              })),
              tags,
          });

    // --- Bootstrap: database, table and reader user, created by a function inside the VPC ----------
    const bootstrap = bootstrapFunction(config, {
        stack,
        tags,
        vpc,
        dbSecurityGroup,
        masterSecretArn,
        storageKeyArn: storageKey.arn,
        readerSecret,
        db,
    });

    const records = config.consumers.map((consumer) =>
        consumerRecord(consumer, {
            dataAccessRoleArn: dataAccessRoles.get(consumer.name)?.roleArn,
            peeringAccepterRoleArn: peeringAccepterRoles.get(consumer.name)?.roleArn,
            resourceConfigurationArn:
                consumer.retiring || consumer.network !== "privatelink"
                    ? undefined
                    : sharedResource?.resourceConfigurationArn,
            resourceShareArn: consumer.retiring ? undefined : sharedResource?.shareArns[consumer.name],
        }),
    );
    return {
        accountId: config.accountId,
        region: config.region,
        vpcId: vpc.vpcId,
        vpcCidr: config.vpcCidr,
        routeTableIds: pulumi.all(routeTableIds),
        availabilityZoneIds: [...zones.zoneIds],
        dbHost: db.address,
        dbPort: MYSQL_PORT,
        dbName: config.db.name,
        readerSecretArn: readerSecret.secretArn,
        consumers: pulumi
            .all(records)
            .apply((all) => Object.fromEntries(config.consumers.map((c, i) => [c.name, all[i]]))),
        consumerExternalIds: pulumi.secret(
            pulumi
                .all(config.consumers.map((c) => c.externalId ?? ""))
                .apply((ids) =>
                    Object.fromEntries(
                        config.consumers.flatMap((c, i) => (ids[i] ? [[c.name, ids[i]]] : [])),
                    ),
                ),
        ),
        // Not part of the consumer contract: for operators.
        bootstrapResult: bootstrap.result,
    };
}

interface RecordArns {
    readonly dataAccessRoleArn?: pulumi.Output<string>;
    readonly peeringAccepterRoleArn?: pulumi.Output<string>;
    readonly resourceConfigurationArn?: pulumi.Output<string>;
    readonly resourceShareArn?: pulumi.Output<string>;
}

/** The consumer's record in the contract: everything its stack needs, nothing it must repeat. */
function consumerRecord(consumer: ConsumerSpec, arns: RecordArns): pulumi.Output<ConsumerRecord> {
    const optional = Object.entries(arns).filter(([, value]) => value !== undefined);
    return pulumi.all(optional.map(([, value]) => value!)).apply((values) => ({
        accountId: consumer.accountId,
        network: consumer.network,
        vpcCidr: consumer.vpcCidr,
        functionRoleName: consumer.functionRoleName,
        functionRoleArn: consumer.functionRoleArn,
        externalIdRequired: consumer.externalId !== undefined,
        outsideOrganization: consumer.outsideOrganization,
        retiring: consumer.retiring,
        ...Object.fromEntries(optional.map(([key], i) => [key, values[i]])),
    }));
}

/**
 * What the consumer's deployer does in this account through PeeredVpcPair's accepter side: accept a
 * peering into this VPC from the consumer's account, set its DNS option, and route back.
 */
function peeringAccepterStatements(
    config: DatabaseStackConfig,
    consumer: ConsumerSpec,
    vpcId: string,
    routeTableIds: readonly string[],
): aws.iam.PolicyStatement[] {
    const ec2 = `arn:aws:ec2:${config.region}:${config.accountId}`;
    const vpcArn = `${ec2}:vpc/${vpcId}`;
    const intoThisVpc = {
        ArnEquals: { "ec2:AccepterVpc": vpcArn },
        ArnLike: { "ec2:RequesterVpc": `arn:aws:ec2:${config.region}:${consumer.accountId}:vpc/*` },
    };
    return [
        {
            Sid: "AcceptPeeringIntoThisVpc",
            Effect: "Allow",
            Action: ["ec2:AcceptVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions"],
            Resource: `${ec2}:vpc-peering-connection/*`,
            Condition: intoThisVpc,
        },
        {
            Sid: "AcceptPeeringOnThisVpc",
            Effect: "Allow",
            Action: "ec2:AcceptVpcPeeringConnection",
            Resource: vpcArn,
        },
        {
            Sid: "TagThePeering",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: `${ec2}:vpc-peering-connection/*`,
            Condition: intoThisVpc,
        },
        {
            Sid: "RouteBackToTheConsumer",
            Effect: "Allow",
            Action: ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"],
            Resource: routeTableIds.map((id) => `${ec2}:route-table/${id}`),
        },
        {
            // Describe calls take no resource-level scoping in EC2.
            Sid: "ReadPeeringAndRoutes",
            Effect: "Allow",
            Action: ["ec2:DescribeVpcPeeringConnections", "ec2:DescribeRouteTables", "ec2:DescribeVpcs"],
            Resource: "*",
        },
    ];
}
