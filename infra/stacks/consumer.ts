// The consumer account: a private VPC with STS and Secrets Manager endpoints, the peering to the
// database VPC (accepted through the database stack's peering-accepter role), and the fetch-rows
// function. Deployed after the database stack, whose outputs it reads by StackReference.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHandler } from "../../functions/fetch-rows";
import { PeeredVpcPair } from "../components/peeredVpcPair";
import { ConsumerStackConfig, PROJECT } from "../config";
import {
    functionCodePathOptions,
    functionLogGroup,
    LAMBDA_RUNTIME,
    lambdaTrustPolicy,
    vpcLambdaStatements,
} from "../lib/lambda";
import { HTTPS_PORT, interfaceEndpoint, isolatedVpc, MYSQL_PORT, tcpRule } from "../lib/network";
import { toPolicyJson } from "../lib/iam";
import { cidrsOverlap, parseCidr } from "../lib/cidr";
import { ConsumerExports, Exported } from "../contract";
import { readDatabaseStack } from "./databaseReference";

export async function consumerStack(config: ConsumerStackConfig): Promise<Exported<ConsumerExports>> {
    const stack = pulumi.getStack();
    const tags = { project: PROJECT, stack, stackRole: "consumer" };

    // Values the program branches on are read (and checked) before any resource is declared.
    const database = await readDatabaseStack(config);
    const { ref, exports } = database;
    const dbCidr = parseCidr(exports.vpcCidr);
    const ownCidr = parseCidr(config.vpcCidr);
    if (!dbCidr || !ownCidr || cidrsOverlap(dbCidr, ownCidr)) {
        throw new pulumi.RunError(
            `cross-account-rds:vpcCidr: ${config.vpcCidr} overlaps the database VPC ${exports.vpcCidr} of stack ` +
                `${config.databaseStack}; peered VPCs need disjoint CIDR blocks`,
        );
    }

    const { vpc, routeTableIds } = isolatedVpc("consumer", {
        cidrBlock: config.vpcCidr,
        availabilityZoneCount: config.availabilityZoneCount,
        subnetName: "function",
        tags,
    });

    // --- Security groups: the function reaches MySQL over the peering and the endpoints, nothing else.
    const functionSg = new aws.ec2.SecurityGroup("fetch-rows", {
        vpcId: vpc.vpcId,
        description:
            "fetch-rows function: MySQL to the database VPC, HTTPS to the STS and Secrets Manager endpoints",
        tags,
    });
    const endpointSg = new aws.ec2.SecurityGroup("consumer-endpoints", {
        vpcId: vpc.vpcId,
        description: "Interface endpoints: HTTPS from the fetch-rows function only",
        tags,
    });
    tcpRule("fetch-rows-mysql", "egress", {
        securityGroupId: functionSg.id,
        port: MYSQL_PORT,
        description: `MySQL to the database VPC of ${config.databaseStack} over the peering`,
        peer: { cidrIpv4: exports.vpcCidr },
    });
    tcpRule("fetch-rows-endpoints", "egress", {
        securityGroupId: functionSg.id,
        port: HTTPS_PORT,
        description: "HTTPS to the STS and Secrets Manager endpoints",
        peer: { securityGroupId: endpointSg.id },
    });
    tcpRule("consumer-endpoints-https-from-fetch-rows", "ingress", {
        securityGroupId: endpointSg.id,
        port: HTTPS_PORT,
        description: "HTTPS from the fetch-rows function",
        peer: { securityGroupId: functionSg.id },
    });
    const endpoints = ["sts", "secretsmanager"].map((service) =>
        interfaceEndpoint(`consumer-${service}`, {
            vpc,
            service,
            region: config.region,
            securityGroupId: endpointSg.id,
            tags,
        }),
    );

    // --- Peering: requested here, accepted in the database account through its accepter role.
    const databaseAccount = new aws.Provider("database-account", {
        region: exports.region as aws.Region,
        allowedAccountIds: [exports.accountId],
        assumeRoles: [
            {
                roleArn: database.peeringAccepterRoleArn,
                sessionName: `${PROJECT}-${config.consumerName}-peering`,
            },
        ],
    });
    const peering = new PeeredVpcPair("database-peering", {
        requester: {
            vpcId: vpc.vpcId,
            cidrBlock: config.vpcCidr,
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

    // --- The function -----------------------------------------------------------------------------
    const functionName = `${PROJECT}-${config.consumerName}-fetch-rows`;
    const logGroup = functionLogGroup("fetch-rows", {
        functionName,
        retentionInDays: config.fn.logRetentionDays,
        tags,
    });
    // The name is fixed by config: the database stack trusts exactly this role ARN.
    const role = new aws.iam.Role("fetch-rows", {
        name: config.functionRoleName,
        description: `fetch-rows: assumes the data-access role of ${config.databaseStack}`,
        assumeRolePolicy: toPolicyJson(lambdaTrustPolicy(config.accountId)),
        tags,
    });
    const rolePolicy = new aws.iam.RolePolicy("fetch-rows", {
        role: role.id,
        policy: logGroup.arn.apply((logGroupArn) =>
            toPolicyJson({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AssumeTheDataAccessRole",
                        Effect: "Allow",
                        Action: "sts:AssumeRole",
                        Resource: database.dataAccessRoleArn,
                    },
                    ...vpcLambdaStatements(logGroupArn),
                ],
            }),
        ),
    });

    const environment: Record<string, pulumi.Input<string>> = {
        DB_ACCESS_ROLE_ARN: database.dataAccessRoleArn,
        DB_SECRET_ARN: ref.requireOutput("readerSecretArn") as pulumi.Output<string>,
        DB_HOST: ref.requireOutput("dbHost") as pulumi.Output<string>,
        DB_PORT: (ref.requireOutput("dbPort") as pulumi.Output<number>).apply(String),
        DB_NAME: ref.requireOutput("dbName") as pulumi.Output<string>,
        DB_TLS: "rds",
        ALLOWED_TABLES: config.fn.allowedTables.join(","),
        MAX_ROWS: String(config.fn.maxRows),
    };
    if (config.fn.externalId !== undefined) {
        environment.DB_ACCESS_EXTERNAL_ID = config.fn.externalId;
    }
    const fn = new aws.lambda.CallbackFunction(
        "fetch-rows",
        {
            name: functionName,
            description: `Reads allow-listed tables of ${config.databaseStack} through the cross-account role`,
            role,
            runtime: LAMBDA_RUNTIME,
            timeout: config.fn.timeoutSeconds,
            memorySize: config.fn.memoryMb,
            callbackFactory: () => createHandler(),
            codePathOptions: functionCodePathOptions("fetch-rows"),
            vpcConfig: { subnetIds: vpc.isolatedSubnetIds, securityGroupIds: [functionSg.id] },
            environment: { variables: environment },
            tags,
        },
        // The function is useless until the peering routes and endpoints exist.
        { dependsOn: [logGroup, rolePolicy, peering, ...endpoints] },
    );

    return {
        functionName: fn.name,
        functionArn: fn.arn,
        vpcId: vpc.vpcId,
        peeringConnectionId: peering.peeringConnectionId,
    };
}
