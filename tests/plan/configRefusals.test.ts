import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT, shippedConfig, ShippedStack } from "../support/stacks";
import { plan, tempDir, writeStackFile } from "./harness";

type Patch = (config: Record<string, unknown>) => void;

const set =
    (key: string, value: unknown): Patch =>
    (config) => {
        config[key] = value;
    };

interface Refusal {
    readonly what: string;
    readonly stack: ShippedStack;
    readonly patch: Patch;
    /** The key the message must name, and what it must say. */
    readonly key: string;
    readonly says: RegExp;
}

const LONG_NAME = "r".repeat(33);

const REFUSALS: Refusal[] = [
    ...["mysql", "information_schema", "performance_schema", "sys"].map((schema): Refusal => ({
        what: `dbName is the system schema ${schema}`,
        stack: "dev",
        patch: set("cross-account-rds:dbName", schema),
        key: "cross-account-rds:dbName",
        says: /system schema/,
    })),
    ...["dbadmin", "root", "rdsadmin", "mysql.sys"].map((user): Refusal => ({
        what: `readerUsername is ${user}`,
        stack: "dev",
        patch: set("cross-account-rds:readerUsername", user),
        key: "cross-account-rds:readerUsername",
        says: user === "dbadmin" ? /master/ : /reserves/,
    })),
    {
        what: "readerUsername is longer than MySQL's 32 characters",
        stack: "dev",
        patch: set("cross-account-rds:readerUsername", LONG_NAME),
        key: "cross-account-rds:readerUsername",
        says: /32/,
    },
    {
        what: "logRetentionDays is not a value CloudWatch Logs accepts",
        stack: "engineering",
        patch: set("cross-account-rds:logRetentionDays", 2),
        key: "cross-account-rds:logRetentionDays",
        says: /2 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5/,
    },
    {
        what: "databaseStack is not <org>/<project>/<stack>",
        stack: "engineering",
        patch: set("cross-account-rds:databaseStack", "dev"),
        key: "cross-account-rds:databaseStack",
        says: /<org>\/cross-account-rds\/<stack>/,
    },
    {
        what: "databaseStack names another organization",
        stack: "engineering",
        patch: set("cross-account-rds:databaseStack", "acme/cross-account-rds/dev"),
        key: "cross-account-rds:databaseStack",
        says: /names organization "acme" \(the plan's is "organization"\); set it to "organization\/cross-account-rds\/dev"/,
    },
    {
        what: "databaseStack names another project",
        stack: "analytics",
        patch: set("cross-account-rds:databaseStack", "organization/other-project/dev"),
        key: "cross-account-rds:databaseStack",
        says: /project "other-project"/,
    },
    {
        what: "databaseStack names another stack than the database stack planned",
        stack: "engineering",
        patch: set("cross-account-rds:databaseStack", "organization/cross-account-rds/prod"),
        key: "cross-account-rds:databaseStack",
        says: /names stack "prod" \(the database stack is "dev"\)/,
    },
    ...["us-gov-west-1", "cn-north-1"].map((region): Refusal => ({
        what: `the region ${region} is outside the aws partition`,
        stack: "dev",
        patch: set("aws:region", region),
        key: "aws:region",
        says: /partition; this project builds ARNs, service principals and endpoints for the aws partition only/,
    })),
    {
        what: "the VPC CIDR is too small for the availability zones' subnets",
        stack: "dev",
        patch: (config) => {
            config["cross-account-rds:vpcCidr"] = "10.10.0.0/26";
            config["cross-account-rds:availabilityZoneCount"] = 6;
        },
        key: "cross-account-rds:vpcCidr",
        says: /10\.10\.0\.0\/26/,
    },
    {
        what: "an account id that YAML read as a number",
        stack: "dev",
        patch: set("aws:allowedAccountIds", [111111112974]),
        key: "aws:allowedAccountIds[0]",
        says: /is a number; quote the account id in YAML/,
    },
    {
        what: "a consumer's account id that YAML read as a number",
        stack: "dev",
        patch: (config) => {
            (config["cross-account-rds:consumers"] as Array<Record<string, unknown>>)[0].accountId =
                222222225884;
        },
        key: "cross-account-rds:consumers[0].accountId",
        says: /quote the account id/,
    },
    ...["vpcCidr", "functionRoleName", "externalId"].map((key): Refusal => ({
        what: `a consumer stack setting ${key}, which the database stack's record holds`,
        stack: "engineering",
        patch: set(`cross-account-rds:${key}`, key === "vpcCidr" ? "10.20.0.0/16" : "x-1234"),
        key: `cross-account-rds:${key}`,
        says: /unknown key for stackRole "consumer"/,
    })),
    {
        what: "a key without a namespace",
        stack: "dev",
        patch: set("dbName", "fruits_veggies"),
        key: "dbName",
        says: /configuration keys should be of the form `<namespace>:<name>`/,
    },
    {
        what: "a key in an unknown namespace",
        stack: "engineering",
        patch: set("cross-acount-rds:maxRows", 10),
        key: "cross-acount-rds:maxRows",
        says: /did you mean cross-account-rds:\?/,
    },
];

describe("npm start refuses bad stack config before planning: exit 2, naming file and key", function () {
    const tmp = tempDir();

    for (const refusal of REFUSALS) {
        it(`refuses: ${refusal.what}`, async () => {
            const config = shippedConfig(refusal.stack);
            refusal.patch(config);
            const run = await plan(["--quiet", writeStackFile(tmp.dir(), refusal.stack, config)]);
            assert.strictEqual(run.exitCode, 2, run.output);
            assert.strictEqual(run.plan, undefined, "nothing was planned");
            const line = run.output
                .split("\n")
                .find((l) => l.includes(`Pulumi.${refusal.stack}.yaml: ${refusal.key}: `));
            assert.ok(line, `a line names Pulumi.${refusal.stack}.yaml and ${refusal.key}:\n${run.output}`);
            assert.match(line, refusal.says);
        });
    }

    it("refuses, naming the file, what the program itself refuses: a consumer in another account than its record", async () => {
        const config = shippedConfig("engineering");
        config["aws:allowedAccountIds"] = ["999999999999"];
        const run = await plan(["--quiet", writeStackFile(tmp.dir(), "engineering", config)]);
        assert.strictEqual(run.exitCode, 2, run.output);
        assert.match(
            run.output,
            /Pulumi\.engineering\.yaml: aws:allowedAccountIds: stack engineering deploys into account 999999999999, but cross-account-rds:consumers\[name=engineering\]\.accountId in stack organization\/cross-account-rds\/dev is 222222225884/,
        );
    });

    it("reports every problem of every file at once", async () => {
        const database = shippedConfig("dev");
        database["cross-account-rds:dbName"] = "mysql";
        database["cross-account-rds:readerUsername"] = "root";
        const consumer = shippedConfig("engineering");
        consumer["cross-account-rds:logRetentionDays"] = 2;
        const run = await plan([
            writeStackFile(tmp.dir(), "dev", database),
            writeStackFile(tmp.dir(), "engineering", consumer),
        ]);
        assert.strictEqual(run.exitCode, 2);
        const problems = run.output.split("\n").filter((l) => l.startsWith("✗ "));
        assert.deepStrictEqual(
            problems.map((l) => /: (cross-account-rds:\w+): /.exec(l)?.[1]),
            [
                "cross-account-rds:dbName",
                "cross-account-rds:readerUsername",
                "cross-account-rds:logRetentionDays",
            ],
        );
        assert.match(run.output, /Stack config refused \(3 problems\); nothing was planned\./);
    });

    it("exits 2 as a process", async () => {
        const config = shippedConfig("dev");
        config["cross-account-rds:stackRole"] = "primary";
        const file = writeStackFile(tmp.dir(), "dev", config);
        const result = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
            execFile(
                process.execPath,
                [require.resolve("ts-node/dist/bin.js"), path.join(ROOT, "plan/main.ts"), file],
                { cwd: ROOT, timeout: 60_000 },
                (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
            ),
        );
        assert.strictEqual(result.code, 2);
        assert.match(result.stdout, /Pulumi\.dev\.yaml: cross-account-rds:stackRole: /);
    });

    describe("a secure value", () => {
        const CIPHERTEXT = "v1:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0:c2VjcmV0LWV4dGVybmFsLWlk";
        let output = "";
        let planText = "";
        let placeholder = "";

        before(async () => {
            const text = fs
                .readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
                .replace(/(- name: analytics\n)/, `$1      externalId:\n        secure: ${CIPHERTEXT}\n`);
            assert.ok(text.includes(CIPHERTEXT), "the variant carries the secure value");
            const out = path.join(tmp.dir(), "plan.json");
            const run = await plan(["--out", out, writeStackFile(tmp.dir(), "dev", text)]);
            assert.strictEqual(run.exitCode, 0, run.output);
            output = run.output;
            planText = fs.readFileSync(out, "utf8");
            placeholder = [...run.plan!.database.secretValues].find((v) =>
                v.startsWith("secret_placeholder_"),
            )!;
            const fn = run
                .plan!.consumers.find((c) => c.stack === "analytics")!
                .resources.find((r) => r.type === "aws:lambda/function:Function")!;
            assert.strictEqual(fn.inputs.environment.variables.DB_ACCESS_EXTERNAL_ID, placeholder);
        });

        it("reaches the program as a secret placeholder the access path still verifies with", () => {
            assert.match(placeholder, /^secret_placeholder_[0-9a-f]{12}$/);
            assert.match(output, /✓ analytics → dev: IAM: the data-access role trusts the function's role/);
        });

        it("never appears in stdout or plan.json, neither as ciphertext nor as what the program got", () => {
            for (const text of [output, planText]) {
                assert.ok(!text.includes(CIPHERTEXT));
                assert.ok(!text.includes(placeholder));
            }
            // The whole environment (and the trust policy) reached the engine as a secret: shown as such.
            assert.match(planText, /"environment": "\[secret\]"/);
            assert.match(planText, /"assumeRolePolicy": "\[secret\]"/);
            assert.match(planText, /"consumerExternalIds": "\[secret\]"/);
        });
    });
});
