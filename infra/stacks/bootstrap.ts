// The bootstrap function of the database stack: inside the VPC, it creates the database, the table and
// the read-only user, idempotently, and is invoked on deploy. Its invocation waits for every network
// rule and endpoint it uses, so an update never races them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bootstrapInput, createBootstrapHandler } from "../../functions/db-bootstrap";
import { SecretShare } from "../components/secretShare";
import { DatabaseStackConfig } from "../config";
import { HTTPS_PORT, MYSQL_PORT } from "../lib/constants";
import { toPolicyJson } from "../lib/iam";
import {
    functionCodePathOptions,
    functionLogGroup,
    LAMBDA_RUNTIME,
    lambdaTrustPolicy,
    vpcLambdaStatements,
} from "../lib/lambda";
import { interfaceEndpoint, IsolatedVpc, tcpRule } from "../lib/network";
import { nameFor } from "./names";

/** The table the function reads. */
export const TABLE = "vegetables";

export interface BootstrapDeps {
    readonly stack: string;
    readonly tags: Record<string, string>;
    readonly vpc: IsolatedVpc["vpc"];
    readonly dbSecurityGroup: aws.ec2.SecurityGroup;
    readonly masterSecretArn: pulumi.Output<string>;
    readonly storageKeyArn: pulumi.Output<string>;
    readonly readerSecret: SecretShare;
    readonly db: aws.rds.Instance;
}

export function bootstrapFunction(config: DatabaseStackConfig, deps: BootstrapDeps): aws.lambda.Invocation {
    const { tags, vpc, db, readerSecret } = deps;
    const functionName = nameFor(deps.stack, "db-bootstrap", 64);
    const schema = {
        database: config.db.name,
        table: TABLE,
        readerUser: config.readerUsername,
        seedSampleRows: config.seedSampleRows,
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
    const rules = [
        tcpRule("database-endpoints-https-from-bootstrap", "ingress", {
            securityGroupId: endpointSg.id,
            port: HTTPS_PORT,
            description: "HTTPS from the bootstrap function",
            peer: { securityGroupId: functionSg.id },
        }),
        tcpRule("db-bootstrap-mysql", "egress", {
            securityGroupId: functionSg.id,
            port: MYSQL_PORT,
            description: "MySQL to the database",
            peer: { securityGroupId: deps.dbSecurityGroup.id },
        }),
        tcpRule("db-bootstrap-endpoints", "egress", {
            securityGroupId: functionSg.id,
            port: HTTPS_PORT,
            description: "HTTPS to the Secrets Manager endpoint",
            peer: { securityGroupId: endpointSg.id },
        }),
        tcpRule("database-mysql-from-bootstrap", "ingress", {
            securityGroupId: deps.dbSecurityGroup.id,
            port: MYSQL_PORT,
            description: "MySQL from the bootstrap function (creates the schema and the reader user)",
            peer: { securityGroupId: functionSg.id },
        }),
    ];
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
                    DB_TLS: "rds",
                    MASTER_SECRET_ARN: deps.masterSecretArn,
                    READER_SECRET_ARN: readerSecret.secretArn,
                },
            },
            tags,
        },
        { dependsOn: [logGroup, rolePolicy] },
    );

    // The input carries everything that must re-run the bootstrap (schema, the SQL's fingerprint, the
    // reader secret's version). Under CRUD an input change is an in-place update, invoked with the previous
    // input (a renamed reader's old user is dropped); no `triggers`, which would replace the Invocation and
    // run the old copy's "delete" after the new copy's "create". It runs only once every rule, endpoint and
    // policy it uses exists, so an update that replaces one of them cannot race it.
    return new aws.lambda.Invocation(
        "db-bootstrap",
        {
            functionName: fn.name,
            input: readerSecret.secretVersion.versionId.apply((readerSecretVersion) =>
                bootstrapInput({ ...schema, readerSecretVersion }),
            ),
            lifecycleScope: "CRUD",
        },
        {
            dependsOn: [db, secretsEndpoint, fn, rolePolicy, ...rules],
            // A function rename replaces the Invocation: the old copy's "delete" (drop the reader) must run
            // before the new copy's "create" (create it), not after.
            deleteBeforeReplace: true,
        },
    );
}
