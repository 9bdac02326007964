// `npm run bench`: starts a throwaway MariaDB, runs every benchmark in `benches`, prints one table, stops it.
import { functionBench } from "./function";
import { planBench } from "./plan";
import { BenchRow, formatTable, valueRow } from "./table";
import { MariaDbServer, startMariaDb } from "../support/mariadb";

export interface BenchContext {
    /** A local MariaDB started for this run (general log off). */
    mariadb: MariaDbServer;
}

export type Bench = (context: BenchContext) => Promise<BenchRow[]>;

/** Add benchmarks here; each returns its rows. */
export const benches: Bench[] = [functionBench, planBench];

async function main(): Promise<void> {
    const started = Date.now();
    const mariadb = await startMariaDb({ generalLog: false });
    const rows: BenchRow[] = [];
    let failed = 0;
    try {
        console.log(
            `MariaDB ${mariadb.version} on ${mariadb.host}:${mariadb.port}; node ${process.version}\n`,
        );
        for (const bench of benches) {
            try {
                rows.push(...(await bench({ mariadb })));
            } catch (error) {
                // One failing benchmark still leaves the others' rows in the table; the exit code says so.
                failed += 1;
                const message = error instanceof Error ? error.message : String(error);
                rows.push(
                    valueRow(`${bench.name}: FAILED`, "-", `${bench.name} failed: ${message.split("\n")[0]}`),
                );
            }
        }
    } finally {
        await mariadb.stop();
    }
    console.log(formatTable(rows));
    console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (failed > 0) process.exitCode = 1;
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
