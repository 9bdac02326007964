import assert from "node:assert/strict";
import { createServer, Server, Socket } from "node:net";
import {
    createHandler,
    FetchRowsError,
    handler as defaultHandler,
    Handler,
    isFetchRowsError,
    isSettingsError,
} from "../../functions/fetch-rows";
import { readSettings } from "../../functions/fetch-rows/settings";
import { identifierProblem, schemaNameProblem } from "../../infra/lib/mysql";
import { AwsStandIns, FailureKind, Operation, startAwsStandIns } from "../../support/awsStandIns";
import {
    connectionsOf,
    createReader,
    DATABASE,
    EXTERNAL_ID,
    functionEnv,
    logEntriesOf,
    Reader,
    ROLE_ARN,
    SECRET_ARN,
    secretStringFor,
    seedVegetables,
    SEED_ROWS,
    threadsOf,
    useStandInSdkEnv,
} from "../../support/fetchRowsFixture";
import { freePort, MariaDbServer, sharedMariaDb, startMariaDb } from "../../support/mariadb";

/** Everything the code under test writes to the console, and every error it throws. */
const captured: string[] = [];
const secretValues: string[] = [];

async function expectFailure(promise: Promise<unknown>, step: string): Promise<FetchRowsError> {
    try {
        await promise;
    } catch (error) {
        assert.ok(isFetchRowsError(error), `expected a FetchRowsError, got ${String(error)}`);
        captured.push(error.message, String(error.stack));
        assert.equal(error.step, step, error.message);
        assert.match(error.message, new RegExp(`step "${step}"`));
        return error;
    }
    assert.fail(`expected the call to fail at step "${step}"`);
}

