// Shared fixture for the fetch-rows tests and benchmark: the seeded table, a reader user, the function's env.
import { randomBytes } from "node:crypto";
import type { AwsStandIns } from "./awsStandIns";
import { standInSdkEnv } from "./awsStandIns";
import type { MariaDbServer } from "./mariadb";

export const DATABASE = "fruits_veggies";
export const ROLE_ARN = "arn:aws:iam::111111112974:role/fruits-veggies-data-access";
export const EXTERNAL_ID = "engineering-fetch-rows";
export const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111111112974:secret:fruits-veggies-reader-AbCdEf";

/** A BIGINT beyond 2^53: a double would round it to 9007199254740992. */
const BIG_STOCK = "9007199254740993";

/** The rows as the function must return them (DECIMAL numbers, BIGINT strings, DATE text). */
export const SEED_ROWS = [
    { id: 1, name: "carrot", color: "orange", price: 1.25, stock: "120", harvested: "2024-06-01" },
    { id: 2, name: "broccoli", color: "green", price: 2.5, stock: "45", harvested: "2024-06-03" },
    { id: 3, name: "beet", color: "purple", price: 0.99, stock: BIG_STOCK, harvested: "2024-05-28" },
    { id: 4, name: "corn", color: "yellow", price: 1234.56, stock: "0", harvested: "2023-12-31" },
];

/** (Re)creates fruits_veggies.vegetables with SEED_ROWS. */
export async function seedVegetables(server: MariaDbServer): Promise<void> {
    const admin = await server.connectAdmin();
    try {
        await admin.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
        await admin.query(`DROP TABLE IF EXISTS ${DATABASE}.vegetables`);
        await admin.query(
            `CREATE TABLE ${DATABASE}.vegetables (
                id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, color VARCHAR(32) NOT NULL,
                price DECIMAL(6,2) NOT NULL, stock BIGINT NOT NULL, harvested DATE NOT NULL
            ) ENGINE=InnoDB`,
        );
        for (const row of SEED_ROWS) {
            await admin.query(`INSERT INTO ${DATABASE}.vegetables VALUES (?, ?, ?, ?, ?, ?)`, [
                row.id,
                row.name,
                row.color,
                row.price,
                row.stock,
                row.harvested,
            ]);
        }
    } finally {
        await admin.end();
    }
}

export interface Reader {
    user: string;
    password: string;
    /** The SecretString in the RDS format. */
    secretString: string;
}

/** A reader account with exactly SELECT on the database; its secret is stored in the stand-ins. */
export async function createReader(
    server: MariaDbServer,
    standIns: AwsStandIns,
    user: string,
): Promise<Reader> {
    const password = "pw-" + randomBytes(12).toString("hex");
    const admin = await server.connectAdmin();
    try {
        await admin.query("DROP USER IF EXISTS ?@'127.0.0.1'", [user]);
        await admin.query("CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?", [user, password]);
        await admin.query(`GRANT SELECT ON ${DATABASE}.* TO ?@'127.0.0.1'`, [user]);
    } finally {
        await admin.end();
    }
    const secretString = secretStringFor(user, password, server.port);
    standIns.setSecret(SECRET_ARN, secretString);
    return { user, password, secretString };
}

export function secretStringFor(user: string, password: string, port: number): string {
    return JSON.stringify({
        engine: "mysql",
        username: user,
        password,
        host: "127.0.0.1",
        port,
        dbname: DATABASE,
    });
}

/** The function's settings for a local run (DB_TLS=off, short timeouts). */
export function functionEnv(
    server: MariaDbServer,
    overrides: Record<string, string> = {},
): Record<string, string> {
    return {
        DB_ACCESS_ROLE_ARN: ROLE_ARN,
        DB_ACCESS_EXTERNAL_ID: EXTERNAL_ID,
        DB_SECRET_ARN: SECRET_ARN,
        DB_HOST: "127.0.0.1",
        DB_PORT: String(server.port),
        DB_NAME: DATABASE,
        DB_TLS: "off",
        ALLOWED_TABLES: "vegetables",
        MAX_ROWS: "100",
        DB_CONNECT_TIMEOUT_MS: "1000",
        DB_QUERY_TIMEOUT_MS: "2000",
        ...overrides,
    };
}

const SDK_VARS = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_MAX_ATTEMPTS",
    "AWS_EC2_METADATA_DISABLED",
];

/** Points the AWS SDK (process.env, as the SDK reads it) at the stand-ins; returns a restore function. */
export function useStandInSdkEnv(standIns: AwsStandIns): () => void {
    const saved = new Map(SDK_VARS.map((name) => [name, process.env[name]]));
    for (const name of SDK_VARS) delete process.env[name];
    Object.assign(process.env, standInSdkEnv(standIns), {
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_MAX_ATTEMPTS: "1",
    });
    return () => {
        for (const [name, value] of saved) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    };
}

/** General-log entries (connects and queries) of one database user. */
export async function logEntriesOf(server: MariaDbServer, user: string): Promise<number> {
    const admin = await server.connectAdmin();
    try {
        const [rows] = await admin.query(
            "SELECT COUNT(*) AS n FROM mysql.general_log WHERE user_host LIKE ? OR argument LIKE ?",
            [`${user}[%`, `${user}@%`],
        );
        return Number((rows as Array<{ n: number | string }>)[0].n);
    } finally {
        await admin.end();
    }
}

/** Connections the server accepted for a user so far (userstat). */
export async function connectionsOf(server: MariaDbServer, user: string): Promise<number> {
    const admin = await server.connectAdmin();
    try {
        const [rows] = await admin.query(
            "SELECT TOTAL_CONNECTIONS AS n FROM information_schema.USER_STATISTICS WHERE USER = ?",
            [user],
        );
        const list = rows as Array<{ n: number | string }>;
        return list.length === 0 ? 0 : Number(list[0].n);
    } finally {
        await admin.end();
    }
}

/** Thread ids of a user's open connections. */
export async function threadsOf(server: MariaDbServer, user: string): Promise<number[]> {
    const admin = await server.connectAdmin();
    try {
        const [rows] = await admin.query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?",
            [user],
        );
        return (rows as Array<{ id: number | string }>).map((r) => Number(r.id));
    } finally {
        await admin.end();
    }
}
