import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEPLOY_USAGE, parseDeployArgs } from "../../ops/deploy/args";
import {
    describeCredentials,
    parseProfileFlags,
    profileVariable,
    resolveCredentials,
} from "../../ops/deploy/credentials";
import { runDeploy, type DeployDeps } from "../../ops/deploy/main";
import { findOnPath, PULUMI_MISSING } from "../../ops/deploy/pulumiCli";
import { FakeAutomation } from "../support/fakeAutomation";

const root = path.resolve(__dirname, "../..");

/** A project directory: dev (database), engineering and analytics (consumers of dev). */
function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cli-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: cross-account-rds\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  cross-account-rds:stackRole: database\n");
    for (const consumer of ["engineering", "analytics"]) {
        fs.writeFileSync(
            path.join(dir, `Pulumi.${consumer}.yaml`),
            `config:\n  cross-account-rds:stackRole: consumer\n  cross-account-rds:consumerName: ${consumer}\n  cross-account-rds:databaseStack: organization/cross-account-rds/dev\n`,
        );
    }
    return dir;
}

interface Run {
    code: number;
    out: string[];
    err: string[];
    fake: FakeAutomation;
}

async function deploy(
    argv: string[],
    options: { env?: Record<string, string>; cli?: boolean; fake?: FakeAutomation } = {},
): Promise<Run> {
    const dir = project();
    try {
        const fake = options.fake ?? new FakeAutomation();
        const out: string[] = [];
        const err: string[] = [];
        const deps: DeployDeps = {
            env: { PATH: "", ...options.env },
            out: (l) => out.push(l),
            err: (l) => err.push(l),
            repoRoot: dir,
            findPulumi: () => (options.cli === false ? undefined : "/opt/pulumi/bin/pulumi"),
            pulumiCommand: async () => undefined,
            selectStack: fake.selectStack,
        };
        const code = await runDeploy(argv, deps);
        return { code, out, err, fake };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * `ready --stack <stack> --github-output` against `fake`, with a fresh $GITHUB_OUTPUT file; returns the run
 * and what it wrote there.
 */
async function readyForGithub(stack: string, fake?: FakeAutomation): Promise<Run & { written: string }> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-out-")), "output");
    try {
        const run = await deploy(["ready", "--stack", stack, "--github-output"], {
            env: { GITHUB_OUTPUT: file },
            fake,
        });
        return { ...run, written: fs.readFileSync(file, "utf8") };
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}

const ALL_PROFILES = ["--profile", "dev=db", "--profile", "engineering=eng", "--profile", "analytics=ana"];

describe("deploy command line", () => {
    it("parses the mode, repeated --stack and --profile, --stacks-dir and --policy-pack-config", () => {
        const args = parseDeployArgs([
            "up",
            "--stack",
            "dev",
            "--stack=engineering",
            "--profile",
            "dev=db-admin",
            "--stacks-dir",
            "/p",
            "--policy-pack-config",
            "policy.json",
        ]);
        assert.ok(!args.help);
        assert.strictEqual(args.mode, "up");
        assert.deepStrictEqual(args.stacks, ["dev", "engineering"]);
        assert.deepStrictEqual([...args.profiles], [["dev", "db-admin"]]);
        assert.strictEqual(args.stacksDir, "/p");
        assert.strictEqual(args.policyPackConfig, "policy.json");
        assert.strictEqual(args.githubOutput, false);
    });

    it("answers --help and -h with the usage, with or without a mode", () => {
        for (const argv of [["--help"], ["up", "--help"], ["preview", "-h"]]) {
            assert.deepStrictEqual(parseDeployArgs(argv), { help: true }, argv.join(" "));
        }
    });

    it("refuses bad arguments with one sentence naming the argument and pointing at --help", () => {
        const cases: Array<[string[], RegExp]> = [
            [[], /the first argument must be up, preview or ready, got nothing; see --help/],
            [["destroy"], /got "destroy"/],
            [["up", "--yes"], /: unknown option --yes; see --help$/],
            [["up", "--stack"], /: --stack needs a value; see --help$/],
            [["up", "--stack", "--profile", "dev=x"], /: --stack needs a value/],
            [["up", "--stack="], /: --stack needs a value/],
            [["up", "dev"], /unexpected argument "dev"/],
            [["up", "--profile", "dev"], /--profile "dev": write --profile <stack>=<aws-profile>/],
            [["up", "--profile", "dev=a", "--profile", "dev=b"], /two AWS profiles for stack dev \(a, b\)/],
            [["preview", "--github-output"], /--github-output goes with ready only/],
        ];
        for (const [argv, expected] of cases) {
            assert.throws(() => parseDeployArgs(argv), expected, argv.join(" "));
        }
    });

    it("documents every option, the per-stack profile variable and the exit codes in --help", () => {
        for (const text of [
            "--stack <name>",
            "--profile <stack>=<aws-profile>",
            "--stacks-dir <dir>",
            "--policy-pack-config <file>",
            "--github-output",
            "-h, --help",
            "CROSS_ACCOUNT_RDS_AWS_PROFILE_DEV",
            "policy pack",
            "database stacks (stackRole: database) first",
            "https://www.pulumi.com/docs/install/",
            "Exit codes: 0",
        ]) {
            assert.ok(DEPLOY_USAGE.includes(text), text);
        }
    });
});

describe("deploy credentials", () => {
    it("names the profile variable after the stack: upper case, other characters as _", () => {
        assert.strictEqual(profileVariable("dev"), "CROSS_ACCOUNT_RDS_AWS_PROFILE_DEV");
        assert.strictEqual(profileVariable("eng-eu.1"), "CROSS_ACCOUNT_RDS_AWS_PROFILE_ENG_EU_1");
    });

    it("takes a stack's profile from --profile over its variable, and the ambient chain for a lone stack", () => {
        const env = {
            CROSS_ACCOUNT_RDS_AWS_PROFILE_DEV: "from-env",
            CROSS_ACCOUNT_RDS_AWS_PROFILE_ENGINEERING: "eng",
        };
        const [dev, eng] = resolveCredentials(
            ["dev", "engineering"],
            ["dev", "engineering"],
            parseProfileFlags(["dev=from-flag"]),
            env,
        );
        assert.deepStrictEqual([dev.source, dev.profile], ["flag", "from-flag"]);
        assert.deepStrictEqual([eng.source, eng.profile], ["environment", "eng"]);
        assert.match(
            describeCredentials(eng),
            /AWS profile eng \(from CROSS_ACCOUNT_RDS_AWS_PROFILE_ENGINEERING;/,
        );
        const [lone] = resolveCredentials(["dev"], ["dev", "engineering"], new Map(), {});
        assert.deepStrictEqual([lone.source, lone.envVars], ["ambient", {}]);
    });

    it("refuses to run several stacks with one set of credentials, saying how to give each its own", () => {
        assert.throws(
            () =>
                resolveCredentials(
                    ["dev", "engineering"],
                    ["dev", "engineering"],
                    parseProfileFlags(["dev=db"]),
                    {},
                ),
            (err: Error) =>
                /missing for engineering\./.test(err.message) &&
                err.message.includes("--profile engineering=<aws-profile>") &&
                err.message.includes("CROSS_ACCOUNT_RDS_AWS_PROFILE_ENGINEERING=<aws-profile>") &&
                err.message.includes("--stack <name>"),
        );
    });

    it("refuses a profile for a stack that does not exist", () => {
        assert.throws(
            () => resolveCredentials(["dev"], ["dev"], parseProfileFlags(["prod=x"]), {}),
            /--profile prod=\.\.\.: no stack prod; the stacks are dev/,
        );
    });
});

describe("deploy script (runDeploy with a fake Automation API)", () => {
    it("prints the usage and exits 0 on --help, touching no stack", async () => {
        const run = await deploy(["up", "--help"], { cli: false });
        assert.strictEqual(run.code, 0);
        assert.deepStrictEqual(run.out, [DEPLOY_USAGE]);
        assert.deepStrictEqual(run.fake.calls, []);
    });

    it("exits 2 on bad arguments, touching no stack", async () => {
        const run = await deploy(["up", "--force"]);
        assert.strictEqual(run.code, 2);
        assert.deepStrictEqual(run.err, ["deploy: unknown option --force; see --help"]);
        assert.deepStrictEqual(run.fake.calls, []);
    });

    it("exits 2 with one clear sentence when the Pulumi CLI is not installed", async () => {
        const run = await deploy(["preview", "--stack", "dev"], { cli: false });
        assert.strictEqual(run.code, 2);
        assert.deepStrictEqual(run.err, [
            "deploy: the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/",
        ]);
        assert.strictEqual(
            PULUMI_MISSING,
            "the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/",
        );
        assert.deepStrictEqual(run.fake.calls, []);
    });

    it("exits 2 when several stacks would share the ambient credentials", async () => {
        const run = await deploy(["up"]);
        assert.strictEqual(run.code, 2);
        assert.match(
            run.err[0],
            /^deploy: stacks dev, analytics, engineering each deploy into their own AWS account/,
        );
        assert.deepStrictEqual(run.fake.calls, []);
    });

    it("exits 2 on an unknown --stack, a missing policy pack config file or a directory without Pulumi.yaml", async () => {
        const unknown = await deploy(["up", "--stack", "prod"]);
        assert.strictEqual(unknown.code, 2);
        assert.match(
            unknown.err[0],
            /--stack prod: no such stack; known stacks: analytics, dev, engineering/,
        );
        const config = await deploy(["up", "--stack", "dev", "--policy-pack-config", "/nonexistent.json"]);
        assert.strictEqual(config.code, 2);
        assert.match(config.err[0], /--policy-pack-config \/nonexistent\.json: no such file/);
        const dir = await deploy(["up", "--stacks-dir", "/nonexistent"]);
        assert.strictEqual(dir.code, 2);
        assert.match(
            dir.err[0],
            /no Pulumi\.yaml in \/nonexistent: --stacks-dir must be the project directory/,
        );
    });

    it("previews everything with a profile per stack: database first, consumers skipped until it is deployed", async () => {
        const run = await deploy(["preview", ...ALL_PROFILES]);
        assert.strictEqual(run.code, 0, run.err.join("\n"));
        assert.deepStrictEqual(run.fake.ops("preview"), ["preview dev"]);
        assert.ok(run.out.includes("plan: [dev] -> [analytics, engineering]"));
        assert.ok(
            run.out.includes(
                "[dev] AWS credentials: AWS profile db (from --profile; other AWS credential variables cleared for this stack)",
            ),
        );
        assert.ok(
            run.out.some((l) =>
                /^skipped engineering: its database stack .* deploy the database stack first/.test(l),
            ),
        );
        assert.strictEqual(
            run.out[run.out.length - 1],
            "done: preview of dev; skipped analytics, engineering",
        );
    });

    it("deploys everything in order with profiles from the environment, and exits 1 naming a failed stack", async () => {
        const env = {
            CROSS_ACCOUNT_RDS_AWS_PROFILE_DEV: "db",
            CROSS_ACCOUNT_RDS_AWS_PROFILE_ENGINEERING: "eng",
            CROSS_ACCOUNT_RDS_AWS_PROFILE_ANALYTICS: "ana",
        };
        const ok = await deploy(["up"], { env });
        assert.strictEqual(ok.code, 0, ok.err.join("\n"));
        assert.strictEqual(ok.fake.ops("up")[0], "up dev");
        assert.deepStrictEqual(ok.fake.ops("up").slice(1).sort(), ["up analytics", "up engineering"]);
        for (const call of ok.fake.calls.filter((c) => c.op === "up")) {
            assert.deepStrictEqual(call.options?.policyPacks, [path.join(call.workDir, "policy")]);
        }
        const fake = new FakeAutomation();
        fake.failing.add("dev");
        const failed = await deploy(["up"], { env, fake });
        assert.strictEqual(failed.code, 1);
        assert.match(failed.err.join("\n"), /stack dev failed:\ncode: 255\nstderr: error: dev exploded/);
        assert.strictEqual(failed.out[failed.out.length - 1], "FAILED: up of no stack; failed dev");
    });

    it("ready: reports each consumer and writes ready/network/preview/reason for GitHub Actions", async () => {
        const run = await readyForGithub("engineering");
        assert.strictEqual(run.code, 0, run.err.join("\n"));
        assert.match(
            run.out[run.out.length - 1],
            /^engineering: NOT READY: its database stack organization\/cross-account-rds\/dev has no outputs/,
        );
        assert.match(
            run.written,
            /^ready=false\nnetwork=\npreview=skip\nreason=engineering: its database stack organization\/cross-account-rds\/dev has no outputs: it is not deployed yet; deploy the database stack first: npm run deploy -- --stack dev\n$/,
        );
        const fake = new FakeAutomation();
        fake.outputs.set("dev", { vpcId: "vpc-1", consumers: { analytics: { network: "privatelink" } } });
        const deployed = await readyForGithub("analytics", fake);
        assert.strictEqual(deployed.code, 0);
        assert.strictEqual(
            deployed.out[deployed.out.length - 1],
            "analytics: ready: its database stack organization/cross-account-rds/dev is deployed (2 outputs); network: privatelink; read-only preview: run",
        );
        assert.strictEqual(deployed.written, "ready=true\nnetwork=privatelink\npreview=run\nreason=\n");
    });

    it("ready: a deployed peering consumer is ready but its read-only preview is skipped, with the reason", async () => {
        const fake = new FakeAutomation();
        fake.outputs.set("dev", { consumers: { engineering: { network: "peering" } } });
        const run = await readyForGithub("engineering", fake);
        assert.strictEqual(run.code, 0, run.err.join("\n"));
        assert.match(
            run.out[run.out.length - 1],
            /^engineering: ready: .*; network: peering; read-only preview: skip \(a peering consumer's preview assumes/,
        );
        assert.strictEqual(
            run.written,
            "ready=true\nnetwork=peering\npreview=skip\nreason=engineering: a peering consumer's preview assumes the database stack's peering-accepter role, which may write routes in the database account; it is previewed by the protected deploy job instead\n",
        );
    });

    it("ready: exits 1 when the database stack's outputs cannot be read", async () => {
        const fake = new FakeAutomation();
        fake.unreadable.set("dev", "AccessDenied");
        const run = await deploy(["ready", "--stack", "engineering"], { fake });
        assert.strictEqual(run.code, 1);
        assert.match(
            run.out[run.out.length - 1],
            /^engineering: ERROR: cannot read the outputs of its database stack/,
        );
    });
});

describe("deploy script as a process (ops/deploy.ts)", () => {
    function script(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        // Only Node's own directory on PATH: no `pulumi` can be found, whatever the machine has.
        const env = { PATH: path.dirname(process.execPath), TS_NODE_TRANSPILE_ONLY: "true" };
        return new Promise((resolve) => {
            execFile(
                process.execPath,
                [require.resolve("ts-node/dist/bin"), "ops/deploy.ts", ...args],
                { cwd: root, env, timeout: 30_000 },
                (err, stdout, stderr) => {
                    resolve({
                        code: err ? (typeof err.code === "number" ? err.code : -1) : 0,
                        stdout,
                        stderr,
                    });
                },
            );
        });
    }

    it("prints the usage for npm run deploy -- --help and exits 0", async () => {
        const run = await script(["up", "--help"]);
        assert.strictEqual(run.code, 0, run.stderr);
        assert.strictEqual(run.stdout.trim(), DEPLOY_USAGE);
    });

    it("exits 2 with the install hint, not a spawn error, when the Pulumi CLI is missing", async () => {
        const run = await script(["preview", "--stack", "dev"]);
        assert.strictEqual(run.code, 2);
        assert.strictEqual(
            run.stderr.trim(),
            "deploy: the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/",
        );
        assert.doesNotMatch(run.stderr + run.stdout, /ENOENT/);
    });

    it("finds an executable pulumi on PATH and nothing else", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
        try {
            assert.strictEqual(findOnPath("pulumi", { PATH: dir }), undefined);
            fs.writeFileSync(path.join(dir, "pulumi"), "#!/bin/sh\n", { mode: 0o644 });
            assert.strictEqual(findOnPath("pulumi", { PATH: dir }), undefined, "not executable");
            fs.chmodSync(path.join(dir, "pulumi"), 0o755);
            assert.strictEqual(
                findOnPath("pulumi", { PATH: `/nonexistent:${dir}` }),
                path.join(dir, "pulumi"),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
