// `npm start` wall time with 1, 5 and 20 consumer accounts: the whole command, as a user runs it (stack
// files read, programs run under mocks, links verified, the policy pack run over every stack).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import type { BenchContext } from "./index";
import { BenchRow, row } from "./table";

const ROOT = path.join(__dirname, "..");
const CONSUMER_COUNTS = [1, 5, 20];
const RUNS = 3;

function shipped(stack: string): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
}

/** A database stack admitting `count` peering consumers, and one consumer stack file per consumer. */
function writeStacks(dir: string, count: number): { database: string; consumers: string[] } {
    const database = shipped("dev");
    const consumerTemplate = shipped("engineering");
    const consumers = Array.from({ length: count }, (_, i) => {
        const accountId = String(300000000000 + i);
        const name = `consumer${i}`;
        return {
            name,
            accountId,
            network: "peering",
            vpcCidr: `10.${20 + i}.0.0/16`,
            deployerPrincipalArns: [`arn:aws:iam::${accountId}:role/deployer`],
        };
    });
    database["cross-account-rds:consumers"] = consumers;
    const databaseFile = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(databaseFile, stringify({ config: database }));
    const consumerFiles = consumers.map((consumer) => {
        const file = path.join(dir, `Pulumi.${consumer.name}.yaml`);
        // The consumer's CIDR and role name come from the database stack's record, not its own file.
        const config = {
            ...consumerTemplate,
            "aws:allowedAccountIds": [consumer.accountId],
            "cross-account-rds:consumerName": consumer.name,
        };
        fs.writeFileSync(file, stringify({ config }));
        return file;
    });
    return { database: databaseFile, consumers: consumerFiles };
}

export async function planBench(_context: BenchContext): Promise<BenchRow[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bench-"));
    const rows: BenchRow[] = [];
    try {
        const medians: number[] = [];
        for (const count of CONSUMER_COUNTS) {
            const stacks = writeStacks(fs.mkdtempSync(path.join(dir, `${count}-`)), count);
            const args = [
                require.resolve("ts-node/dist/bin.js"),
                path.join(ROOT, "plan", "main.ts"),
                "--quiet",
                "--only",
                stacks.database,
                ...stacks.consumers,
            ];
            const samples: number[] = [];
            for (let run = 0; run < RUNS; run++) {
                const start = process.hrtime.bigint();
                // Throws (and so fails the bench) when the plan does not exit 0.
                execFileSync(process.execPath, args, { cwd: ROOT, stdio: "pipe", timeout: 300_000 });
                samples.push(Number(process.hrtime.bigint() - start) / 1e6);
            }
            const result = row(`npm start, ${count} consumer${count === 1 ? "" : "s"} (wall time)`, samples);
            medians.push(result.p50Ms);
            rows.push(result);
        }
        const [one, five, twenty] = medians;
        const early = (five - one) / 4 / 1000;
        const late = (twenty - five) / 15 / 1000;
        // Linear: adding a consumer costs about the same at 20 as at 5 (within a quarter).
        const linear = late <= early * 1.25;
        rows[rows.length - 1].note =
            `npm start: 1 consumer p50 ${(one / 1000).toFixed(1)} s (target < 10 s); cost per added consumer ` +
            `${early.toFixed(2)} s from 1 to 5 and ${late.toFixed(2)} s from 5 to 20: growth is ` +
            `${linear ? "linear" : "NOT linear (the later consumers cost more than a quarter extra)"}`;
        return rows;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
