// The archives `npm run package` writes, run as Lambda would run them: unzipped outside the repository and
// loaded by a clean node process against the real MariaDB and the STS / Secrets Manager stand-ins.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { unzipSync } from "fflate";
import { bootstrapInput, BootstrapInput } from "../../functions/db-bootstrap";
import { FUNCTION_PACKAGES, FunctionName } from "../../infra/lib/lambda";
import { archiveFiles } from "../../ops/package/archive";
import { AwsStandIns, standInSdkEnv, startAwsStandIns } from "../../support/awsStandIns";
import { createReader, functionEnv, seedVegetables, SEED_ROWS } from "../../support/fetchRowsFixture";
import { MariaDbServer, sharedMariaDb } from "../../support/mariadb";
import { runPackaged, unpackArchive, UnpackedArchive } from "../../support/packagedFunction";
import { only, planPair } from "../support/stacks";

const ROOT = path.join(__dirname, "..", "..");
const FUNCTIONS: FunctionName[] = ["fetch-rows", "db-bootstrap"];
/** Deploy-time packages that must never ship. */
const DEPLOY_TIME = /^node_modules\/(@pulumi\/|zod\/|@aws-sdk\/client-(lambda|sts)\/|typescript\/|yaml\/)/;

/** Runs `npm run package -- --out <dir>` (as ts-node, without npm) and returns the zips it wrote. */
function packageInto(dir: string): Promise<{ stdout: string; zips: Record<FunctionName, Uint8Array> }> {
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            [require.resolve("ts-node/dist/bin.js"), path.join(ROOT, "ops", "package.ts"), "--out", dir],
            { cwd: ROOT, timeout: 120_000 },
            (error, stdout, stderr) => {
                if (error) {
                    reject(new Error(`npm run package failed: ${error.message}\n${stdout}\n${stderr}`));
                    return;
                }
                const zips = Object.fromEntries(
                    FUNCTIONS.map((fn) => [fn, new Uint8Array(fs.readFileSync(path.join(dir, `${fn}.zip`)))]),
                ) as Record<FunctionName, Uint8Array>;
                resolve({ stdout, zips });
            },
        );
    });
}

/** The bare package names a function's sources import, following its relative imports. */
function importedPackages(fn: FunctionName): string[] {
    const packages = new Set<string>();
    const seen = new Set<string>();
    const pending = fs
        .readdirSync(path.join(ROOT, "functions", fn))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(ROOT, "functions", fn, f));
    for (let guard = 0; pending.length > 0 && guard < 10_000; guard++) {
        const file = pending.pop() as string;
        if (seen.has(file)) continue;
        seen.add(file);
        const source = fs.readFileSync(file, "utf8");
        for (const match of source.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
            const specifier = match[1];
            const typeOnly = /^(?:import|export)\s+type\s/.test(match[0]);
            if (specifier.startsWith(".")) {
                pending.push(path.resolve(path.dirname(file), `${specifier}.ts`));
            } else if (!specifier.startsWith("node:") && !typeOnly) {
                const parts = specifier.split("/");
                packages.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]);
            }
        }
    }
    return [...packages].sort();
}

describe("the function archives' allow-list", () => {
    for (const fn of FUNCTIONS) {
        it(`names exactly the npm packages ${fn} imports, each pinned in package.json dependencies`, () => {
            assert.deepEqual([...FUNCTION_PACKAGES[fn]].sort(), importedPackages(fn));
            const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
                dependencies: Record<string, string>;
            };
            for (const name of FUNCTION_PACKAGES[fn]) {
                assert.match(manifest.dependencies[name] ?? "", /^\d+\.\d+\.\d+$/, name);
            }
        });
    }
});

