import * as assert from "assert";
import { execFile } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { parseSmokeArgs, SMOKE_USAGE } from "../../ops/smoke/args";
import { checkInvocation, SMOKE_EVENT } from "../../ops/smoke/checks";
import { runSmoke, type SmokeTarget } from "../../ops/smoke/main";
import { FakeAutomation } from "../support/fakeAutomation";

const root = path.resolve(__dirname, "../..");

const ROWS = [
    { id: 1, name: "carrot", color: "orange", price_per_kg: 1.2, stock: "120", harvested: "2024-05-01" },
    { id: 2, name: "kale", color: null, price_per_kg: null, stock: null, harvested: null },
];

function payload(body: unknown): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(body));
}

function problems(outcome: Parameters<typeof checkInvocation>[0]): string[] {
    const result = checkInvocation(outcome);
    assert.strictEqual(result.ok, false, "the check should fail");
    return result.ok ? [] : result.problems;
}

describe("smoke test: result checks", () => {
    it("accepts { table, rowCount, rows } with rows of the vegetables' shape", () => {
        const result = checkInvocation({
            statusCode: 200,
            payload: payload({ table: "vegetables", rowCount: 2, rows: ROWS }),
        });
        assert.deepStrictEqual(result, {
            ok: true,
            rowCount: 2,
            summary: "2 row(s) of vegetables, e.g. carrot, kale",
        });
    });

    it("invokes with the vegetables table and a limit of 10", () => {
        assert.deepStrictEqual(SMOKE_EVENT, { table: "vegetables", limit: 10 });
    });

    it("fails on a function error, quoting the function's own error", () => {
        const out = problems({
            statusCode: 200,
            functionError: "Unhandled",
            payload: payload({
                errorType: "FetchRowsError",
                errorMessage: "assume role failed: AccessDenied",
            }),
        });
        assert.deepStrictEqual(out, [
            "the function failed (Unhandled): FetchRowsError: assume role failed: AccessDenied; see its CloudWatch logs",
        ]);
    });

    it("fails on a payload that is not JSON or not an object", () => {
        assert.match(problems({ payload: "Task timed out" })[0], /not JSON: "Task timed out"/);
        assert.match(
            problems({ payload: payload([1, 2]) })[0],
            /should be an object \{ table, rowCount, rows \}, got a list/,
        );
    });

    it("fails on a non-200 status", () => {
        assert.match(problems({ statusCode: 500, payload: payload({}) })[0], /status 500, expected 200/);
    });

    it("fails when rowCount disagrees with the rows or no rows come back", () => {
        assert.deepStrictEqual(
            problems({ payload: payload({ table: "vegetables", rowCount: 3, rows: ROWS }) }),
            ["rowCount is 3 but 2 rows came back"],
        );
        assert.match(
            problems({ payload: payload({ table: "vegetables", rowCount: 0, rows: [] }) })[0],
            /no rows came back from vegetables; is the table seeded/,
        );
        assert.match(
            problems({ payload: payload({ table: "vegetables", rowCount: 1, rows: "x" }) })[0],
            /rows should be a list, got string/,
        );
    });

    it("fails on another table's rows", () => {
        assert.deepStrictEqual(problems({ payload: payload({ table: "fruits", rowCount: 2, rows: ROWS }) }), [
            'table should be "vegetables", got "fruits"',
        ]);
    });

    it("fails on rows without a name or with numbers as strings", () => {
        const rows = [
            { id: 1, color: "red" },
            "carrot",
            { id: "3", name: "leek", price_per_kg: "2.50", stock: 12 },
        ];
        assert.deepStrictEqual(problems({ payload: payload({ table: "vegetables", rowCount: 3, rows }) }), [
            "row 0 has no column name",
            "row 1 should be an object, got string",
            "row 2: id should be a whole number, got string",
            "row 2: price_per_kg should be a number, got string",
            "row 2: stock should be a whole number as a decimal string, got number",
        ]);
    });

    it("parses --stack, or --function-name with --region, --profile and --help", () => {
        assert.deepStrictEqual(parseSmokeArgs(["--stack", "engineering"]), {
            help: false,
            stack: "engineering",
        });
        assert.deepStrictEqual(
            parseSmokeArgs(["--function-name=fetch", "--region", "us-east-1", "--profile", "eng"]),
            { help: false, functionName: "fetch", region: "us-east-1", profile: "eng" },
        );
        assert.deepStrictEqual(parseSmokeArgs(["-h"]), { help: true });
    });

    it("refuses bad arguments with one sentence pointing at --help", () => {
        assert.throws(
            () => parseSmokeArgs([]),
            /name the consumer stack \(--stack engineering\).*; see --help/,
        );
        assert.throws(() => parseSmokeArgs(["--stack"]), /^UsageError: --stack needs a value; see --help$/);
        assert.throws(() => parseSmokeArgs(["--verbose"]), /unknown option --verbose; see --help/);
        assert.throws(() => parseSmokeArgs(["--stack", "a", "b"]), /Unexpected argument 'b'/);
    });
});