/** Error log lines the handler wrote since `from` (one JSON object per line). */
function errorLines(from: number): Array<Record<string, unknown>> {
    return captured
        .slice(from)
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("fetch-rows function against MariaDB @mariadb", function () {
    this.timeout(30_000);
    let server: MariaDbServer;
    let standIns: AwsStandIns;
    let restoreEnv: () => void;
    const originals = { error: console.error, warn: console.warn, log: console.log, info: console.info };

    before(async () => {
        server = sharedMariaDb();
        standIns = await startAwsStandIns();
        restoreEnv = useStandInSdkEnv(standIns);
        await seedVegetables(server);
        const record = (...args: unknown[]) => captured.push(args.map(String).join(" "));
        console.error = record;
        console.warn = record;
        console.log = record;
        console.info = record;
    });

    after(async () => {
        Object.assign(console, originals);
        restoreEnv();
        await standIns.close();
    });

    /** A reader with its own name (so the server's per-user counters are this test's alone) and a handler. */
    async function freshHandler(
        user: string,
        overrides: Record<string, string> = {},
    ): Promise<[Handler, Reader]> {
        const reader = await createReader(server, standIns, user);
        secretValues.push(reader.password, reader.secretString);
        standIns.resetCounters();
        return [createHandler(functionEnv(server, overrides)), reader];
    }

    it("returns the seeded rows exactly: DECIMAL as numbers, BIGINT as strings without rounding, DATE as text", async () => {
        const [handler] = await freshHandler("rdrrows");
        const result = await handler({ table: "vegetables" });
        assert.deepEqual(result, { table: "vegetables", rowCount: SEED_ROWS.length, rows: SEED_ROWS });
        assert.equal(typeof result.rows[0].price, "number");
        assert.equal(result.rows[2].stock, "9007199254740993");
        const limited = await handler({ limit: 2 });
        assert.deepEqual(limited.rows, SEED_ROWS.slice(0, 2));
        assert.equal(limited.rowCount, 2);
    });

    it("assumes the configured role with the external id and reads the secret with the assumed credentials", async () => {
        const [handler] = await freshHandler("rdrrole");
        await handler({});
        assert.deepEqual(standIns.assumeRoleCalls, [
            {
                roleArn: ROLE_ARN,
                roleSessionName: "fetch-rows",
                externalId: EXTERNAL_ID,
                durationSeconds: 3600,
            },
        ]);
        assert.deepEqual(standIns.secretReaderKeys, standIns.issuedKeys);
        assert.match(standIns.issuedKeys[0], /^ASIA/);
    });

    it("serves 120 warm calls with one AssumeRole, one GetSecretValue and one pooled connection", async () => {
        const [handler] = await freshHandler("rdrwarm");
        for (let i = 0; i < 120; i++) {
            const result = await handler({ limit: 1 + (i % 4) });
            assert.equal(result.rowCount, 1 + (i % 4));
        }
        assert.equal(standIns.calls.AssumeRole, 1);
        assert.equal(standIns.calls.GetSecretValue, 1);
        assert.equal(await connectionsOf(server, "rdrwarm"), 1);
        assert.ok((await threadsOf(server, "rdrwarm")).length <= 1);
    });

    it("recovers on the next call after its connection is KILLed", async () => {
        const [handler] = await freshHandler("rdrkill");
        await handler({});
        const threads = await threadsOf(server, "rdrkill");
        assert.equal(threads.length, 1);
        const admin = await server.connectAdmin();
        await admin.query(`KILL CONNECTION ${threads[0]}`);
        await admin.end();
        const result = await handler({});
        assert.equal(result.rowCount, SEED_ROWS.length);
        assert.equal(await connectionsOf(server, "rdrkill"), 2);
        assert.equal(standIns.calls.GetSecretValue, 1);
    });

    it("recovers when a query is cut off mid-flight (KILL while it waits on a lock) by retrying once", async () => {
        const [handler] = await freshHandler("rdrcut");
        await handler({});
        const admin = await server.connectAdmin(DATABASE);
        await admin.query("LOCK TABLES vegetables WRITE");
        const call = handler({});
        let threads: number[] = [];
        for (let i = 0; i < 50 && threads.length === 0; i++) {
            const [rows] = await admin.query(
                "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = 'rdrcut' AND COMMAND = 'Query'",
            );
            threads = (rows as Array<{ id: number }>).map((r) => Number(r.id));
            if (threads.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(threads.length, 1, "the function's query should be waiting on the lock");
        await admin.query(`KILL CONNECTION ${threads[0]}`);
        await admin.query("UNLOCK TABLES");
        await admin.end();
        assert.equal((await call).rowCount, SEED_ROWS.length);
    });

    it("fails at step query when the query exceeds DB_QUERY_TIMEOUT_MS, and the next call succeeds", async () => {
        const [handler] = await freshHandler("rdrslow", { DB_QUERY_TIMEOUT_MS: "300" });
        await handler({});
        const admin = await server.connectAdmin(DATABASE);
        await admin.query("LOCK TABLES vegetables WRITE");
        const started = Date.now();
        const from = captured.length;
        try {
            const error = await expectFailure(handler({}), "query");
            // Generous: it proves the query timeout ends the wait (the lock is held for good), not how fast.
            assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
            assert.match(error.message, /timeout/i);
            assert.equal(errorLines(from).length, 1);
        } finally {
            await admin.query("UNLOCK TABLES");
            await admin.end();
        }
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
    });

    /** A handler whose secret cache reads `clock.now`, which the test advances by hand. */
    async function clockedHandler(
        user: string,
        ttlSeconds: number,
    ): Promise<{ handler: Handler; reader: Reader; clock: { now: number } }> {
        const reader = await createReader(server, standIns, user);
        secretValues.push(reader.password, reader.secretString);
        standIns.resetCounters();
        const clock = { now: 1_000_000 };
        const env = functionEnv(server, { SECRET_TTL_SECONDS: String(ttlSeconds) });
        return { handler: createHandler(env, { now: () => clock.now }), reader, clock };
    }

    /** Waits, at most two seconds, until `condition` holds. */
    async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
        for (let i = 0; i < 200; i++) {
            if (await condition()) return;
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.fail(`timed out waiting until ${what}`);
    }

    /** Warning lines (failed background refreshes) written since `from`. */
    function warnLines(from: number): Array<Record<string, unknown>> {
        return errorLines(from).filter((line) => line.level === "warn");
    }

    it("refreshes the secret in the background once 80% of SECRET_TTL_SECONDS has passed, keeping the pool and the assumed role", async () => {
        const { handler, clock } = await clockedHandler("rdrttl", 10);
        await handler({});
        clock.now += 7_999;
        await handler({});
        assert.equal(standIns.received.GetSecretValue, 1, "no refresh before 80% of the TTL");
        clock.now += 1;
        await handler({});
        await until(() => standIns.calls.GetSecretValue === 2, "the background refresh was answered");
        await handler({});
        assert.equal(standIns.received.GetSecretValue, 2, "the refreshed secret is fresh again");
        assert.equal(standIns.calls.AssumeRole, 1);
        assert.equal(await connectionsOf(server, "rdrttl"), 1, "an unchanged secret keeps the pool");
    });

    it("once warm, never waits for Secrets Manager: 25 calls across 5 TTLs all return while the refresh is held", async () => {
        const { handler, clock } = await clockedHandler("rdrswr", 10);
        await handler({});
        assert.equal(standIns.calls.GetSecretValue, 1, "the cold call waited for the first secret");
        standIns.hold("GetSecretValue");
        try {
            for (let i = 0; i < 25; i++) {
                clock.now += 2_000;
                assert.equal((await handler({ limit: 1 })).rowCount, 1);
            }
            await until(() => standIns.received.GetSecretValue === 2, "the refresh reached Secrets Manager");
            // Every call above returned while that refresh was unanswered, and no second one was started.
            assert.equal(standIns.calls.GetSecretValue, 1);
            assert.equal(standIns.received.GetSecretValue, 2);
        } finally {
            standIns.release("GetSecretValue");
        }
        await until(() => standIns.calls.GetSecretValue === 2, "the held refresh was answered");
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        assert.equal(standIns.calls.AssumeRole, 1);
    });

    it("keeps serving the cached secret when a background refresh fails, logs it without the secret, and retries it after the retry delay", async () => {
        // TTL 60 s: refresh after 48 s, retry delay min(5 s, TTL/10) = 5 s.
        const { handler, clock } = await clockedHandler("rdrswrfail", 60);
        await handler({});
        standIns.failNext("GetSecretValue", 2, "server-error");
        const from = captured.length;
        clock.now += 50_000;
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        await until(() => warnLines(from).length === 1, "the first refresh failed");
        clock.now += 1_000;
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        assert.equal(standIns.received.GetSecretValue, 2, "no retry within the retry delay");
        clock.now += 5_000;
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        await until(() => warnLines(from).length === 2, "the retry failed too");
        clock.now += 5_000;
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        await until(() => standIns.calls.GetSecretValue === 4, "the second retry was answered");
        clock.now += 1_000;
        await handler({});
        assert.equal(standIns.received.GetSecretValue, 4, "fresh again after the successful retry");
        const warnings = warnLines(from);
        assert.equal(warnings.length, 2);
        for (const line of warnings) {
            assert.equal(line.step, "read-secret");
            assert.match(String(line.message), /background secret refresh failed; serving the cached secret/);
            assert.match(String(line.message), /InternalServiceError/);
        }
        assert.equal(errorLines(from).length, 2, "no call failed");
    });

    it("picks up a rotated secret in the background: the next call logs in with the new password, with no refused login", async () => {
        const { handler, reader, clock } = await clockedHandler("rdrswrrot", 60);
        await handler({});
        const oldThreads = await threadsOf(server, "rdrswrrot");
        const newPassword = reader.password + "-bg-rotated";
        const newSecret = secretStringFor(reader.user, newPassword, server.port);
        secretValues.push(newPassword, newSecret);
        const admin = await server.connectAdmin();
        await admin.query("ALTER USER 'rdrswrrot'@'127.0.0.1' IDENTIFIED BY ?", [newPassword]);
        await admin.end();
        standIns.setSecret(SECRET_ARN, newSecret);
        clock.now += 50_000;
        // Served on the open session with the cached secret; the refresh runs behind it.
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        // Once the refresh has landed, a call opens a new pool with the new password.
        await until(async () => {
            assert.equal((await handler({})).rowCount, SEED_ROWS.length);
            return (await threadsOf(server, "rdrswrrot")).some((id) => !oldThreads.includes(id));
        }, "a new pool logged in with the new password");
        assert.equal(standIns.received.GetSecretValue, 2, "no refused login, so no extra fetch");
    });

    it("assumes the role again before the credentials expire, inside the background refresh", async () => {
        // 301 s credentials are due for refresh (SDK: less than 5 minutes left) about a second after issue.
        standIns.credentialLifetimeSeconds = 301;
        try {
            const { handler, clock } = await clockedHandler("rdrcreds", 10);
            await handler({});
            assert.equal(standIns.calls.AssumeRole, 1);
            for (let round = 2; round <= 3; round++) {
                await new Promise((resolve) => setTimeout(resolve, 1_200));
                clock.now += 9_000;
                assert.equal((await handler({})).rowCount, SEED_ROWS.length);
                await until(() => standIns.calls.GetSecretValue === round, `refresh ${round} was answered`);
                assert.equal(standIns.calls.AssumeRole, round);
            }
            // Each refresh read the secret with the credentials just assumed.
            assert.deepEqual(standIns.secretReaderKeys, standIns.issuedKeys);
        } finally {
            standIns.credentialLifetimeSeconds = 3600;
        }
    });

    it("exports a default handler that builds itself from process.env on first use", async () => {
        await freshHandler("rdrdefault");
        const env = functionEnv(server);
        const saved = Object.keys(env).map((name) => [name, process.env[name]] as const);
        Object.assign(process.env, env);
        try {
            const first = await defaultHandler({ limit: 1 });
            assert.deepEqual(first.rows, SEED_ROWS.slice(0, 1));
            await defaultHandler({});
            assert.equal(standIns.calls.AssumeRole, 1);
        } finally {
            for (const [name, value] of saved) {
                if (value === undefined) delete process.env[name];
                else process.env[name] = value;
            }
        }
    });

    it("after the reader's password is rotated (database and secret), reconnects with one secret refetch", async () => {
        const [handler, reader] = await freshHandler("rdrrot");
        await handler({});
        assert.equal(standIns.calls.GetSecretValue, 1);
        const newPassword = reader.password + "-rotated";
        const newSecret = secretStringFor(reader.user, newPassword, server.port);
        secretValues.push(newPassword, newSecret);
        const admin = await server.connectAdmin();
        await admin.query("ALTER USER 'rdrrot'@'127.0.0.1' IDENTIFIED BY ?", [newPassword]);
        standIns.setSecret(SECRET_ARN, newSecret);
        // The open session survives ALTER USER; end it so the next call must log in again.
        for (const id of await threadsOf(server, "rdrrot")) await admin.query(`KILL CONNECTION ${id}`);
        await admin.end();
        const result = await handler({});
        assert.equal(result.rowCount, SEED_ROWS.length);
        assert.equal(standIns.calls.GetSecretValue, 2);
        assert.equal(standIns.calls.AssumeRole, 1);
        await handler({});
        assert.equal(standIns.calls.GetSecretValue, 2);
    });

    describe("when the database is unreachable", () => {
        let silent: Server;
        const sockets = new Set<Socket>();

        before(async () => {
            // Accepts TCP connections and never says a word: only the connect timeout ends the wait.
            silent = createServer((socket) => {
                sockets.add(socket);
                socket.on("close", () => sockets.delete(socket));
            });
            await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        });

        after(async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise<void>((resolve) => silent.close(() => resolve()));
        });

        it("fails at step connect on a closed port without waiting for a timeout", async () => {
            const port = await freePort();
            const [handler] = await freshHandler("rdrclosed", { DB_PORT: String(port) });
            const started = Date.now();
            const error = await expectFailure(handler({}), "connect");
            // ECONNREFUSED (below) is the proof that the refusal, not a timeout, ended it; the bound only
            // catches a hang.
            assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
            assert.match(error.message, /ECONNREFUSED/);
        });

        it("fails at step connect once DB_CONNECT_TIMEOUT_MS has passed when the server never answers", async () => {
            const address = silent.address();
            const port = typeof address === "object" && address ? address.port : 0;
            const [handler] = await freshHandler("rdrsilent", {
                DB_PORT: String(port),
                DB_CONNECT_TIMEOUT_MS: "300",
            });
            for (let call = 0; call < 2; call++) {
                const from = captured.length;
                const started = Date.now();
                const error = await expectFailure(handler({}), "connect");
                const elapsed = Date.now() - started;
                // Not before the timeout (the server accepted and stayed silent), and not anywhere near a
                // Lambda timeout: generous bounds, since speed is the benchmarks' business.
                assert.ok(elapsed >= 250 && elapsed < 10_000, `call ${call} took ${elapsed} ms`);
                assert.match(error.message, /ETIMEDOUT|timeout/i);
                const lines = errorLines(from);
                assert.equal(lines.length, 1);
                assert.equal(lines[0].step, "connect");
                assert.equal(lines[0].level, "error");
            }
        });
    });

    describe("when STS or Secrets Manager fails", () => {
        /** One failure the stand-ins inject, the step it must be named by, and the AWS calls made around it. */
        const injected: ReadonlyArray<{
            readonly requirement: string;
            readonly instance: string;
            readonly operation: Operation;
            readonly kind: FailureKind;
            readonly step: "assume-role" | "read-secret";
            readonly message?: RegExp;
            readonly callsAfterFailure?: Partial<Record<Operation, number>>;
            readonly callsAfterRecovery?: Partial<Record<Operation, number>>;
        }> = [
            {
                requirement: "names step assume-role when AssumeRole is denied, and the next call recovers",
                instance: "rdrsts",
                operation: "AssumeRole",
                kind: "access-denied",
                step: "assume-role",
                message: /AccessDenied|not authorized/,
                callsAfterFailure: { GetSecretValue: 0 },
                callsAfterRecovery: { AssumeRole: 2 },
            },
            {
                requirement: "names step assume-role when STS answers 500",
                instance: "rdrsts5",
                operation: "AssumeRole",
                kind: "server-error",
                step: "assume-role",
            },
            {
                requirement:
                    "names step read-secret when GetSecretValue is denied, and the next call recovers",
                instance: "rdrsm",
                operation: "GetSecretValue",
                kind: "access-denied",
                step: "read-secret",
                message: /AccessDenied|not authorized/,
                callsAfterRecovery: { AssumeRole: 1, GetSecretValue: 2 },
            },
        ];

        for (const row of injected) {
            it(row.requirement, async () => {
                const [handler] = await freshHandler(row.instance);
                standIns.failNext(row.operation, 1, row.kind);
                const from = captured.length;
                const error = await expectFailure(handler({}), row.step);
                if (row.message) {
                    assert.match(error.message, row.message);
                }
                assert.deepEqual(
                    errorLines(from).map((l) => l.step),
                    [row.step],
                );
                assertCalls(row.callsAfterFailure);
                assert.equal((await handler({})).rowCount, SEED_ROWS.length);
                assertCalls(row.callsAfterRecovery);
            });
        }

        /** Asserts how many calls of each operation the stand-ins have answered. */
        function assertCalls(expected: Partial<Record<Operation, number>> = {}): void {
            for (const [operation, count] of Object.entries(expected)) {
                assert.equal(standIns.calls[operation as Operation], count, operation);
            }
        }

        it("names step read-secret when the secret does not exist", async () => {
            await freshHandler("rdrnosecret");
            const handler = createHandler(
                functionEnv(server, { DB_SECRET_ARN: SECRET_ARN.replace("AbCdEf", "Missing") }),
            );
            const error = await expectFailure(handler({}), "read-secret");
            assert.match(error.message, /ResourceNotFoundException|can't find/);
        });

        it("names step read-secret, without echoing it, when the secret is not in the RDS format", async () => {
            const [handler] = await freshHandler("rdrbadsecret");
            const bogus = "not-json-but-secret-material-123";
            secretValues.push(bogus);
            standIns.setSecret(SECRET_ARN, bogus);
            const error = await expectFailure(handler({}), "read-secret");
            assert.match(error.message, /not JSON/);
        });
    });

    describe("rejects bad events before any I/O", () => {
        const badEvents: Array<[string, unknown, RegExp]> = [
            ["an unknown table", { table: "fruits" }, /table "fruits" is not allowed/],
            ["an injection attempt", { table: "vegetables; DROP TABLE x" }, /is not allowed/],
            ["a backquoted table", { table: "`vegetables`" }, /is not allowed/],
            ["a string event", "vegetables", /must be a JSON object/],
            ["an array event", ["vegetables"], /must be a JSON object/],
            ["a null event", null, /must be a JSON object/],
            ["a number event", 42, /must be a JSON object/],
            ["limit -1", { limit: -1 }, /"limit" must be an integer from 1 to 100/],
            ["limit 0", { limit: 0 }, /"limit" must be an integer/],
            ['limit "10"', { limit: "10" }, /"limit" must be an integer.*string "10"/],
            ["limit 2.5", { limit: 2.5 }, /"limit" must be an integer/],
            ["limit above MAX_ROWS", { limit: 101 }, /"limit" must be an integer from 1 to 100/],
            ["a table that is not a string", { table: 7 }, /"table" must be a string/],
            ["extra keys", { table: "vegetables", where: "1=1" }, /unknown event key\(s\) "where"/],
        ];

        let handler: Handler;

        before(async () => {
            [handler] = await freshHandler("rdrbad");
        });

        for (const [name, event, message] of badEvents) {
            it(`refuses ${name} with a clear error`, async () => {
                const from = captured.length;
                const error = await expectFailure(handler(event), "validate");
                assert.match(error.message, message);
                assert.deepEqual(
                    errorLines(from).map((l) => l.step),
                    ["validate"],
                );
            });
        }

        it("let no query (not even a connection) reach the server, called no AWS API, and left the table intact", async () => {
            assert.equal(await logEntriesOf(server, "rdrbad"), 0);
            assert.equal(await connectionsOf(server, "rdrbad"), 0);
            assert.equal(standIns.calls.AssumeRole, 0);
            assert.equal(standIns.calls.GetSecretValue, 0);
            const admin = await server.connectAdmin(DATABASE);
            const [rows] = await admin.query("SELECT COUNT(*) AS n FROM vegetables");
            await admin.end();
            assert.equal(Number((rows as Array<{ n: number }>)[0].n), SEED_ROWS.length);
            // The same handler still works for a good event.
            assert.equal((await handler({ table: "vegetables", limit: 3 })).rowCount, 3);
        });
    });

    it("verifies the server against the RDS CA bundle when DB_TLS=rds (a local self-signed server is refused)", async () => {
        const [handler] = await freshHandler("rdrtls", { DB_TLS: "rds" });
        const error = await expectFailure(handler({}), "connect");
        assert.match(error.message, /certificate|self[- ]signed|verify/i);
    });

    describe("secrets (checked over every test above)", () => {
        it("never writes a password or secret string to the console or into an error message", () => {
            assert.ok(
                captured.length > 20,
                `the tests above should have produced log lines and errors: ${captured.length}`,
            );
            assert.ok(secretValues.length >= 10);
            for (const line of captured) {
                for (const secret of secretValues) {
                    assert.ok(!line.includes(secret), `a secret leaked into: ${line.slice(0, 200)}`);
                }
            }
        });
    });
});

describe("fetch-rows after a server restart @mariadb", function () {
    this.timeout(60_000);
    let server: MariaDbServer;
    let standIns: AwsStandIns;
    let restoreEnv: () => void;

    before(async () => {
        server = await startMariaDb();
        standIns = await startAwsStandIns();
        restoreEnv = useStandInSdkEnv(standIns);
        await seedVegetables(server);
        await createReader(server, standIns, "rdrrestart");
    });

    after(async () => {
        restoreEnv();
        await standIns.close();
        await server.stop();
    });

    it("succeeds on the next call after the server restarts", async () => {
        const handler = createHandler(functionEnv(server));
        assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        const quiet = console.error;
        console.error = () => undefined;
        try {
            await server.restart();
            assert.equal((await handler({})).rowCount, SEED_ROWS.length);
            assert.equal((await handler({})).rowCount, SEED_ROWS.length);
        } finally {
            console.error = quiet;
        }
        assert.equal(standIns.calls.GetSecretValue, 1);
    });
});

describe("fetch-rows settings", () => {
    const valid = {
        DB_ACCESS_ROLE_ARN: ROLE_ARN,
        DB_SECRET_ARN: SECRET_ARN,
        DB_HOST: "db.internal.example",
        DB_NAME: DATABASE,
    };

    it("applies the documented defaults", () => {
        const settings = readSettings(valid);
        assert.equal(settings.port, 3306);
        assert.equal(settings.tls, "rds");
        assert.deepEqual(settings.allowedTables, ["vegetables"]);
        assert.equal(settings.maxRows, 1000);
        assert.equal(settings.secretTtlMs, 300_000);
        assert.equal(settings.connectTimeoutMs, 3000);
        assert.equal(settings.queryTimeoutMs, 5000);
        assert.equal(settings.externalId, undefined);
    });

    const bad: Array<[string, Record<string, string>]> = [
        ["DB_ACCESS_ROLE_ARN", { DB_ACCESS_ROLE_ARN: "" }],
        ["DB_ACCESS_ROLE_ARN", { DB_ACCESS_ROLE_ARN: "arn:aws:iam::12345:role/x" }],
        ["DB_SECRET_ARN", { DB_SECRET_ARN: "my-secret-name" }],
        ["DB_HOST", { DB_HOST: "" }],
        ["DB_HOST", { DB_HOST: "db host" }],
        ["DB_PORT", { DB_PORT: "0" }],
        ["DB_PORT", { DB_PORT: "3306abc" }],
        ["DB_NAME", { DB_NAME: "fruits-veggies;" }],
        ["DB_NAME", { DB_NAME: "price$" }],
        ["DB_NAME", { DB_NAME: "mysql" }],
        ["DB_TLS", { DB_TLS: "on" }],
        ["ALLOWED_TABLES", { ALLOWED_TABLES: "vegetables,fruits;drop" }],
        ["ALLOWED_TABLES", { ALLOWED_TABLES: "vegetables,2fruits" }],
        ["MAX_ROWS", { MAX_ROWS: "-5" }],
        ["MAX_ROWS", { MAX_ROWS: "ten" }],
        ["SECRET_TTL_SECONDS", { SECRET_TTL_SECONDS: "1.5" }],
        ["DB_CONNECT_TIMEOUT_MS", { DB_CONNECT_TIMEOUT_MS: "5" }],
        ["DB_QUERY_TIMEOUT_MS", { DB_QUERY_TIMEOUT_MS: "abc" }],
        ["DB_ACCESS_EXTERNAL_ID", { DB_ACCESS_EXTERNAL_ID: "has spaces in it" }],
    ];
    for (const [variable, override] of bad) {
        it(`refuses ${JSON.stringify(override)} naming ${variable}`, () => {
            assert.throws(
                () => createHandler({ ...valid, ...override }),
                (error: unknown) =>
                    isSettingsError(error) && error.variable === variable && error.message.includes(variable),
            );
        });
    }

    it("accepts exactly the database and table names infra/lib/mysql accepts", () => {
        const names = [
            "fruits_veggies",
            "_x",
            "T1",
            "mysql",
            "Sys",
            "1abc",
            "a$b",
            "a-b",
            "x".repeat(64),
            "x".repeat(65),
        ];
        for (const name of names) {
            const accepts = (env: Record<string, string>) => {
                try {
                    readSettings({ ...valid, ...env });
                    return true;
                } catch {
                    return false;
                }
            };
            assert.equal(
                accepts({ DB_NAME: name }),
                schemaNameProblem(name) === undefined,
                `DB_NAME=${name}`,
            );
            assert.equal(
                accepts({ ALLOWED_TABLES: `vegetables,${name}` }),
                identifierProblem(name) === undefined,
                `ALLOWED_TABLES=vegetables,${name}`,
            );
        }
    });

    it("names a missing required variable", () => {
        for (const name of Object.keys(valid)) {
            const env: Record<string, string> = { ...valid };
            delete env[name];
            assert.throws(() => readSettings(env), new RegExp(`${name} is missing`));
        }
    });
});
