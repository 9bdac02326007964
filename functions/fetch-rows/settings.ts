// Settings from environment variables, validated once per container.
//
// Variable                Required  Default       Meaning
// DB_ACCESS_ROLE_ARN      yes                     role in the database account to assume
// DB_ACCESS_EXTERNAL_ID   no                      external id for that AssumeRole
// DB_SECRET_ARN           yes                     ARN of the reader secret (RDS format JSON)
// DB_HOST                 yes                     database host name or IP
// DB_PORT                 no        3306
// DB_NAME                 yes                     database (schema) name
// DB_TLS                  no        rds           "rds" verifies the server against the RDS CA bundle; "off" (local only)
// ALLOWED_TABLES          no        vegetables    comma-separated tables an event may name
// MAX_ROWS                no        1000          row cap (and default limit), 1..100000
// SECRET_TTL_SECONDS      no        300           secret cache TTL, 0..86400; refreshed in the background at 80%
// DB_CONNECT_TIMEOUT_MS   no        3000          connect (TCP + handshake) timeout, 100..60000
// DB_QUERY_TIMEOUT_MS     no        5000          per-query timeout, 100..300000
// The AWS SDK reads its own variables (AWS_REGION, credentials, AWS_ENDPOINT_URL_STS, ...) itself.
import { identifierProblem, schemaNameProblem } from "../../infra/lib/mysql";
import { externalIdProblem, SECRET_ARN } from "../../infra/lib/validate";
import { settingsError } from "./errors";

export type TlsMode = "rds" | "off";

export interface Settings {
    readonly roleArn: string;
    readonly externalId?: string;
    readonly roleSessionName: string;
    readonly secretArn: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly tls: TlsMode;
    readonly allowedTables: readonly string[];
    readonly maxRows: number;
    readonly secretTtlMs: number;
    readonly connectTimeoutMs: number;
    readonly queryTimeoutMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:]{2,39}\]?$/;

function raw(env: Env, name: string): string | undefined {
    const value = env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
}

function required(env: Env, name: string, pattern: RegExp, what: string): string {
    const value = raw(env, name);
    if (value === undefined) throw settingsError(name, `is missing (expected ${what})`);
    if (!pattern.test(value)) throw settingsError(name, `is malformed (expected ${what})`);
    return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
    const value = raw(env, name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw settingsError(name, `must be an integer from ${min} to ${max}, got "${value.slice(0, 40)}"`);
    }
    return Number(value);
}

/** Reads and validates every setting; throws a SettingsError naming the first bad variable. */
export function readSettings(env: Env): Settings {
    const roleArn = required(env, "DB_ACCESS_ROLE_ARN", ROLE_ARN, "an IAM role ARN");
    const externalIdRaw = raw(env, "DB_ACCESS_EXTERNAL_ID");
    if (externalIdRaw !== undefined && externalIdProblem(externalIdRaw) !== undefined) {
        throw settingsError("DB_ACCESS_EXTERNAL_ID", "is malformed (2-1224 characters of [\\w+=,.@:/-])");
    }
    const secretArn = required(env, "DB_SECRET_ARN", SECRET_ARN, "a Secrets Manager secret ARN");
    const host = required(env, "DB_HOST", HOST, "a host name or IP address");
    const port = integer(env, "DB_PORT", 3306, 1, 65535);
    const database = raw(env, "DB_NAME");
    if (database === undefined) throw settingsError("DB_NAME", "is missing (expected a database name)");
    const databaseProblem = schemaNameProblem(database);
    if (databaseProblem !== undefined) throw settingsError("DB_NAME", databaseProblem);
    const tlsRaw = raw(env, "DB_TLS") ?? "rds";
    if (tlsRaw !== "rds" && tlsRaw !== "off") {
        throw settingsError("DB_TLS", `must be "rds" or "off", got "${tlsRaw.slice(0, 40)}"`);
    }
    const tablesRaw = raw(env, "ALLOWED_TABLES") ?? "vegetables";
    const allowedTables = tablesRaw.split(",").map((t) => t.trim());
    for (const table of allowedTables) {
        const problem = identifierProblem(table);
        if (problem !== undefined) {
            throw settingsError(
                "ALLOWED_TABLES",
                `must be comma-separated table names; "${table.slice(0, 64)}" ${problem}`,
            );
        }
    }
    const settings: Settings = {
        roleArn,
        roleSessionName: "fetch-rows",
        secretArn,
        host,
        port,
        database,
        tls: tlsRaw,
        allowedTables,
        maxRows: integer(env, "MAX_ROWS", 1000, 1, 100_000),
        secretTtlMs: integer(env, "SECRET_TTL_SECONDS", 300, 0, 86_400) * 1000,
        connectTimeoutMs: integer(env, "DB_CONNECT_TIMEOUT_MS", 3000, 100, 60_000),
        queryTimeoutMs: integer(env, "DB_QUERY_TIMEOUT_MS", 5000, 100, 300_000),
    };
    return externalIdRaw === undefined ? settings : { ...settings, externalId: externalIdRaw };
}
