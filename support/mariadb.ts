// Test-database harness: a throwaway MariaDB server on 127.0.0.1 with its own temporary data directory.
//
// - Makes sure MariaDB and openssl exist (installs Debian's packages when missing and running as root;
//   otherwise says exactly what to install).
// - Starts `mariadbd --no-defaults` on a free loopback port with TLS (a CA and server certificate generated
//   with openssl), the general query log in a table (tests count queries with it) and per-user statistics.
// - Stops the server and deletes its directory on `stop()`, on process exit and on SIGINT/SIGTERM.
// It never reads or writes /var/lib/mysql or a system server's files.
import { ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection, Connection } from "mysql2/promise";

export interface MariaDbServer {
    readonly host: "127.0.0.1";
    readonly port: number;
    /** An admin account usable over TCP with a password (all privileges, with grant option). */
    readonly rootUser: string;
    readonly rootPassword: string;
    /** PEM of the CA that signed the server's TLS certificate. */
    readonly caPem: string;
    /** The server's version string, e.g. "10.11.19-MariaDB-0+deb12u1". */
    readonly version: string;
    connectAdmin(database?: string): Promise<Connection>;
    /** Stops and starts the server again on the same port and data directory. */
    restart(): Promise<void>;
    /** Stops the server and deletes its temporary directory; idempotent. */
    stop(): Promise<void>;
}

export interface StartOptions {
    port?: number;
    /** Turn the general query log off (benchmarks); default on. */
    generalLog?: boolean;
}

const INSTALL_TIMEOUT_MS = 300_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const ADMIN_USER = "harness_admin";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function run(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            cmd,
            args,
            { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: env ?? process.env },
            (error, stdout, stderr) => {
                if (error) {
                    reject(
                        new Error(`${cmd} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`),
                    );
                } else {
                    resolve(stdout + stderr);
                }
            },
        );
    });
}

function findBinary(names: string[]): string | undefined {
    const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
    for (const name of names) {
        for (const dir of dirs) {
            const candidate = join(dir, name);
            if (dir && existsSync(candidate)) return candidate;
        }
    }
    return undefined;
}

interface Binaries {
    mariadbd: string;
    installDb: string;
    openssl: string;
}

let binariesPromise: Promise<Binaries> | undefined;

