import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { Connection, createConnection } from "mysql2/promise";
import {
    bootstrapInput,
    BootstrapInput,
    bootstrapRequest,
    createBootstrapHandler,
    readSettings,
} from "../../functions/db-bootstrap";
import {
    BootstrapOptions,
    bootstrapStatements,
    describeStatements,
    schemaFingerprint,
} from "../../functions/db-bootstrap/schema";
import { MariaDbServer, sharedMariaDb } from "../../support/mariadb";

const BASE: BootstrapOptions = {
    database: "fruits_veggies",
    table: "vegetables",
    readerUser: "reader",
    seedSampleRows: true,
    requireTls: true,
};
const NASTY = "fruits; DROP DATABASE x";
const TRICKY_PASSWORD = `it's "quoted" \\ back\\slash\\' ; -- /* ü€ */ %_`;

describe("db-bootstrap SQL (pure)", () => {
    it("is deterministic and idempotent by construction (IF NOT EXISTS, upsert, ALTER/REVOKE/GRANT)", () => {
        const a = bootstrapStatements(BASE, "pw-1");
        assert.deepEqual(bootstrapStatements({ ...BASE }, "pw-1"), a);
        assert.match(a[0], /^CREATE DATABASE IF NOT EXISTS `fruits_veggies`/);
        assert.match(a[1], /^CREATE TABLE IF NOT EXISTS `fruits_veggies`\.`vegetables` \(/);
        assert.match(a[2], /^INSERT INTO .* ON DUPLICATE KEY UPDATE/);
        assert.deepEqual(a.slice(3), [
            "CREATE USER IF NOT EXISTS 'reader'@'%' IDENTIFIED BY 'pw-1'",
            "ALTER USER 'reader'@'%' IDENTIFIED BY 'pw-1' REQUIRE SSL",
            "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'reader'@'%'",
            "GRANT SELECT ON `fruits_veggies`.* TO 'reader'@'%'",
        ]);
        const plain = bootstrapStatements({ ...BASE, seedSampleRows: false, requireTls: false }, "pw-1");
        assert.equal(plain.length, 6);
        assert.ok(!plain.some((s) => s.startsWith("INSERT")));
        assert.ok(plain.some((s) => s.endsWith("REQUIRE NONE")));
    });

    it("refuses bad identifiers before producing any SQL, without echoing them", () => {
        for (const key of ["database", "table", "readerUser"] as const) {
            for (const bad of [NASTY, "", "1abc", "a`b", "a'b", "x".repeat(65), "naïve"]) {
                const options = { ...BASE, [key]: bad };
                assert.throws(
                    () => bootstrapStatements(options, "pw"),
                    (e: Error) => /invalid/.test(e.message) && (bad === "" || !e.message.includes(bad)),
                );
                assert.throws(() => schemaFingerprint(options), /invalid/);
            }
        }
        assert.throws(() => bootstrapStatements({ ...BASE, readerUser: "u".repeat(33) }, "pw"), /at most 32/);
        assert.throws(() => bootstrapStatements(BASE, ""), /non-empty/);
        assert.throws(() => bootstrapStatements(BASE, "a\u0000b"), /NUL/);
    });

    it("escapes a password with quotes and backslashes into one string literal", () => {
        const statements = bootstrapStatements(BASE, TRICKY_PASSWORD);
        const create = statements.find((s) => s.startsWith("CREATE USER")) as string;
        const literal = create.slice(create.indexOf("IDENTIFIED BY ") + "IDENTIFIED BY ".length);
        // One literal: every quote inside is escaped, and it ends the statement.
        assert.match(literal, /^'(?:[^'\\]|\\.)*'$/);
        assert.ok(!create.includes(TRICKY_PASSWORD));
    });

    it("fingerprints the SQL without the password: changes with every option, never with the password", () => {
        const base = schemaFingerprint(BASE);
        assert.match(base, /^[0-9a-f]{64}$/);
        assert.equal(schemaFingerprint({ ...BASE }), base);
        const variants: BootstrapOptions[] = [
            { ...BASE, database: "fruits_veggies2" },
            { ...BASE, table: "vegetables2" },
            { ...BASE, readerUser: "reader2" },
            { ...BASE, seedSampleRows: false },
            { ...BASE, requireTls: false },
        ];
        const prints = variants.map(schemaFingerprint);
        assert.equal(new Set([base, ...prints]).size, variants.length + 1);
        // The statements differ by password; the fingerprint (computed from options only) cannot.
        assert.notDeepEqual(bootstrapStatements(BASE, "a"), bootstrapStatements(BASE, "b"));
        assert.ok(!base.includes("pw-1"));
    });

    it("describes statements for logs with every password replaced by ***", () => {
        const described = describeStatements(bootstrapStatements(BASE, TRICKY_PASSWORD)).join("\n");
        assert.equal((described.match(/IDENTIFIED BY '\*\*\*'/g) ?? []).length, 2);
        for (const fragment of ["quoted", "back", "slash", "ü€"])
            assert.ok(!described.includes(fragment), fragment);
        assert.match(described, /ALTER USER 'reader'@'%' IDENTIFIED BY '\*\*\*' REQUIRE SSL/);
    });
});

