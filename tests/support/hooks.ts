// Mocha root hooks (see .mocharc.json). Mocha runs the files in parallel on two workers, and in parallel
// mode root hooks run around each test file: a file with "@mariadb" tests gets its own throwaway MariaDB
// server (about a second to start), stopped in afterAll even when tests fail (and on process exit / SIGINT
// by the harness itself). After each file, the shared mock program of the component tests must have
// nothing left in flight.
import * as pulumi from "@pulumi/pulumi";
import type { Context, Suite } from "mocha";
import { setSharedMariaDb, sharedMariaDb, startMariaDb } from "../../support/mariadb";

// The first run on a fresh machine may install mariadb-server from apt.
const START_TIMEOUT_MS = 300_000;

/** Whether this run selected any "@mariadb" test (`npm run test:unit` deselects them all). */
function runsMariaDbTests(context: Context): boolean {
    const argv = process.argv.join(" ");
    if (/--invert|-i\b/.test(argv) && argv.includes("@mariadb")) return false;
    let root: Suite | undefined = context.test?.parent;
    while (root?.parent) root = root.parent;
    if (!root) return true;
    const pending: Suite[] = [root];
    for (let guard = 0; pending.length > 0 && guard < 100_000; guard++) {
        const suite = pending.pop() as Suite;
        if (suite.tests.some((t) => t.fullTitle().includes("@mariadb"))) return true;
        pending.push(...suite.suites);
    }
    return false;
}

export const mochaHooks = {
    async beforeAll(this: Context): Promise<void> {
        this.timeout(START_TIMEOUT_MS);
        if (!runsMariaDbTests(this)) return;
        const started = Date.now();
        const server = await startMariaDb();
        setSharedMariaDb(server);
        console.log(
            `  [mariadb] shared test server ${server.version} on ${server.host}:${server.port} ` +
                `(started in ${Date.now() - started} ms)`,
        );
    },
    async afterAll(this: Context): Promise<void> {
        this.timeout(60_000);
        await settleSharedMockProgram();
        let server;
        try {
            server = sharedMariaDb();
        } catch {
            return;
        }
        setSharedMariaDb(undefined);
        await server.stop();
    },
};

const SETTLE_MS = 10_000;

/**
 * Waits (bounded) until every resource registration of the tests' shared mock program has settled. A test
 * that declares resources whose inputs never resolve, and moves on, leaves them in flight: the Pulumi runtime
 * would then report "N promises were still active" at exit and fail the run without saying which test.
 */
async function settleSharedMockProgram(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"stuck">((resolve) => {
        timer = setTimeout(() => resolve("stuck"), SETTLE_MS);
    });
    const outcome = await Promise.race([
        pulumi.runtime.disconnect().then(() => "settled" as const),
        timedOut,
    ]);
    clearTimeout(timer);
    if (outcome === "stuck") {
        throw new Error(
            `resource registrations of the shared mock program were still in flight ${SETTLE_MS} ms after the ` +
                "last test: a test declared resources whose inputs never resolve; await what it declares " +
                "(recorded, promiseOf) or give it inputs that resolve",
        );
    }
}