/** Finds mariadbd, mariadb-install-db and openssl, installing the Debian packages when missing (as root). */
function ensureBinaries(): Promise<Binaries> {
    binariesPromise ??= (async () => {
        const lookup = () => ({
            mariadbd: findBinary(["mariadbd", "mysqld"]),
            installDb: findBinary(["mariadb-install-db", "mysql_install_db"]),
            openssl: findBinary(["openssl"]),
        });
        let found = lookup();
        const missing: string[] = [];
        if (!found.mariadbd || !found.installDb) missing.push("mariadb-server");
        if (!found.openssl) missing.push("openssl");
        if (missing.length > 0) {
            if (!isRoot) {
                throw new Error(
                    `MariaDB test harness: missing ${missing.join(" and ")}. Install with ` +
                        `\`sudo apt-get install -y --no-install-recommends ${missing.join(" ")}\` ` +
                        `(needs mariadbd, mariadb-install-db and openssl on PATH or in /usr/sbin), then rerun.`,
                );
            }
            const logFile = join(tmpdir(), `mariadb-harness-apt-${process.pid}.log`);
            const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
            let log = "";
            try {
                log += await run("apt-get", ["update"], INSTALL_TIMEOUT_MS, env);
                log += await run(
                    "apt-get",
                    ["install", "-y", "--no-install-recommends", ...missing],
                    INSTALL_TIMEOUT_MS,
                    env,
                );
            } catch (error) {
                writeFileSync(logFile, log + String(error));
                throw new Error(
                    `MariaDB test harness: installing ${missing.join(" ")} failed; see ${logFile}`,
                    { cause: error },
                );
            }
            writeFileSync(logFile, log);
            found = lookup();
        }
        if (!found.mariadbd || !found.installDb || !found.openssl) {
            throw new Error("MariaDB test harness: mariadbd, mariadb-install-db or openssl still missing");
        }
        return { mariadbd: found.mariadbd, installDb: found.installDb, openssl: found.openssl };
    })();
    binariesPromise.catch(() => (binariesPromise = undefined));
    return binariesPromise;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

async function generateTls(openssl: string, dir: string): Promise<void> {
    const t = 30_000;
    const p = (name: string) => join(dir, name);
    await run(openssl, ["genrsa", "-out", p("ca-key.pem"), "2048"], t);
    await run(
        openssl,
        ["req", "-x509", "-new", "-key", p("ca-key.pem"), "-days", "2", "-subj", "/CN=mariadb-harness-ca"],
        t,
    ).then((pem) => writeFileSync(p("ca.pem"), pem));
    await run(openssl, ["genrsa", "-out", p("server-key.pem"), "2048"], t);
    await run(
        openssl,
        ["req", "-new", "-key", p("server-key.pem"), "-subj", "/CN=127.0.0.1", "-out", p("server.csr")],
        t,
    );
    writeFileSync(
        p("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n" +
            "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    );
    await run(
        openssl,
        [
            "x509",
            "-req",
            "-in",
            p("server.csr"),
            "-CA",
            p("ca.pem"),
            "-CAkey",
            p("ca-key.pem"),
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            p("server.ext"),
            "-out",
            p("server-cert.pem"),
        ],
        t,
    );
}

// Every live server, so exit and signal handlers can stop them.
const live = new Set<{ killNow(): void }>();
let exitHandlersInstalled = false;

function installExitHandlers(): void {
    if (exitHandlersInstalled) return;
    exitHandlersInstalled = true;
    process.on("exit", () => {
        for (const server of live) server.killNow();
    });
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            for (const server of live) server.killNow();
            process.exit(signal === "SIGINT" ? 130 : 143);
        });
    }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a throwaway MariaDB server; resolves once it accepts connections over TCP with TLS. */
export async function startMariaDb(options: StartOptions = {}): Promise<MariaDbServer> {
    const bin = await ensureBinaries();
    installExitHandlers();
    const dir = mkdtempSync(join(tmpdir(), "mariadb-harness-"));
    const dataDir = join(dir, "data");
    const socket = join(dir, "mariadb.sock");
    const errorLog = join(dir, "error.log");
    const port = options.port ?? (await freePort());
    const rootPassword = randomBytes(18).toString("base64url");
    let child: ChildProcess | undefined;
    let stopped = false;

    const handle = {
        killNow(): void {
            if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            child = undefined;
            rmSync(dir, { recursive: true, force: true });
            live.delete(handle);
        },
    };
    live.add(handle);

    const fail = (message: string): never => {
        let tail = "";
        try {
            tail = readFileSync(errorLog, "utf8").split("\n").slice(-30).join("\n");
        } catch {
            // no log yet
        }
        handle.killNow();
        throw new Error(`MariaDB test harness: ${message}\n--- error log tail ---\n${tail}`);
    };

    try {
        await run(
            bin.installDb,
            [
                "--no-defaults",
                `--datadir=${dataDir}`,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                ...(isRoot ? ["--user=root"] : []),
            ],
            120_000,
        );
        await generateTls(bin.openssl, dir);
    } catch (error) {
        fail(`initialising the data directory failed: ${String(error)}`);
    }
    const caPem = readFileSync(join(dir, "ca.pem"), "utf8");

    const args = [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--pid-file=${join(dir, "mariadb.pid")}`,
        `--log-error=${errorLog}`,
        "--bind-address=127.0.0.1",
        `--port=${port}`,
        "--skip-name-resolve",
        "--skip-log-bin",
        `--ssl-ca=${join(dir, "ca.pem")}`,
        `--ssl-cert=${join(dir, "server-cert.pem")}`,
        `--ssl-key=${join(dir, "server-key.pem")}`,
        `--general-log=${options.generalLog === false ? 0 : 1}`,
        "--log-output=TABLE",
        "--userstat=1",
        "--performance-schema=OFF",
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--key-buffer-size=1M",
        "--max-connections=200",
        `--tmpdir=${dir}`,
        ...(isRoot ? ["--user=root"] : []),
    ];

    const launch = async (): Promise<void> => {
        const proc = spawn(bin.mariadbd, args, { stdio: "ignore" });
        child = proc;
        let exited = false;
        proc.on("exit", () => (exited = true));
        const deadline = Date.now() + READY_TIMEOUT_MS;
        for (;;) {
            if (exited) fail(`mariadbd exited during start-up (port ${port})`);
            try {
                const c = await createConnection({ socketPath: socket, user: "root", connectTimeout: 2000 });
                await c.end();
                return;
            } catch {
                if (Date.now() > deadline)
                    fail(`mariadbd did not accept connections within ${READY_TIMEOUT_MS} ms`);
                await sleep(100);
            }
        }
    };

    const shutdown = async (): Promise<void> => {
        const proc = child;
        child = undefined;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
        proc.kill("SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS);
        });
        const outcome = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (outcome === "timeout") {
            proc.kill("SIGKILL");
            await exited;
        }
    };

    await launch();

    // One-time setup over the local socket: a password-protected admin for TCP, no anonymous or
    // password-less TCP accounts.
    const setup = await createConnection({ socketPath: socket, user: "root", multipleStatements: false });
    try {
        const [rows] = await setup.query("SELECT User AS user, Host AS host FROM mysql.user");
        for (const row of rows as Array<{ user: string; host: string }>) {
            if (row.user === "" || (row.user === "root" && row.host !== "localhost")) {
                await setup.query("DROP USER ?@?", [row.user, row.host]);
            }
        }
        await setup.query("CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?", [ADMIN_USER, rootPassword]);
        await setup.query("GRANT ALL PRIVILEGES ON *.* TO ?@'127.0.0.1' WITH GRANT OPTION", [ADMIN_USER]);
    } finally {
        await setup.end();
    }

    const connectAdmin = (database?: string): Promise<Connection> =>
        createConnection({
            host: "127.0.0.1",
            port,
            user: ADMIN_USER,
            password: rootPassword,
            database,
            ssl: { ca: caPem, rejectUnauthorized: true },
            connectTimeout: 5000,
            decimalNumbers: true,
            supportBigNumbers: true,
            bigNumberStrings: true,
            dateStrings: true,
        });

    const probe = await connectAdmin();
    const [versionRows] = await probe.query("SELECT VERSION() AS v");
    await probe.end();
    const version = (versionRows as Array<{ v: string }>)[0].v;

    return {
        host: "127.0.0.1",
        port,
        rootUser: ADMIN_USER,
        rootPassword,
        caPem,
        version,
        connectAdmin,
        async restart(): Promise<void> {
            if (stopped) throw new Error("MariaDB test harness: restart() after stop()");
            await shutdown();
            await launch();
        },
        async stop(): Promise<void> {
            if (stopped) return;
            stopped = true;
            await shutdown();
            rmSync(dir, { recursive: true, force: true });
            live.delete(handle);
        },
    };
}

let shared: MariaDbServer | undefined;

/** Registers the server the root hook started (see hooks.ts). */
export function setSharedMariaDb(server: MariaDbServer | undefined): void {
    shared = server;
}

/** The server the mocha root hook started. */
export function sharedMariaDb(): MariaDbServer {
    if (!shared) {
        throw new Error(
            "sharedMariaDb(): no shared MariaDB server is running. Run tests through mocha with the root hooks " +
                "in tests/support/hooks.ts (see .mocharc.json), or call startMariaDb() yourself.",
        );
    }
    return shared;
}