// ---------------------------------------------------------------------------------------------------------
// Against the real server.

const suffix = randomBytes(4).toString("hex");
const DB = `bootstrap_test_${suffix}`;
const OTHER_DB = `bootstrap_other_${suffix}`;
const EMPTY_DB = `bootstrap_empty_${suffix}`;
const CANARY_DB = `bootstrap_canary_${suffix}`;
const READER = `bt_reader_${suffix}`;
const PLAIN_READER = `bt_plain_${suffix}`;
const HANDLER_READER = `bt_handler_${suffix}`;
const HANDLER_DB = `bootstrap_handler_${suffix}`;
const WEAK_MASTER = `bt_weak_${suffix}`;
const RENAMED_READER = `bt_renamed_${suffix}`;

function options(overrides: Partial<BootstrapOptions> = {}): BootstrapOptions {
    return {
        database: DB,
        table: "vegetables",
        readerUser: READER,
        seedSampleRows: true,
        requireTls: true,
        ...overrides,
    };
}

async function withAdmin<T>(server: MariaDbServer, fn: (c: Connection) => Promise<T>): Promise<T> {
    const connection = await server.connectAdmin();
    try {
        return await fn(connection);
    } finally {
        await connection.end();
    }
}

async function runStatements(server: MariaDbServer, statements: string[]): Promise<void> {
    await withAdmin(server, async (c) => {
        for (const statement of statements) await c.query(statement);
    });
}

/** SHOW GRANTS without MariaDB's `IDENTIFIED BY PASSWORD '<hash>'` (the hash changes with the password). */
async function grants(server: MariaDbServer, user: string): Promise<string[]> {
    return withAdmin(server, async (c) => {
        const [rows] = await c.query("SHOW GRANTS FOR ?@'%'", [user]);
        return (rows as Array<Record<string, string>>)
            .map((row) => Object.values(row)[0].replace(/ IDENTIFIED BY PASSWORD '[^']*'/, ""))
            .sort();
    });
}

interface EndState {
    columns: unknown[];
    rows: unknown[];
    grants: string[];
    ssl: string;
}

async function endState(server: MariaDbServer, database: string, user: string): Promise<EndState> {
    const columns = await withAdmin(server, async (c) => {
        const [rows] = await c.query(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS " +
                "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'vegetables' ORDER BY ORDINAL_POSITION",
            [database],
        );
        return rows as unknown[];
    });
    const rows = await withAdmin(server, async (c) => {
        const [r] = await c.query(`SELECT * FROM \`${database}\`.vegetables ORDER BY id`);
        return r as unknown[];
    });
    const ssl = await withAdmin(server, async (c) => {
        const [r] = await c.query("SELECT ssl_type AS t FROM mysql.user WHERE User = ? AND Host = '%'", [
            user,
        ]);
        return String((r as Array<{ t: string }>)[0]?.t);
    });
    return { columns, rows, grants: await grants(server, user), ssl };
}

function connectAs(server: MariaDbServer, user: string, password: string, tls: boolean): Promise<Connection> {
    return createConnection({
        host: server.host,
        port: server.port,
        user,
        password,
        ssl: tls ? { ca: server.caPem, rejectUnauthorized: true } : undefined,
        connectTimeout: 5000,
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
    });
}

async function expectDenied(connection: Connection, sql: string): Promise<void> {
    await assert.rejects(
        connection.query(sql),
        (e: { code?: string }) => /ACCESS_DENIED|DENIED_ERROR/.test(String(e.code)),
        `expected access denied for: ${sql}`,
    );
}

async function canLogIn(server: MariaDbServer, user: string, password: string, tls = true): Promise<boolean> {
    try {
        const c = await connectAs(server, user, password, tls);
        await c.end();
        return true;
    } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ER_ACCESS_DENIED_ERROR") return false;
        throw error;
    }
}

async function dropEverything(server: MariaDbServer): Promise<void> {
    await withAdmin(server, async (c) => {
        for (const db of [DB, OTHER_DB, EMPTY_DB, CANARY_DB, HANDLER_DB])
            await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
        for (const user of [READER, PLAIN_READER, HANDLER_READER, WEAK_MASTER, RENAMED_READER])
            await c.query("DROP USER IF EXISTS ?@'%'", [user]);
    });
}

