// The data-path function's cost per call, on a local MariaDB with STS / Secrets Manager stand-ins:
// (a) a raw SELECT on an open mysql2 connection, (b) a warm call of the handler (the factory's cached
// credentials, secret and pool), (c) the article's pattern per call: assume role + read secret + connect +
// query + close, with the stand-ins adding 0 and 20 ms per AWS call.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { createConnection } from "mysql2/promise";
import { createHandler } from "../functions/fetch-rows";
import { startAwsStandIns } from "../support/awsStandIns";
import {
    createReader,
    DATABASE,
    EXTERNAL_ID,
    functionEnv,
    ROLE_ARN,
    SECRET_ARN,
    seedVegetables,
    useStandInSdkEnv,
} from "../support/fetchRowsFixture";
import type { BenchContext } from "./index";
import { BenchRow, measure, row } from "./table";

const WARM_ITERATIONS = 200;
const COLD_ITERATIONS = 50;
const STAND_IN_DELAYS_MS = [0, 20];

const TYPE_OPTIONS = {
    decimalNumbers: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
};

export async function functionBench({ mariadb }: BenchContext): Promise<BenchRow[]> {
    const standIns = await startAwsStandIns();
    const restoreEnv = useStandInSdkEnv(standIns);
    try {
        await seedVegetables(mariadb);
        const reader = await createReader(mariadb, standIns, "rdrbench");
        const connectionOptions = {
            host: mariadb.host,
            port: mariadb.port,
            user: reader.user,
            password: reader.password,
            database: DATABASE,
            ...TYPE_OPTIONS,
        };

        // (a) raw query on an open connection
        const connection = await createConnection(connectionOptions);
        const raw = await measure(WARM_ITERATIONS, 20, () => connection.query("SELECT * FROM vegetables"));
        await connection.end();

        // (b) warm handler
        const handler = createHandler(functionEnv(mariadb));
        const warm = await measure(WARM_ITERATIONS, 20, () => handler({ table: "vegetables" }));

        // (c) the article's per-call pattern: fresh clients, AssumeRole, GetSecretValue, connect, query, close
        const perCall = async (): Promise<unknown> => {
            const sts = new STSClient({});
            const assumed = await sts.send(
                new AssumeRoleCommand({
                    RoleArn: ROLE_ARN,
                    RoleSessionName: "bench",
                    ExternalId: EXTERNAL_ID,
                }),
            );
            const creds = assumed.Credentials;
            if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new Error("no credentials");
            const secrets = new SecretsManagerClient({
                credentials: {
                    accessKeyId: creds.AccessKeyId,
                    secretAccessKey: creds.SecretAccessKey,
                    sessionToken: creds.SessionToken,
                },
            });
            const value = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ARN }));
            const secret = JSON.parse(value.SecretString ?? "{}") as { username: string; password: string };
            const c = await createConnection({
                ...connectionOptions,
                user: secret.username,
                password: secret.password,
            });
            try {
                const [rows] = await c.query("SELECT * FROM vegetables");
                return rows;
            } finally {
                await c.end();
                sts.destroy();
                secrets.destroy();
            }
        };
        const rows: BenchRow[] = [];
        const aP50 = row("", raw).p50Ms;
        const bRow = row("(b) warm handler call", warm);
        const added = bRow.p50Ms - aP50;
        bRow.note = `(b) - (a) at p50: ${added.toFixed(3)} ms (target <= 1 ms: ${added <= 1 ? "met" : "MISSED"})`;
        rows.push(row("(a) raw SELECT * FROM vegetables, open connection", raw), bRow);
        for (const delay of STAND_IN_DELAYS_MS) {
            standIns.delayMs = delay;
            const samples = await measure(COLD_ITERATIONS, 3, perCall);
            const cRow = row(
                `(c) per call: assume + secret + connect + query + close, stand-ins +${delay} ms`,
                samples,
            );
            const ratio = cRow.p50Ms / bRow.p50Ms;
            cRow.note =
                `(c)/(b) at p50 with +${delay} ms stand-ins: ${ratio.toFixed(1)}x` +
                (delay === 20 ? ` (target >= 10x: ${ratio >= 10 ? "met" : "MISSED"})` : "");
            rows.push(cRow);
        }
        return rows;
    } finally {
        restoreEnv();
        await standIns.close();
    }
}