describe("smoke test: runSmoke with fakes", () => {
    async function smoke(
        argv: string[],
        options: { cli?: boolean; fake?: FakeAutomation; env?: Record<string, string> } = {},
    ) {
        const out: string[] = [];
        const err: string[] = [];
        const targets: SmokeTarget[] = [];
        const fake = options.fake ?? new FakeAutomation();
        const code = await runSmoke(argv, {
            env: { PATH: "", ...options.env },
            out: (l) => out.push(l),
            err: (l) => err.push(l),
            repoRoot: root,
            findPulumi: () => (options.cli === false ? undefined : "/opt/pulumi/bin/pulumi"),
            selectStack: fake.selectStack,
            invoke: async (target) => {
                targets.push(target);
                return {
                    statusCode: 200,
                    payload: payload({ table: "vegetables", rowCount: 2, rows: ROWS }),
                };
            },
        });
        return { code, out, err, targets, fake };
    }

    it("prints the usage on --help and exits 0", async () => {
        const run = await smoke(["--help"]);
        assert.strictEqual(run.code, 0);
        assert.deepStrictEqual(run.out, [SMOKE_USAGE]);
        for (const text of [
            "--stack <name>",
            "--function-name <name>",
            "--region <region>",
            "--profile <aws-profile>",
        ]) {
            assert.ok(SMOKE_USAGE.includes(text), text);
        }
    });

    it("exits 2 on bad arguments without invoking anything", async () => {
        const run = await smoke(["--stack"]);
        assert.strictEqual(run.code, 2);
        assert.deepStrictEqual(run.err, ["smoke: --stack needs a value; see --help"]);
        assert.deepStrictEqual(run.targets, []);
    });

    it("exits 2 with the install hint when --stack needs the Pulumi CLI and it is missing", async () => {
        const run = await smoke(["--stack", "engineering"], { cli: false });
        assert.strictEqual(run.code, 2);
        assert.deepStrictEqual(run.err, [
            "smoke: the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/ (or pass --function-name and --region instead of --stack)",
        ]);
        assert.deepStrictEqual(run.fake.calls, []);
    });

    it("reads the function from the stack's output and the region from its file, with the stack's profile", async () => {
        const fake = new FakeAutomation();
        fake.outputs.set("engineering", { functionName: "fetch-rows-abc" });
        const run = await smoke(["--stack", "engineering"], {
            fake,
            env: { CROSS_ACCOUNT_RDS_AWS_PROFILE_ENGINEERING: "eng-admin" },
        });
        assert.strictEqual(run.code, 0, run.err.join("\n"));
        assert.deepStrictEqual(run.targets, [
            { functionName: "fetch-rows-abc", region: "us-east-1", profile: "eng-admin" },
        ]);
        assert.strictEqual(fake.calls[0].envVars.AWS_PROFILE, "eng-admin");
        assert.strictEqual(fake.calls[0].envVars.AWS_ACCESS_KEY_ID, "");
        assert.match(run.out[1], /^smoke: OK in \d+ ms: 2 row\(s\) of vegetables/);
    });

    it("exits 2 naming the stack file when it cannot give the region", async () => {
        const run = await smoke(["--stack", "nosuch", "--function-name", "fetch"]);
        assert.strictEqual(run.code, 2);
        assert.deepStrictEqual(run.err, ["smoke: Pulumi.nosuch.yaml: no such file (or pass --region)"]);
        assert.deepStrictEqual(run.targets, []);
    });

    it("exits 2 when the stack has no functionName output or does not exist", async () => {
        const none = await smoke(["--stack", "engineering"]);
        assert.strictEqual(none.code, 2);
        assert.match(
            none.err[0],
            /stack engineering has no functionName output: is it the consumer stack, and is it deployed\?/,
        );
        const fake = new FakeAutomation();
        fake.missing.add("engineering");
        const missing = await smoke(["--stack", "engineering"], { fake });
        assert.strictEqual(missing.code, 2);
        assert.match(missing.err[0], /there is no stack engineering in the Pulumi backend/);
        assert.deepStrictEqual(missing.targets, []);
    });
});