describe("the function archives npm run package writes @mariadb", function () {
    this.timeout(180_000);
    let server: MariaDbServer;
    let standIns: AwsStandIns;
    let outDir: string;
    let stdout: string;
    let zips: Record<FunctionName, Uint8Array>;
    const unpacked: UnpackedArchive[] = [];

    const unpack = (fn: FunctionName): string => {
        const archive = unpackArchive(zips[fn]);
        unpacked.push(archive);
        return archive.dir;
    };

    before(async () => {
        outDir = fs.mkdtempSync(path.join(os.tmpdir(), "package-out-"));
        ({ stdout, zips } = await packageInto(outDir));
        server = sharedMariaDb();
        standIns = await startAwsStandIns();
    });

    after(async () => {
        for (const archive of unpacked) archive.remove();
        if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
        await standIns?.close();
    });

    it("writes <out>/fetch-rows.zip and <out>/db-bootstrap.zip and says how big each is", () => {
        for (const fn of FUNCTIONS) {
            const bytes = zips[fn].length;
            assert.match(
                stdout,
                new RegExp(`${fn}\\.zip: ${bytes} bytes zipped \\(\\d+ files, \\d+ bytes unzipped\\)`),
            );
            assert.ok(bytes < 2 * 1024 * 1024, `${fn}.zip is ${bytes} bytes`);
        }
    });

    for (const fn of FUNCTIONS) {
        it(`${fn}.zip carries the handler and the AWS SDK at the tested version, and nothing deploy-time`, () => {
            const files = unzipSync(zips[fn]);
            const names = Object.keys(files);
            assert.ok(names.includes("__index.js"));
            const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
                dependencies: Record<string, string>;
            };
            for (const name of FUNCTION_PACKAGES[fn]) {
                const shipped = JSON.parse(
                    Buffer.from(files[`node_modules/${name}/package.json`]).toString("utf8"),
                ) as { version: string };
                assert.equal(shipped.version, manifest.dependencies[name], name);
            }
            assert.deepEqual(
                names.filter((n) => DEPLOY_TIME.test(n)),
                [],
            );
            assert.deepEqual(
                names.filter((n) => /\/dist-(es|types)\//.test(n)),
                [],
                "no ES-module builds or type declarations",
            );
            const index = Buffer.from(files["__index.js"]).toString("utf8");
            assert.match(index, /exports\.handler = __\w+\(\);/);
            assert.match(index, /require\("mysql2(\/promise)?(\.js)?"\)/);
            assert.doesNotMatch(index, /@pulumi\//);
            // infra/lib/mysql.ts has no imports, so the serializer copies it into the handler.
            assert.match(index, /start with a letter or underscore/);
        });
    }

    it("is exactly the archive the stacks deploy", async () => {
        const pair = await planPair();
        const deployed = {
            "fetch-rows": only(pair.consumers[0], "aws:lambda/function:Function", "fetch-rows"),
            "db-bootstrap": only(pair.database, "aws:lambda/function:Function", "db-bootstrap"),
        };
        for (const fn of FUNCTIONS) {
            const files = await archiveFiles(deployed[fn].inputs.code as pulumi.asset.AssetArchive);
            const packaged = unzipSync(zips[fn]);
            assert.deepEqual([...files.keys()], Object.keys(packaged).sort(), fn);
            assert.equal(
                Buffer.from(files.get("__index.js") as Uint8Array).toString("utf8"),
                Buffer.from(packaged["__index.js"]).toString("utf8"),
                fn,
            );
        }
    });

    it("fetch-rows from its zip returns the rows in a clean node process, outside the repository", async () => {
        await seedVegetables(server);
        await createReader(server, standIns, "rdrzip");
        standIns.resetCounters();
        const dir = unpack("fetch-rows");
        assert.ok(path.relative(ROOT, dir).startsWith(`..${path.sep}`), `${dir} is outside the repository`);
        const env = { ...functionEnv(server), ...standInSdkEnv(standIns), AWS_EC2_METADATA_DISABLED: "true" };
        const run = await runPackaged(dir, env, [{ table: "vegetables" }, { limit: 2 }, { table: "nope" }]);
        assert.equal(run.loadError, undefined, JSON.stringify(run.loadError));
        assert.deepEqual(run.calls[0], {
            ok: true,
            result: { table: "vegetables", rowCount: SEED_ROWS.length, rows: SEED_ROWS },
            ms: run.calls[0].ms,
        });
        assert.deepEqual(run.calls[1].ok && run.calls[1].result, {
            table: "vegetables",
            rowCount: 2,
            rows: SEED_ROWS.slice(0, 2),
        });
        assert.equal(run.calls[2].ok, false);
        assert.equal(!run.calls[2].ok && run.calls[2].step, "validate");
        assert.equal(standIns.calls.AssumeRole, 1);
        assert.equal(standIns.calls.GetSecretValue, 1);
    });

    it("db-bootstrap from its zip creates the schema and a reader with exactly SELECT, TLS required", async () => {
        const suffix = randomBytes(3).toString("hex");
        const database = `zip_bootstrap_${suffix}`;
        const readerUser = `zip_reader_${suffix}`;
        const masterArn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-zip-AbCdEf";
        const readerArn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:zip/reader-XyZ123";
        standIns.setSecret(
            masterArn,
            JSON.stringify({ username: server.rootUser, password: server.rootPassword }),
        );
        const readerPassword = `zp-${randomBytes(12).toString("base64url")}`;
        standIns.setSecret(readerArn, JSON.stringify({ username: readerUser, password: readerPassword }));
        const dir = unpack("db-bootstrap");
        const env = {
            DB_HOST: server.host,
            DB_PORT: String(server.port),
            DB_TLS: "off",
            MASTER_SECRET_ARN: masterArn,
            READER_SECRET_ARN: readerArn,
            ...standInSdkEnv(standIns),
            AWS_EC2_METADATA_DISABLED: "true",
        };
        const input = JSON.parse(
            bootstrapInput({
                database,
                table: "vegetables",
                readerUser,
                seedSampleRows: true,
                readerSecretVersion: "v1",
            }),
        ) as BootstrapInput;
        const admin = await server.connectAdmin();
        try {
            const run = await runPackaged(dir, env, [
                { ...input, tf: { action: "create", prev_input: null } },
            ]);
            assert.equal(run.loadError, undefined, JSON.stringify(run.loadError));
            assert.deepEqual(run.calls[0].ok && run.calls[0].result, {
                action: "create",
                database,
                table: "vegetables",
                rowCount: 6,
                readerUser,
                droppedUsers: [],
                fingerprint: input.fingerprint,
            });
            assert.ok(!run.stderr.includes(readerPassword) && !run.stderr.includes(server.rootPassword));
            const [grants] = await admin.query("SHOW GRANTS FOR ?@'%'", [readerUser]);
            assert.deepEqual(
                (grants as Array<Record<string, string>>)
                    .map((row) => Object.values(row)[0].replace(/ IDENTIFIED BY PASSWORD '[^']*'/, ""))
                    .sort(),
                [
                    `GRANT SELECT ON \`${database}\`.* TO \`${readerUser}\`@\`%\``,
                    `GRANT USAGE ON *.* TO \`${readerUser}\`@\`%\` REQUIRE SSL`,
                ],
            );
        } finally {
            await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
            await admin.query("DROP USER IF EXISTS ?@'%'", [readerUser]);
            await admin.end();
        }
    });

    it("fails clearly when the archive lacks a module: at load without mysql2, at the first call without the STS client", async () => {
        await createReader(server, standIns, "rdrzipmissing");
        const env = { ...functionEnv(server), ...standInSdkEnv(standIns), AWS_EC2_METADATA_DISABLED: "true" };

        const withoutMysql = unpack("fetch-rows");
        fs.rmSync(path.join(withoutMysql, "node_modules", "mysql2"), { recursive: true });
        const noMysql = await runPackaged(withoutMysql, env, [{}]);
        assert.equal(noMysql.loadError?.code, "MODULE_NOT_FOUND");
        assert.match(noMysql.loadError?.message ?? "", /Cannot find module 'mysql2/);

        // fromTemporaryCredentials loads its STS client (@aws-sdk/nested-clients/sts) on first use.
        const withoutSts = unpack("fetch-rows");
        fs.rmSync(path.join(withoutSts, "node_modules", "@aws-sdk", "nested-clients"), { recursive: true });
        const noSts = await runPackaged(withoutSts, env, [{}]);
        assert.equal(noSts.loadError, undefined);
        const [call] = noSts.calls;
        assert.equal(call.ok, false);
        assert.equal(!call.ok && call.step, "assume-role");
        assert.match(!call.ok ? call.message : "", /Cannot find module '@aws-sdk\/nested-clients\/sts'/);
    });
});