describe("db-bootstrap SQL against MariaDB @mariadb", function () {
    this.timeout(60_000);
    let server: MariaDbServer;
    const password = `pw-${randomBytes(9).toString("base64url")}`;

    before(async () => {
        server = sharedMariaDb();
        await dropEverything(server);
        await runStatements(server, bootstrapStatements(options(), password));
    });
    after(async () => {
        if (server) await dropEverything(server);
    });

    it("gives the same end state when run twice: schema, rows, exactly SELECT on the database, TLS required", async () => {
        const first = await endState(server, DB, READER);
        await runStatements(server, bootstrapStatements(options(), password));
        const second = await endState(server, DB, READER);
        assert.deepEqual(second, first);
        assert.deepEqual(
            (first.columns as Array<Record<string, string>>).map((c) => [
                c.COLUMN_NAME,
                c.COLUMN_TYPE,
                c.IS_NULLABLE,
                c.COLUMN_KEY,
            ]),
            [
                ["id", "int(11)", "NO", "PRI"],
                ["name", "varchar(64)", "NO", ""],
                ["color", "varchar(32)", "YES", ""],
                ["price_per_kg", "decimal(6,2)", "YES", ""],
                ["stock", "bigint(20)", "YES", ""],
                ["harvested", "date", "YES", ""],
            ],
        );
        assert.equal(first.rows.length, 6);
        assert.equal(first.ssl, "ANY");
        assert.deepEqual(first.grants, [
            `GRANT SELECT ON \`${DB}\`.* TO \`${READER}\`@\`%\``,
            `GRANT USAGE ON *.* TO \`${READER}\`@\`%\` REQUIRE SSL`,
        ]);
    });

    it("seeds the sample vegetables exactly, BIGINT beyond 2^53 included, and leaves other rows alone", async () => {
        const reader = await connectAs(server, READER, password, true);
        try {
            const [rows] = await reader.query(`SELECT * FROM \`${DB}\`.vegetables ORDER BY id`);
            const list = rows as Array<Record<string, unknown>>;
            assert.deepEqual(
                list.map((r) => r.name),
                ["Carrot", "Broccoli", "Tomato", "Spinach", "Eggplant", "Potato"],
            );
            assert.deepEqual(list[0], {
                id: 1,
                name: "Carrot",
                color: "orange",
                price_per_kg: "1.20",
                stock: "540",
                harvested: "2024-09-12",
            });
            assert.equal(list[5].stock, "9007199254740993");
        } finally {
            await reader.end();
        }
        // A re-run does not overwrite edited rows nor delete extra ones, and restores a missing sample row.
        await withAdmin(server, async (c) => {
            await c.query(`UPDATE \`${DB}\`.vegetables SET stock = 1 WHERE id = 1`);
            await c.query(`DELETE FROM \`${DB}\`.vegetables WHERE id = 2`);
            await c.query(`INSERT INTO \`${DB}\`.vegetables (id, name) VALUES (100, 'Leek')`);
        });
        await runStatements(server, bootstrapStatements(options(), password));
        await withAdmin(server, async (c) => {
            const [rows] = await c.query(`SELECT id, stock FROM \`${DB}\`.vegetables ORDER BY id`);
            const list = rows as Array<{ id: number; stock: string | null }>;
            assert.deepEqual(
                list.map((r) => r.id),
                [1, 2, 3, 4, 5, 6, 100],
            );
            assert.equal(list[0].stock, "1");
            await c.query(`DELETE FROM \`${DB}\`.vegetables WHERE id = 100`);
            await c.query(`UPDATE \`${DB}\`.vegetables SET stock = 540 WHERE id = 1`);
        });
    });

    it("creates an empty table when seedSampleRows is false", async () => {
        await runStatements(
            server,
            bootstrapStatements(options({ database: EMPTY_DB, seedSampleRows: false }), password),
        );
        await withAdmin(server, async (c) => {
            const [rows] = await c.query(`SELECT COUNT(*) AS n FROM \`${EMPTY_DB}\`.vegetables`);
            assert.equal(Number((rows as Array<{ n: unknown }>)[0].n), 0);
        });
        // The shared reader now reads EMPTY_DB instead: put it back.
        await runStatements(server, bootstrapStatements(options(), password));
        assert.ok((await grants(server, READER)).some((g) => g.includes(`\`${DB}\`.*`)));
    });

    it("lets the reader SELECT over TLS, and nothing else: no INSERT, UPDATE, DELETE, DROP, CREATE, other databases", async () => {
        await withAdmin(server, async (c) => {
            await c.query(`CREATE DATABASE IF NOT EXISTS \`${OTHER_DB}\``);
            await c.query(`CREATE TABLE IF NOT EXISTS \`${OTHER_DB}\`.secrets (id INT PRIMARY KEY)`);
            await c.query(`INSERT IGNORE INTO \`${OTHER_DB}\`.secrets VALUES (1)`);
        });
        const reader = await connectAs(server, READER, password, true);
        try {
            const [status] = await reader.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
            assert.match(String((status as Array<{ Value: string }>)[0].Value), /^TLSv1\.[23]$/);
            const [rows] = await reader.query(`SELECT COUNT(*) AS n FROM \`${DB}\`.vegetables`);
            assert.equal(Number((rows as Array<{ n: unknown }>)[0].n), 6);
            await expectDenied(reader, `INSERT INTO \`${DB}\`.vegetables (id, name) VALUES (99, 'Leek')`);
            await expectDenied(reader, `UPDATE \`${DB}\`.vegetables SET stock = 0`);
            await expectDenied(reader, `DELETE FROM \`${DB}\`.vegetables`);
            await expectDenied(reader, `DROP TABLE \`${DB}\`.vegetables`);
            await expectDenied(reader, `CREATE TABLE \`${DB}\`.t2 (id INT)`);
            await expectDenied(reader, `SELECT * FROM \`${OTHER_DB}\`.secrets`);
            await expectDenied(reader, `USE \`${OTHER_DB}\``);
            await expectDenied(reader, "SELECT * FROM mysql.user");
            await expectDenied(reader, `CREATE DATABASE \`${OTHER_DB}_x\``);
        } finally {
            await reader.end();
        }
        const [after] = await withAdmin(server, (c) =>
            c.query(`SELECT COUNT(*) AS n FROM \`${DB}\`.vegetables`),
        );
        assert.equal(Number((after as Array<{ n: unknown }>)[0].n), 6);
    });

    it("refuses the reader without TLS when requireTls, and admits it without TLS otherwise", async () => {
        assert.equal(await canLogIn(server, READER, password, true), true);
        assert.equal(await canLogIn(server, READER, password, false), false);
        const plainPassword = `pw-${randomBytes(9).toString("hex")}`;
        await runStatements(
            server,
            bootstrapStatements(options({ readerUser: PLAIN_READER, requireTls: false }), plainPassword),
        );
        assert.equal(await canLogIn(server, PLAIN_READER, plainPassword, false), true);
        assert.deepEqual(await grants(server, PLAIN_READER), [
            `GRANT SELECT ON \`${DB}\`.* TO \`${PLAIN_READER}\`@\`%\``,
            `GRANT USAGE ON *.* TO \`${PLAIN_READER}\`@\`%\``,
        ]);
    });

    it("rotates to the new password on a re-run: the old one is refused, the new one works", async () => {
        const next = `pw-${randomBytes(9).toString("base64url")}`;
        await runStatements(server, bootstrapStatements(options(), next));
        try {
            assert.equal(await canLogIn(server, READER, password), false);
            assert.equal(await canLogIn(server, READER, next), true);
        } finally {
            await runStatements(server, bootstrapStatements(options(), password));
        }
        assert.equal(await canLogIn(server, READER, password), true);
        assert.equal(await canLogIn(server, READER, next), false);
    });

    it("removes privileges granted by hand on a re-run", async () => {
        await withAdmin(server, async (c) => {
            await c.query(`GRANT ALL PRIVILEGES ON \`${DB}\`.* TO ?@'%' WITH GRANT OPTION`, [READER]);
            await c.query(`GRANT INSERT ON \`${OTHER_DB}\`.* TO ?@'%'`, [READER]);
            await c.query(`GRANT UPDATE ON \`${DB}\`.vegetables TO ?@'%'`, [READER]);
            await c.query("GRANT PROCESS, SELECT ON *.* TO ?@'%'", [READER]);
        });
        assert.ok((await grants(server, READER)).length >= 4);
        await runStatements(server, bootstrapStatements(options(), password));
        assert.deepEqual(await grants(server, READER), [
            `GRANT SELECT ON \`${DB}\`.* TO \`${READER}\`@\`%\``,
            `GRANT USAGE ON *.* TO \`${READER}\`@\`%\` REQUIRE SSL`,
        ]);
        const reader = await connectAs(server, READER, password, true);
        try {
            await expectDenied(reader, `SELECT * FROM \`${OTHER_DB}\`.secrets`);
            await expectDenied(reader, `UPDATE \`${DB}\`.vegetables SET stock = 0`);
        } finally {
            await reader.end();
        }
    });

    it("works with a password full of quotes and backslashes", async () => {
        await runStatements(server, bootstrapStatements(options(), TRICKY_PASSWORD));
        try {
            assert.equal(await canLogIn(server, READER, TRICKY_PASSWORD), true);
            assert.equal(await canLogIn(server, READER, TRICKY_PASSWORD.replace(/\\/g, "")), false);
        } finally {
            await runStatements(server, bootstrapStatements(options(), password));
        }
    });

    it("refuses an injection attempt in an identifier before any SQL reaches the server", async () => {
        await withAdmin(server, (c) => c.query(`CREATE DATABASE \`${CANARY_DB}\``));
        const attempt = `fruits; DROP DATABASE ${CANARY_DB}`;
        assert.throws(
            () => bootstrapStatements(options({ database: attempt }), password),
            /invalid database/,
        );
        assert.throws(() =>
            bootstrapStatements(options({ readerUser: `x'@'%'; DROP DATABASE ${CANARY_DB}; --` }), password),
        );
        const [rows] = await withAdmin(server, (c) => c.query("SHOW DATABASES LIKE ?", [CANARY_DB]));
        assert.equal((rows as unknown[]).length, 1);
    });
});

