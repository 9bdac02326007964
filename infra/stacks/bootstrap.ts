// The bootstrap function of the database stack: inside the VPC, it creates the database, the table and
// the read-only user, idempotently, and is invoked on deploy. Its invocation waits for every network
// rule and endpoint it uses, so an update never races them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bootstrapInput, createBootstrapHandler } from "../../functions/db-bootstrap";
import { SecretShare } from "../components/secretShare";
import { DatabaseStackConfig } from "../config";
import { MYSQL_PORT } from "../lib/constants";
import { toPolicyJson } from "../lib/iam";
import { vpcFunction, vpcLambdaStatements } from "../lib/lambda";
import { functionWithEndpoints, IsolatedVpc, tcpBetweenGroups } from "../lib/network";
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

    const {
        functionGroup: functionSg,
        httpsRules,
        endpoints: [secretsEndpoint],
    } = functionWithEndpoints({
        vpc,
        region: config.region,
        services: ["secretsmanager"],
        endpointPrefix: "database",
        functionGroup: {
            name: "db-bootstrap",
            description: "Bootstrap function: MySQL to the database, HTTPS to the Secrets Manager endpoint",
        },
        endpointGroup: {
            name: "database-endpoints",
            description: "Interface endpoints: HTTPS from the bootstrap function only",
        },
        egress: { name: "db-bootstrap-endpoints", description: "HTTPS to the Secrets Manager endpoint" },
        ingress: {
            name: "database-endpoints-https-from-bootstrap",
            description: "HTTPS from the bootstrap function",
        },
        tags,
    });
    const rules = [
        ...httpsRules,
        ...tcpBetweenGroups({
            from: functionSg.id,
            to: deps.dbSecurityGroup.id,
            port: MYSQL_PORT,
            egress: { name: "db-bootstrap-mysql", description: "MySQL to the database" },
            ingress: {
                name: "database-mysql-from-bootstrap",
                description: "MySQL from the bootstrap function (creates the schema and the reader user)",
            },
        }),
    ];

    const { fn, rolePolicy } = vpcFunction("db-bootstrap", {
        functionName,
        description: "Creates the database, the vegetables table and the read-only user (idempotent)",
        callbackFactory: () => createBootstrapHandler(),
        timeout: 60,
        memorySize: 256,
        environment: {
            DB_HOST: db.address,
            DB_PORT: String(MYSQL_PORT),
            DB_TLS: "rds",
            MASTER_SECRET_ARN: deps.masterSecretArn,
            READER_SECRET_ARN: readerSecret.secretArn,
        },
        subnetIds: vpc.isolatedSubnetIds,
        securityGroupId: functionSg.id,
        accountId: config.accountId,
        roleDescription: "Bootstrap function: reads the master and reader secrets",
        policy: (logGroupArn) =>
            pulumi
                .all([
                    logGroupArn,
                    deps.masterSecretArn,
                    readerSecret.secretArn,
                    deps.storageKeyArn,
                    readerSecret.kmsKeyArn,
                ])
                .apply(([logArn, masterArn, readerArn, storageKeyArn, readerKeyArn]) =>
                    toPolicyJson({
                        Version: "2012-10-17",
                        Statement: [
                            ...vpcLambdaStatements(logArn),
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
        logRetentionInDays: 30,
        tags,
    });

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
