// `npm run bench`: starts a throwaway MariaDB, runs every benchmark in `benches`, prints one table, stops it.
import { functionBench } from "./function";
import { planBench } from "./plan";
import { BenchRow, formatTable } from "./table";
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
    try {
        console.log(
            `MariaDB ${mariadb.version} on ${mariadb.host}:${mariadb.port}; node ${process.version}\n`,
        );
        for (const bench of benches) rows.push(...(await bench({ mariadb })));
    } finally {
        await mariadb.stop();
    }
    console.log(formatTable(rows));
    console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exitCode = 1;
    });
}
