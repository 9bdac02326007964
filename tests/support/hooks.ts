// Mocha root hooks: loaded once (see .mocharc.json) before any test file.
// One shared throwaway MariaDB server per mocha run; stopped in afterAll even when tests fail
// (and on process exit / SIGINT by the harness itself).
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
