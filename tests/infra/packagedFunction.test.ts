import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import type * as pulumi from "@pulumi/pulumi";
import { AwsStandIns, standInSdkEnv, startAwsStandIns } from "../../support/awsStandIns";
import { createReader, functionEnv, seedVegetables, SEED_ROWS } from "../../support/fetchRowsFixture";
import { MariaDbServer, sharedMariaDb } from "../../support/mariadb";
import { runPackaged } from "../../support/packagedFunction";
import { only, planPair } from "../support/stacks";

/** Every file of the archive: path in the zip → content. */
async function archiveFiles(archive: pulumi.asset.AssetArchive): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    const assets = (await archive.assets) as Record<
        string,
        { text?: Promise<string>; path?: Promise<string> }
    >;
    for (const [name, entry] of Object.entries(assets)) {
        if (entry.text !== undefined) {
            files.set(name, Buffer.from(await entry.text));
            continue;
        }
        const root = await entry.path!;
        const pending = [root];
        for (let guard = 0; pending.length > 0 && guard < 100_000; guard++) {
            const dir = pending.pop()!;
            for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, item.name);
                if (item.isDirectory()) {
                    pending.push(full);
                } else if (item.isFile()) {
                    files.set(path.join(name, path.relative(root, full)), fs.readFileSync(full));
                }
            }
        }
    }
    return files;
}

/** The size of a zip of these files, each entry deflated as zip does (headers included). */
function zippedSize(files: Map<string, Buffer>): number {
    let size = 22; // end of central directory
    for (const [name, content] of files) {
        const nameLength = Buffer.byteLength(name);
        size += 30 + nameLength + zlib.deflateRawSync(content, { level: 9 }).length + 46 + nameLength;
    }
    return size;
}

describe("the fetch-rows archive the consumer stack deploys @mariadb", function () {
    this.timeout(120_000);
    let server: MariaDbServer;
    let standIns: AwsStandIns;
    let files: Map<string, Buffer>;

    before(async () => {
        const pair = await planPair();
        const fn = only(pair.consumers[0], "aws:lambda/function:Function");
        files = await archiveFiles(fn.inputs.code);
        server = sharedMariaDb();
        standIns = await startAwsStandIns();
        await seedVegetables(server);
        await createReader(server, standIns, "rdrarchive");
        standIns.resetCounters();
    });

    after(async () => {
        await standIns?.close();
    });

    it("is under 1 MB zipped and carries no @aws-sdk/* or @pulumi/* code", () => {
        const names = [...files.keys()];
        assert.ok(names.includes("__index.js"));
        assert.deepStrictEqual(
            names.filter((n) => /^node_modules\/@(aws-sdk|pulumi)\//.test(n)),
            [],
        );
        const zipped = zippedSize(files);
        const unzipped = [...files.values()].reduce((sum, b) => sum + b.length, 0);
        console.log(
            `      fetch-rows archive: ${files.size} files, ${(unzipped / 1024).toFixed(0)} KiB unzipped, ` +
                `${(zipped / 1024).toFixed(0)} KiB zipped`,
        );
        assert.ok(zipped < 1024 * 1024, `zipped archive is ${zipped} bytes`);
    });

    it("returns the rows when run in a clean node process that has only the archive and the AWS SDK", async () => {
        const contents = Object.fromEntries(
            [...files].map(([name, content]) => [name, content.toString("utf8")]),
        );
        const env = { ...functionEnv(server), ...standInSdkEnv(standIns), AWS_EC2_METADATA_DISABLED: "true" };
        // The Lambda Node.js runtime provides @aws-sdk/*; everything else must come from the archive.
        const result = await runPackaged(contents, ["@aws-sdk/*"], env, { table: "vegetables" });
        assert.deepStrictEqual(result, { table: "vegetables", rowCount: SEED_ROWS.length, rows: SEED_ROWS });
        assert.strictEqual(standIns.calls.AssumeRole, 1);
        assert.strictEqual(standIns.calls.GetSecretValue, 1);
    });
});