// ---------------------------------------------------------------------------------------------------------
// The handler end to end, with a Secrets Manager stand-in on 127.0.0.1.

interface SecretsStandIn {
    endpoint: string;
    secrets: Map<string, string>;
    requests: string[];
    close(): Promise<void>;
}

async function startSecretsStandIn(): Promise<SecretsStandIn> {
    const secrets = new Map<string, string>();
    const requests: string[] = [];
    const reply = (res: ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
    };
    const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            requests.push(target);
            if (target !== "secretsmanager.GetSecretValue") {
                reply(res, 400, { __type: "UnknownOperationException", message: target });
                return;
            }
            const id = String((JSON.parse(body) as { SecretId?: string }).SecretId);
            const value = secrets.get(id);
            if (value === undefined) {
                reply(res, 400, {
                    __type: "ResourceNotFoundException",
                    message: "Secrets Manager can't find the specified secret.",
                });
                return;
            }
            reply(res, 200, { ARN: id, Name: id.split(":").pop(), SecretString: value, VersionId: "v1" });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        secrets,
        requests,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

const MASTER_ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-master-AbCdEf";
const READER_ARN = "arn:aws:secretsmanager:us-east-1:111111111111:secret:fruits-veggies/reader-XyZ123";
const SDK_ENV = [
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
];

describe("db-bootstrap handler end to end @mariadb", function () {
    this.timeout(60_000);
    let server: MariaDbServer;
    let standIn: SecretsStandIn;
    const saved: Record<string, string | undefined> = {};
    const readerPassword = `rd-${randomBytes(12).toString("base64url")}'\\x`;
    let env: NodeJS.ProcessEnv;

    before(async () => {
        server = sharedMariaDb();
        standIn = await startSecretsStandIn();
        for (const name of SDK_ENV) saved[name] = process.env[name];
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = standIn.endpoint;
        process.env.AWS_REGION = "us-east-1";
        process.env.AWS_ACCESS_KEY_ID = "AKIDSTANDIN";
        process.env.AWS_SECRET_ACCESS_KEY = "stand-in-secret-key";
        standIn.secrets.set(
            MASTER_ARN,
            JSON.stringify({ username: server.rootUser, password: server.rootPassword }),
        );
        standIn.secrets.set(
            READER_ARN,
            JSON.stringify({
                username: HANDLER_READER,
                password: readerPassword,
                host: server.host,
                port: server.port,
                dbname: HANDLER_DB,
            }),
        );
        env = {
            DB_HOST: server.host,
            DB_PORT: String(server.port),
            DB_NAME: HANDLER_DB,
            MASTER_SECRET_ARN: MASTER_ARN,
            READER_SECRET_ARN: READER_ARN,
            DB_TLS: "rds",
            READER_USER: HANDLER_READER,
            SEED_SAMPLE_ROWS: "true",
        };
    });
    after(async () => {
        for (const name of SDK_ENV) {
            if (saved[name] === undefined) delete process.env[name];
            else process.env[name] = saved[name];
        }
        await standIn?.close();
        if (server) await dropEverything(server);
    });

    function secretsIn(text: string): string[] {
        return [server.rootPassword, readerPassword, "stand-in-secret-key"].filter((s) => text.includes(s));
    }

    async function captureLogs<T>(
        fn: () => Promise<T>,
    ): Promise<{ result?: T; error?: Error; logs: string }> {
        const original = console.log;
        const lines: string[] = [];
        console.log = (...args: unknown[]) => lines.push(args.map(String).join(" "));
        try {
            return { result: await fn(), logs: lines.join("\n") };
        } catch (error) {
            return { error: error as Error, logs: lines.join("\n") };
        } finally {
            console.log = original;
        }
    }

    it("bootstraps over verified TLS and returns a summary without any secret; the reader can then read", async () => {
        const handler = createBootstrapHandler(env, { rdsCa: server.caPem });
        const { result, error, logs } = await captureLogs(() => handler({}));
        assert.equal(error, undefined, String(error));
        assert.deepEqual(result, {
            action: "create",
            database: HANDLER_DB,
            table: "vegetables",
            rowCount: 6,
            readerUser: HANDLER_READER,
            droppedUsers: [],
            fingerprint: schemaFingerprint({
                database: HANDLER_DB,
                table: "vegetables",
                readerUser: HANDLER_READER,
                seedSampleRows: true,
                requireTls: true,
            }),
        });
        assert.deepEqual(secretsIn(JSON.stringify(result)), []);
        assert.match(logs, /IDENTIFIED BY '\*\*\*'/);
        assert.deepEqual(secretsIn(logs), []);
        assert.equal(await canLogIn(server, HANDLER_READER, readerPassword, true), true);
        assert.equal(await canLogIn(server, HANDLER_READER, readerPassword, false), false);
        // Second run (DB_TLS=off this time): same summary, same grants.
        const before = await grants(server, HANDLER_READER);
        const again = await captureLogs(() => createBootstrapHandler({ ...env, DB_TLS: "off" })({}));
        assert.deepEqual(again.result, result);
        assert.deepEqual(secretsIn(again.logs), []);
        assert.deepEqual(await grants(server, HANDLER_READER), before);
    });

    it("in rds mode verifies the server against the RDS CA bundle: a foreign CA fails at the connect step", async () => {
        const { error } = await captureLogs(() => createBootstrapHandler(env)({}));
        assert.ok(error, "expected the connection to be refused");
        assert.match(error.message, /^db-bootstrap connect failed: /);
        assert.match(error.message, /certificate/i);
        assert.deepEqual(secretsIn(error.message + String(error.stack)), []);
    });

    it("names the read-secret step when a secret is missing, and leaks no secret", async () => {
        const handler = createBootstrapHandler(
            { ...env, READER_SECRET_ARN: READER_ARN.replace("XyZ123", "Gone00") },
            { rdsCa: server.caPem },
        );
        const { error } = await captureLogs(() => handler({}));
        assert.ok(error);
        assert.match(error.message, /^db-bootstrap read-secret failed: reader secret \(READER_SECRET_ARN\)/);
        assert.match(error.message, /ResourceNotFoundException/);
        assert.deepEqual(secretsIn(error.message + String(error.stack)), []);
    });

    it("names the query step and the statement when the master lacks a privilege, and leaks no secret", async () => {
        // A SELECT-only user posing as master: connects fine, fails at the first statement.
        const weakPassword = `wk-${randomBytes(9).toString("hex")}`;
        await withAdmin(server, async (c) => {
            await c.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [WEAK_MASTER, weakPassword]);
            await c.query(`GRANT SELECT ON \`${HANDLER_DB}\`.* TO ?@'%'`, [WEAK_MASTER]);
        });
        const arn = MASTER_ARN.replace("AbCdEf", "Weak00");
        standIn.secrets.set(arn, JSON.stringify({ username: WEAK_MASTER, password: weakPassword }));
        const { error } = await captureLogs(() =>
            createBootstrapHandler(
                { ...env, MASTER_SECRET_ARN: arn, DB_NAME: `${HANDLER_DB}_x` },
                { rdsCa: server.caPem },
            )({}),
        );
        assert.ok(error);
        assert.match(error.message, /^db-bootstrap query failed: statement 1\/7 \(CREATE DATABASE/);
        assert.match(error.message, /ER_DBACCESS_DENIED_ERROR/);
        assert.deepEqual(secretsIn(error.message + String(error.stack)), []);
    });

    it("does not echo a malformed secret", async () => {
        const arn = READER_ARN.replace("XyZ123", "Broken");
        standIn.secrets.set(arn, `not json ${readerPassword}`);
        const { error } = await captureLogs(() =>
            createBootstrapHandler({ ...env, READER_SECRET_ARN: arn }, { rdsCa: server.caPem })({}),
        );
        assert.ok(error);
        assert.match(error.message, /read-secret failed: reader secret \(READER_SECRET_ARN\) is not JSON/);
        assert.deepEqual(secretsIn(error.message + String(error.stack)), []);
    });

    it("names each missing or malformed variable, before reading a secret or touching the database", async () => {
        const requestsBefore = standIn.requests.length;
        const cases: Array<[string, string | undefined]> = [
            ["DB_HOST", undefined],
            ["DB_HOST", "db;rm"],
            ["DB_PORT", "70000"],
            ["DB_PORT", "33o6"],
            ["DB_NAME", undefined],
            ["DB_NAME", NASTY],
            ["MASTER_SECRET_ARN", undefined],
            ["MASTER_SECRET_ARN", "master"],
            ["READER_SECRET_ARN", undefined],
            ["DB_TLS", undefined],
            ["DB_TLS", "on"],
            ["READER_USER", undefined],
            ["READER_USER", "x'@'%"],
            ["SEED_SAMPLE_ROWS", undefined],
            ["SEED_SAMPLE_ROWS", "yes"],
        ];
        for (const [name, value] of cases) {
            const broken = { ...env, [name]: value };
            if (value === undefined) delete broken[name];
            await assert.rejects(
                createBootstrapHandler(broken, { rdsCa: server.caPem })({}),
                (e: Error) =>
                    e.message.startsWith("db-bootstrap settings failed: ") && e.message.includes(name),
                `${name}=${String(value)}`,
            );
        }
        assert.equal(standIn.requests.length, requestsBefore);
        assert.equal(readSettings({ ...env, DB_PORT: undefined }).port, 3306);
    });

    /** The input the stack's Invocation sends for a reader user. */
    function inputFor(readerUser: string): BootstrapInput {
        return JSON.parse(
            bootstrapInput({
                database: HANDLER_DB,
                table: "vegetables",
                readerUser,
                seedSampleRows: true,
                readerSecretVersion: "v1",
            }),
        ) as BootstrapInput;
    }

    async function userExists(user: string): Promise<boolean> {
        const [rows] = await withAdmin(server, (c) =>
            c.query("SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = '%'", [user]),
        );
        return Number((rows as Array<{ n: unknown }>)[0].n) === 1;
    }

    it("on a reader rename (update) drops the previous reader; the new one has exactly SELECT on the database, TLS required", async () => {
        const handler = createBootstrapHandler(env, { rdsCa: server.caPem });
        const first = inputFor(HANDLER_READER);
        const created = await captureLogs(() =>
            handler({ ...first, tf: { action: "create", prev_input: null } }),
        );
        assert.equal(created.error, undefined, String(created.error));
        assert.equal(await userExists(HANDLER_READER), true);

        // The stack renames the reader: the reader secret now names the new user.
        const renamedPassword = `rn-${randomBytes(12).toString("base64url")}`;
        const original = standIn.secrets.get(READER_ARN) as string;
        standIn.secrets.set(
            READER_ARN,
            JSON.stringify({ username: RENAMED_READER, password: renamedPassword }),
        );
        try {
            const second = inputFor(RENAMED_READER);
            const event = { ...second, tf: { action: "update", prev_input: first } };
            const { result, error, logs } = await captureLogs(() => handler(event));
            assert.equal(error, undefined, String(error));
            assert.equal(result?.action, "update");
            assert.deepEqual(result?.droppedUsers, [HANDLER_READER]);
            assert.equal(result?.readerUser, RENAMED_READER);
            assert.equal(await userExists(HANDLER_READER), false);
            assert.equal(await canLogIn(server, HANDLER_READER, readerPassword, true), false);
            assert.deepEqual(await grants(server, RENAMED_READER), [
                `GRANT SELECT ON \`${HANDLER_DB}\`.* TO \`${RENAMED_READER}\`@\`%\``,
                `GRANT USAGE ON *.* TO \`${RENAMED_READER}\`@\`%\` REQUIRE SSL`,
            ]);
            assert.equal(await canLogIn(server, RENAMED_READER, renamedPassword, true), true);
            assert.equal(await canLogIn(server, RENAMED_READER, renamedPassword, false), false);
            assert.deepEqual(secretsIn(logs + JSON.stringify(result)), []);
            assert.ok(!logs.includes(renamedPassword));
            // The same update again: the old user is already gone, nothing else changes.
            const again = await captureLogs(() => handler(event));
            assert.deepEqual(again.result?.droppedUsers, []);
            assert.equal(await userExists(RENAMED_READER), true);
        } finally {
            standIn.secrets.set(READER_ARN, original);
            await withAdmin(server, (c) => c.query("DROP USER IF EXISTS ?@'%'", [RENAMED_READER]));
            await captureLogs(() => handler({ ...first, tf: { action: "create", prev_input: null } }));
        }
        assert.equal(await canLogIn(server, HANDLER_READER, readerPassword, true), true);
    });

    it("on an update that keeps the reader's name drops nobody", async () => {
        const handler = createBootstrapHandler(env, { rdsCa: server.caPem });
        const input = inputFor(HANDLER_READER);
        const { result, error } = await captureLogs(() =>
            handler({
                ...input,
                tf: { action: "update", prev_input: { ...input, readerSecretVersion: "v0" } },
            }),
        );
        assert.equal(error, undefined, String(error));
        assert.deepEqual(result?.droppedUsers, []);
        assert.equal(await canLogIn(server, HANDLER_READER, readerPassword, true), true);
    });

    it("on delete drops the reader user, keeps the database and its rows, and reads no reader secret", async () => {
        const handler = createBootstrapHandler(env, { rdsCa: server.caPem });
        const input = inputFor(HANDLER_READER);
        await captureLogs(() => handler({ ...input, tf: { action: "create", prev_input: null } }));
        assert.equal(await userExists(HANDLER_READER), true);
        const noReaderSecret = createBootstrapHandler(
            { ...env, READER_SECRET_ARN: READER_ARN.replace("XyZ123", "Gone11") },
            { rdsCa: server.caPem },
        );
        try {
            const { result, error } = await captureLogs(() =>
                noReaderSecret({ ...input, tf: { action: "delete", prev_input: input } }),
            );
            assert.equal(error, undefined, String(error));
            assert.deepEqual(result, {
                action: "delete",
                database: HANDLER_DB,
                table: "vegetables",
                readerUser: HANDLER_READER,
                droppedUsers: [HANDLER_READER],
                fingerprint: input.fingerprint,
            });
            assert.equal(await userExists(HANDLER_READER), false);
            const [rows] = await withAdmin(server, (c) =>
                c.query(`SELECT COUNT(*) AS n FROM \`${HANDLER_DB}\`.vegetables`),
            );
            assert.equal(Number((rows as Array<{ n: unknown }>)[0].n), 6);
        } finally {
            await captureLogs(() => handler({ ...input, tf: { action: "create", prev_input: null } }));
        }
    });

    it("never drops the master user or a reserved user, whatever the event names", async () => {
        const handler = createBootstrapHandler(env, { rdsCa: server.caPem });
        const input = inputFor(HANDLER_READER);
        for (const previous of [server.rootUser, "root", "rdsadmin", "mysql.sys"]) {
            const { result, error, logs } = await captureLogs(() =>
                handler({
                    ...input,
                    tf: { action: "update", prev_input: { ...input, readerUser: previous } },
                }),
            );
            assert.equal(error, undefined, `${previous}: ${String(error)}`);
            assert.deepEqual(result?.droppedUsers, [], previous);
            assert.match(logs, /previous reader user kept/, previous);
        }
        // The master named as the reader: refused before any SQL, on delete as on create.
        for (const action of ["create", "delete"]) {
            const { error } = await captureLogs(() =>
                handler({ ...input, readerUser: server.rootUser, tf: { action, prev_input: input } }),
            );
            assert.ok(error, action);
            assert.match(error.message, /^db-bootstrap settings failed: readerUser .*master user/);
        }
        // The master (the harness's admin) still logs in, and the reader is untouched.
        const admin = await server.connectAdmin();
        await admin.end();
        assert.equal(await userExists(HANDLER_READER), true);
    });
});

describe("db-bootstrap event (the Invocation's input)", () => {
    const schema = {
        database: "fruits_veggies",
        table: "vegetables",
        readerUser: "reader",
        seedSampleRows: true,
        readerSecretVersion: "version-1",
    };

    it("builds the input as JSON of the schema and the fingerprint of its SQL (TLS required)", () => {
        assert.deepEqual(JSON.parse(bootstrapInput(schema)), {
            ...schema,
            fingerprint: schemaFingerprint({ ...schema, requireTls: true }),
        });
    });

    it("refuses a name infra/lib/mysql refuses, naming the field", () => {
        assert.throws(() => bootstrapInput({ ...schema, readerUser: "root" }), /readerUser .*reserves/);
        assert.throws(() => bootstrapInput({ ...schema, database: "mysql" }), /database .*system schema/);
        assert.throws(() => bootstrapInput({ ...schema, table: "veg-etables" }), /table must start/);
        assert.throws(() => bootstrapInput({ ...schema, readerSecretVersion: "" }), /readerSecretVersion/);
    });

    const input = JSON.parse(bootstrapInput(schema)) as BootstrapInput;

    it("reads the lifecycle action; without one it is a create", () => {
        assert.equal(bootstrapRequest(input, {}).action, "create");
        for (const action of ["create", "update", "delete"] as const) {
            assert.equal(
                bootstrapRequest({ ...input, tf: { action, prev_input: input } }, {}).action,
                action,
            );
        }
        assert.throws(
            () => bootstrapRequest({ ...input, tf: { action: "destroy", prev_input: null } }, {}),
            /tf\.action/,
        );
    });

    it("names the previous reader user only on an update that renames it", () => {
        const renamed = { ...input, readerUser: "reader2" };
        assert.equal(
            bootstrapRequest({ ...renamed, tf: { action: "update", prev_input: input } }, {})
                .previousReaderUser,
            "reader",
        );
        assert.equal(
            bootstrapRequest({ ...input, tf: { action: "update", prev_input: input } }, {})
                .previousReaderUser,
            undefined,
        );
        assert.equal(
            bootstrapRequest({ ...renamed, tf: { action: "create", prev_input: null } }, {})
                .previousReaderUser,
            undefined,
        );
        assert.equal(
            bootstrapRequest({ ...renamed, tf: { action: "update", prev_input: { fingerprint: "x" } } }, {})
                .previousReaderUser,
            undefined,
        );
    });

    it("takes a field the event lacks from the environment's defaults, and names both when neither has it", () => {
        const request = bootstrapRequest({}, { database: "db1", readerUser: "r1", seedSampleRows: false });
        assert.deepEqual(request, {
            action: "create",
            database: "db1",
            table: "vegetables",
            readerUser: "r1",
            seedSampleRows: false,
            requireTls: true,
        });
        assert.equal(
            bootstrapRequest(
                { database: "db2" },
                { database: "db1", readerUser: "r1", seedSampleRows: false },
            ).database,
            "db2",
        );
        assert.throws(
            () => bootstrapRequest({}, { database: "db1", seedSampleRows: true }),
            /"readerUser" and READER_USER/,
        );
    });

    it("refuses unknown keys and bad names before anything runs", () => {
        assert.throws(
            () => bootstrapRequest({ ...input, dropEverything: true }, {}),
            /unknown event key\(s\) dropEverything/,
        );
        assert.throws(
            () => bootstrapRequest({ ...input, readerUser: "x'@'%" }, {}),
            /"readerUser" must start/,
        );
        assert.throws(
            () => bootstrapRequest({ ...input, database: "sys" }, {}),
            /"database" .*system schema/,
        );
        assert.throws(() => bootstrapRequest({ ...input, seedSampleRows: "yes" }, {}), /seedSampleRows/);
    });
});