describe("smoke test: the script against a stand-in Lambda on 127.0.0.1", () => {
    let server: http.Server;
    let endpoint = "";
    let answer: { status: number; headers: Record<string, string>; body: string } = {
        status: 200,
        headers: {},
        body: "",
    };
    const requests: Array<{ url: string; body: string }> = [];

    before(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                requests.push({ url: req.url ?? "", body });
                res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
                res.end(answer.body);
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function smokeProcess(): Promise<{ code: number; stdout: string; stderr: string }> {
        const env = {
            PATH: process.env.PATH,
            AWS_ENDPOINT_URL_LAMBDA: endpoint,
            AWS_ACCESS_KEY_ID: "AKIDSMOKETEST",
            AWS_SECRET_ACCESS_KEY: "smoke-test-not-a-secret",
            AWS_EC2_METADATA_DISABLED: "true",
            TS_NODE_TRANSPILE_ONLY: "true",
        };
        const args = [
            require.resolve("ts-node/dist/bin"),
            "ops/smoke.ts",
            "--function-name",
            "fetch-rows-abc",
            "--region",
            "us-east-1",
        ];
        return new Promise((resolve) => {
            execFile(process.execPath, args, { cwd: root, env, timeout: 15_000 }, (err, stdout, stderr) => {
                const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
                resolve({ code, stdout, stderr });
            });
        });
    }

    it("exits 0 and summarises the rows when the function returns vegetables", async () => {
        answer = {
            status: 200,
            headers: {},
            body: JSON.stringify({ table: "vegetables", rowCount: 2, rows: ROWS }),
        };
        const run = await smokeProcess();
        assert.strictEqual(run.code, 0, run.stderr);
        assert.match(run.stdout, /smoke: OK in \d+ ms: 2 row\(s\) of vegetables, e\.g\. carrot, kale/);
        const last = requests[requests.length - 1];
        assert.match(last.url, /\/functions\/fetch-rows-abc\/invocations/);
        assert.deepStrictEqual(JSON.parse(last.body), { table: "vegetables", limit: 10 });
    });

    it("exits 1 with a clear message when the function fails", async () => {
        answer = {
            status: 200,
            headers: { "x-amz-function-error": "Unhandled" },
            body: JSON.stringify({ errorType: "FetchRowsError", errorMessage: "connect failed: ETIMEDOUT" }),
        };
        const run = await smokeProcess();
        assert.strictEqual(run.code, 1);
        assert.match(
            run.stderr,
            /smoke: FAILED after \d+ ms:\n {2}- the function failed \(Unhandled\): FetchRowsError: connect failed: ETIMEDOUT/,
        );
    });
});
