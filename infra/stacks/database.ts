// The database account: a private VPC, RDS MySQL, the reader secret, and one data-access role and one
// peering-accepter role per consumer. Deployed first; it knows its consumers from config, so nothing
// here waits for the consumer stacks (DESIGN §2).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createBootstrapHandler } from "../../functions/db-bootstrap";
import { schemaFingerprint } from "../../functions/db-bootstrap/schema";
import { CrossAccountRole } from "../components/crossAccountRole";
import { SecretShare } from "../components/secretShare";
import { ConsumerSpec, DatabaseStackConfig, PROJECT } from "../config";
import {
    functionCodePathOptions,
    functionLogGroup,
    LAMBDA_RUNTIME,
    lambdaTrustPolicy,
    vpcLambdaStatements,
} from "../lib/lambda";
import { HTTPS_PORT, interfaceEndpoint, IsolatedVpc, isolatedVpc, MYSQL_PORT, tcpRule } from "../lib/network";
import { toPolicyJson } from "../lib/iam";
import { DatabaseExports, Exported } from "../contract";

const MASTER_USERNAME = "dbadmin";
const TABLE = "vegetables";

export async function databaseStack(
    config: DatabaseStackConfig,
): Promise<Exported<DatabaseExports> & { bootstrapResult: pulumi.Output<string> }> {
    const stack = pulumi.getStack();
    const tags = { project: PROJECT, stack, stackRole: "database" };

    const { vpc, routeTableIds } = isolatedVpc("database", {
        cidrBlock: config.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        subnetName: "db",
        tags,
    });

    // --- RDS -----------------------------------------------------------------------------------------
    const storageKey = new aws.kms.Key("database-storage", {
        description: `${PROJECT} ${stack}: RDS storage and master secret`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags,
    });
    const dbSecurityGroup = new aws.ec2.SecurityGroup("database", {
        vpcId: vpc.vpcId,
        description: "RDS MySQL: 3306 only from admitted consumer VPCs and the bootstrap function",
        tags,
    });
    for (const consumer of config.consumers) {
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
        finalSnapshotIdentifier: config.db.skipFinalSnapshot ? undefined : nameFor(stack, "final", 255),
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

    // --- The reader secret and who may read it ------------------------------------------------------
    const readerPassword = new random.RandomPassword("reader-password", {
        length: 32,
        special: true,
        overrideSpecial: "-_.~",
    });
    const readerSecretValue = pulumi.secret(
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
    );

    // The data-access roles read the secret and the secret's policy names the roles: the roles'
    // permissions are settled once the secret exists, so they are handed over as a deferred value.
    let grantReaders: (statements: pulumi.Output<aws.iam.PolicyStatement[]>) => void = () => undefined;
    const readerPermissions = pulumi.output(
        new Promise<pulumi.Output<aws.iam.PolicyStatement[]>>((resolve) => (grantReaders = resolve)),
    );
    const dataAccessRoles = config.consumers.map(
        (consumer) =>
            new CrossAccountRole(`data-access-${consumer.name}`, {
                trustedAccountId: consumer.accountId,
                trustedPrincipalArns: [consumer.functionRoleArn],
                externalId: consumer.externalId,
                permissions: readerPermissions,
                description: `Lets ${consumer.name}'s fetch-rows function read the ${config.db.name} reader secret`,
                tags,
            }),
    );
    const readerSecret = new SecretShare("reader-secret", {
        secretString: readerSecretValue,
        description: `${PROJECT} ${stack}: read-only MySQL login for ${config.db.name}`,
        readers: dataAccessRoles.map((role) => role.roleArn),
        accountId: config.accountId,
        region: config.region,
        tags,
    });
    grantReaders(readerSecret.readerStatements());

    // --- Peering acceptance by each consumer's deployer ---------------------------------------------
    const peeringAccepterRoles = config.consumers.map(
        (consumer) =>
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
    );

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

    return {
        accountId: config.accountId,
        region: config.region,
        vpcId: vpc.vpcId,
        vpcCidr: config.vpcCidr,
        routeTableIds: pulumi.all(routeTableIds),
        dbHost: db.address,
        dbPort: MYSQL_PORT,
        dbName: config.db.name,
        readerSecretArn: readerSecret.secretArn,
        dataAccessRoleArns: byConsumer(config.consumers, dataAccessRoles),
        peeringAccepterRoleArns: byConsumer(config.consumers, peeringAccepterRoles),
        // Not part of the consumer contract: for operators.
        bootstrapResult: bootstrap.result,
    };
}

/** `cross-account-rds-<stack>-<suffix>` in the letters, digits and single hyphens AWS names accept. */
export function nameFor(stack: string, suffix: string, maxLength: number): string {
    const stackPart = stack.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return `${PROJECT}-${stackPart}`.slice(0, maxLength - suffix.length - 1).replace(/-$/, "") + `-${suffix}`;
}

function byConsumer(
    consumers: readonly ConsumerSpec[],
    roles: readonly CrossAccountRole[],
): pulumi.Output<Record<string, string>> {
    return pulumi
        .all(roles.map((role) => role.roleArn))
        .apply((arns) => Object.fromEntries(consumers.map((consumer, i) => [consumer.name, arns[i]])));
}

/**
 * What the consumer's deployer does in this account through PeeredVpcPair's accepter side: accept a
 * peering into this VPC from the consumer's account, set its DNS option, and route back.
 */
export function peeringAccepterStatements(
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

interface BootstrapDeps {
    readonly stack: string;
    readonly tags: Record<string, string>;
    readonly vpc: IsolatedVpc["vpc"];
    readonly dbSecurityGroup: aws.ec2.SecurityGroup;
    readonly masterSecretArn: pulumi.Output<string>;
    readonly storageKeyArn: pulumi.Output<string>;
    readonly readerSecret: SecretShare;
    readonly db: aws.rds.Instance;
}

function bootstrapFunction(config: DatabaseStackConfig, deps: BootstrapDeps): aws.lambda.Invocation {
    const { tags, vpc, db, readerSecret } = deps;
    const functionName = nameFor(deps.stack, "db-bootstrap", 64);
    const schema = {
        database: config.db.name,
        table: TABLE,
        readerUser: config.readerUsername,
        seedSampleRows: config.seedSampleRows,
        requireTls: true,
    };

    const functionSg = new aws.ec2.SecurityGroup("db-bootstrap", {
        vpcId: vpc.vpcId,
        description: "Bootstrap function: MySQL to the database, HTTPS to the Secrets Manager endpoint",
        tags,
    });
    const endpointSg = new aws.ec2.SecurityGroup("database-endpoints", {
        vpcId: vpc.vpcId,
        description: "Interface endpoints: HTTPS from the bootstrap function only",
        tags,
    });
    tcpRule("database-endpoints-https-from-bootstrap", "ingress", {
        securityGroupId: endpointSg.id,
        port: HTTPS_PORT,
        description: "HTTPS from the bootstrap function",
        peer: { securityGroupId: functionSg.id },
    });
    tcpRule("db-bootstrap-mysql", "egress", {
        securityGroupId: functionSg.id,
        port: MYSQL_PORT,
        description: "MySQL to the database",
        peer: { securityGroupId: deps.dbSecurityGroup.id },
    });
    tcpRule("db-bootstrap-endpoints", "egress", {
        securityGroupId: functionSg.id,
        port: HTTPS_PORT,
        description: "HTTPS to the Secrets Manager endpoint",
        peer: { securityGroupId: endpointSg.id },
    });
    tcpRule("database-mysql-from-bootstrap", "ingress", {
        securityGroupId: deps.dbSecurityGroup.id,
        port: MYSQL_PORT,
        description: "MySQL from the bootstrap function (creates the schema and the reader user)",
        peer: { securityGroupId: functionSg.id },
    });
    const secretsEndpoint = interfaceEndpoint("database-secretsmanager", {
        vpc,
        service: "secretsmanager",
        region: config.region,
        securityGroupId: endpointSg.id,
        tags,
    });

    const logGroup = functionLogGroup("db-bootstrap", { functionName, retentionInDays: 30, tags });
    const role = new aws.iam.Role("db-bootstrap", {
        description: "Bootstrap function: reads the master and reader secrets",
        assumeRolePolicy: toPolicyJson(lambdaTrustPolicy(config.accountId)),
        tags,
    });
    const rolePolicy = new aws.iam.RolePolicy("db-bootstrap", {
        role: role.id,
        policy: pulumi
            .all([
                logGroup.arn,
                deps.masterSecretArn,
                readerSecret.secretArn,
                deps.storageKeyArn,
                readerSecret.kmsKeyArn,
            ])
            .apply(([logGroupArn, masterArn, readerArn, storageKeyArn, readerKeyArn]) =>
                toPolicyJson({
                    Version: "2012-10-17",
                    Statement: [
                        ...vpcLambdaStatements(logGroupArn),
                        {
                            Sid: "ReadTheTwoSecrets",
                            Effect: "Allow",
                            Action: "secretsmanager:GetSecretValue",
                            Resource: [masterArn, readerArn],
                        },
                        {
                            Sid: "DecryptThroughSecretsManager",
                            Effect: "Allow",
                            Action: "kms:Decrypt",
                            Resource: [storageKeyArn, readerKeyArn],
                            Condition: {
                                StringEquals: {
                                    "kms:ViaService": `secretsmanager.${config.region}.amazonaws.com`,
                                },
                            },
                        },
                    ],
                }),
            ),
    });

    const fn = new aws.lambda.CallbackFunction(
        "db-bootstrap",
        {
            name: functionName,
            description: "Creates the database, the vegetables table and the read-only user (idempotent)",
            role,
            runtime: LAMBDA_RUNTIME,
            timeout: 60,
            memorySize: 256,
            callbackFactory: () => createBootstrapHandler(),
            codePathOptions: functionCodePathOptions("db-bootstrap"),
            vpcConfig: { subnetIds: vpc.isolatedSubnetIds, securityGroupIds: [functionSg.id] },
            environment: {
                variables: {
                    DB_HOST: db.address,
                    DB_PORT: String(MYSQL_PORT),
                    DB_NAME: config.db.name,
                    DB_TLS: "rds",
                    MASTER_SECRET_ARN: deps.masterSecretArn,
                    READER_SECRET_ARN: readerSecret.secretArn,
                    READER_USER: config.readerUsername,
                    SEED_SAMPLE_ROWS: String(config.seedSampleRows),
                },
            },
            tags,
        },
        { dependsOn: [logGroup, rolePolicy] },
    );

    // Runs on the first deploy and again whenever the SQL or the reader secret changes.
    const fingerprint = schemaFingerprint(schema);
    return new aws.lambda.Invocation(
        "db-bootstrap",
        {
            functionName: fn.name,
            input: JSON.stringify({ fingerprint }),
            triggers: { fingerprint, readerSecretVersion: readerSecret.secretVersion.versionId },
        },
        { dependsOn: [db, secretsEndpoint, fn] },
    );
}
