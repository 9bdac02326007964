import * as assert from "assert";
import { automationWorkspace } from "../../ops/deploy/automation";
import { profileEnvVars, resolveCredentials, type StackCredentials } from "../../ops/deploy/credentials";
import { classifyStacks, planWaves, type StackFile } from "../../ops/deploy/order";
import { checkReadiness, linePrefixer, PEERING_PREVIEW_REASON, runWaves } from "../../ops/deploy/run";
import { FakeAutomation } from "../support/fakeAutomation";

const DB_REF = "org/cross-account-rds/dev";

function stackFile(name: string, config: Record<string, unknown>): StackFile {
    return { name, file: `Pulumi.${name}.yaml`, config };
}

/** dev (database) with two consumers, engineering and analytics, each in its own account. */
function plan(only: string[] = []) {
    return planWaves(
        classifyStacks([
            stackFile("dev", { "cross-account-rds:stackRole": "database" }),
            stackFile("engineering", {
                "cross-account-rds:stackRole": "consumer",
                "cross-account-rds:consumerName": "engineering",
                "cross-account-rds:databaseStack": DB_REF,
            }),
            stackFile("analytics", {
                "cross-account-rds:stackRole": "consumer",
                "cross-account-rds:consumerName": "analytics",
                "cross-account-rds:databaseStack": DB_REF,
            }),
        ]),
        only,
    );
}

const PROFILES = { dev: "db-admin", engineering: "eng-admin", analytics: "ana-admin" };

function credentialsFor(stacks: string[]): StackCredentials[] {
    return resolveCredentials(
        stacks,
        ["dev", "engineering", "analytics"],
        new Map(Object.entries(PROFILES).filter(([s]) => stacks.includes(s))),
        {},
    );
}

function setup(stacks = ["dev", "engineering", "analytics"], policyPackConfig?: string) {
    const fake = new FakeAutomation();
    const workspace = automationWorkspace({
        workDir: "/project",
        policyPack: "/repo/policy",
        ...(policyPackConfig !== undefined ? { policyPackConfig } : {}),
        credentials: credentialsFor(stacks),
        selectStack: fake.selectStack,
    });
    const lines: string[] = [];
    return { fake, workspace, lines, log: (l: string) => lines.push(l) };
}

describe("deploy runner over the Automation API", () => {
    it("deploys the database stack first, then checks its outputs, then both consumers in parallel", async () => {
        const { fake, workspace, lines, log } = setup();
        const result = await runWaves(plan(), "up", workspace, log);
        assert.strictEqual(result.ok, true);
        assert.strictEqual(result.completed[0], "dev");
        assert.deepStrictEqual([...result.completed].sort(), ["analytics", "dev", "engineering"]);
        const ops = fake.ops("up", "outputs");
        assert.strictEqual(ops[0], "up dev");
        assert.ok(ops.indexOf(`outputs ${DB_REF}`) > 0, "the database's outputs are read after its update");
        assert.ok(ops.indexOf("up engineering") > ops.indexOf(`outputs ${DB_REF}`));
        assert.strictEqual(fake.maxParallel, 2, "the two consumers run at the same time");
        assert.ok(lines.includes("[dev] Updating (dev)"));
        assert.ok(
            lines.includes("[engineering] line two continued"),
            "partial lines are joined before the prefix",
        );
    });

    it("runs every preview and update with the policy pack (and its config when given)", async () => {
        const { fake, workspace, log } = setup(undefined, "/tmp/policy-config.json");
        await runWaves(plan(), "up", workspace, log);
        fake.outputs.clear();
        fake.outputs.set("dev", { vpcId: "vpc-1" });
        await runWaves(plan(), "preview", workspace, log);
        const runs = fake.calls.filter((c) => c.op === "up" || c.op === "preview");
        assert.strictEqual(runs.length, 6);
        for (const call of runs) {
            assert.deepStrictEqual(call.options?.policyPacks, ["/repo/policy"], `${call.op} ${call.stack}`);
            assert.deepStrictEqual(call.options?.policyPackConfigs, ["/tmp/policy-config.json"]);
            assert.strictEqual(call.workDir, "/project");
        }
    });

    it("gives each stack exactly its own profile, and reads the database's outputs with the consumer's", async () => {
        const { fake, workspace, log } = setup();
        await runWaves(plan(), "up", workspace, log);
        const byStack = (stack: string) => fake.calls.filter((c) => c.stack === stack && c.op !== "outputs");
        for (const [stack, profile] of Object.entries(PROFILES)) {
            const calls = byStack(stack);
            assert.ok(calls.length >= 2, `${stack} was selected and run`);
            for (const call of calls) {
                assert.deepStrictEqual(call.envVars, profileEnvVars(profile), `${call.op} ${stack}`);
            }
        }
        const reads = fake.calls.filter((c) => c.stack === DB_REF && c.op === "select");
        assert.deepStrictEqual(reads.map((c) => c.envVars.AWS_PROFILE).sort(), ["ana-admin", "eng-admin"]);
        const objects = new Set(fake.calls.map((c) => c.envVars));
        assert.strictEqual(
            objects.size,
            fake.calls.filter((c) => c.op === "select").length,
            "every selection gets an environment object of its own",
        );
    });

    it("clears ambient AWS keys in a stack that runs with a profile, so the SDK cannot prefer them", () => {
        const vars = profileEnvVars("db-admin");
        assert.strictEqual(vars.AWS_PROFILE, "db-admin");
        for (const name of [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_ROLE_ARN",
        ]) {
            assert.strictEqual(vars[name], "", name);
        }
    });

    it("stops at the first failure, naming the stack, and starts no later wave", async () => {
        const { fake, workspace, lines, log } = setup();
        fake.failing.add("dev");
        const result = await runWaves(plan(), "up", workspace, log);
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(
            result.failed.map((f) => f.stack),
            ["dev"],
        );
        assert.match(result.failed[0].message, /dev exploded/);
        assert.deepStrictEqual(result.notStarted, ["engineering", "analytics"]);
        assert.deepStrictEqual(fake.ops("up", "preview"), ["up dev"]);
        assert.ok(
            lines.some((l) => /stopped: stack dev failed; not started: engineering, analytics/.test(l)),
        );
    });

    it("lets the other consumers of a wave finish but reports the failed one", async () => {
        const { fake, workspace, log } = setup(["engineering", "analytics"]);
        fake.outputs.set("dev", { vpcId: "vpc-1" });
        fake.failing.add("engineering");
        const result = await runWaves(plan(["engineering", "analytics"]), "up", workspace, log);
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(
            result.failed.map((f) => f.stack),
            ["engineering"],
        );
        assert.deepStrictEqual(result.completed, ["analytics"]);
    });

    it("previews the stacks in order, skipping (not failing) consumers whose database is not deployed", async () => {
        const { fake, workspace, lines, log } = setup();
        const result = await runWaves(plan(), "preview", workspace, log);
        assert.strictEqual(result.ok, true);
        assert.deepStrictEqual(result.completed, ["dev"]);
        assert.deepStrictEqual(result.failed, []);
        assert.deepStrictEqual(result.skipped.map((s) => s.stack).sort(), ["analytics", "engineering"]);
        assert.deepStrictEqual(fake.ops("preview"), ["preview dev"]);
        const line = lines.find((l) => l.startsWith("[engineering] preview SKIPPED"));
        assert.strictEqual(
            line,
            `[engineering] preview SKIPPED: its database stack ${DB_REF} has no outputs: it is not deployed yet; deploy the database stack first: npm run deploy -- --stack dev`,
        );
    });

    it("skips a consumer's preview when the backend has no database stack at all", async () => {
        const { fake, workspace, log } = setup(["engineering"]);
        fake.missing.add("dev");
        const result = await runWaves(plan(["engineering"]), "preview", workspace, log);
        assert.strictEqual(result.ok, true);
        assert.match(
            result.skipped[0].reason,
            /does not exist in the Pulumi backend yet; deploy the database stack first/,
        );
    });

    it("previews consumers once the database stack has outputs", async () => {
        const { fake, workspace, log } = setup();
        fake.outputs.set("dev", { vpcId: "vpc-1" });
        const result = await runWaves(plan(), "preview", workspace, log);
        assert.deepStrictEqual([...result.completed].sort(), ["analytics", "dev", "engineering"]);
        assert.deepStrictEqual(result.skipped, []);
    });

    it("refuses to deploy a consumer whose database stack has no outputs", async () => {
        const { fake, workspace, log } = setup(["engineering"]);
        const result = await runWaves(plan(["engineering"]), "up", workspace, log);
        assert.strictEqual(result.ok, false);
        assert.match(
            result.failed[0].message,
            /refusing to deploy consumer engineering: its database stack org\/cross-account-rds\/dev has no outputs: it is not deployed yet; deploy the database stack first: npm run deploy -- --stack dev/,
        );
        assert.deepStrictEqual(fake.ops("up"), []);
    });

    it("fails (does not skip) when the database stack's outputs cannot be read for another reason", async () => {
        const { fake, workspace, log } = setup(["engineering"]);
        fake.unreadable.set("dev", "AccessDenied: s3:GetObject on the state bucket");
        const result = await runWaves(plan(["engineering"]), "preview", workspace, log);
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(result.skipped, []);
        assert.match(
            result.failed[0].message,
            /cannot read the outputs of its database stack org\/cross-account-rds\/dev: code: 255/,
        );
    });

    it("reports readiness per consumer: deployed, not deployed, or unreadable", async () => {
        const { fake, workspace } = setup(["engineering", "analytics"]);
        const consumers = plan(["engineering", "analytics"]).flat();
        assert.deepStrictEqual(
            (await checkReadiness(consumers, workspace)).map((r) => [r.stack, r.ready]),
            [
                ["engineering", false],
                ["analytics", false],
            ],
        );
        fake.outputs.set("dev", { a: 1, b: 2 });
        const ready = await checkReadiness(consumers, workspace);
        assert.deepStrictEqual(
            ready.map((r) => r.detail),
            [
                `its database stack ${DB_REF} is deployed (2 outputs)`,
                `its database stack ${DB_REF} is deployed (2 outputs)`,
            ],
        );
        fake.unreadable.set("dev", "403");
        const [broken] = await checkReadiness(consumers, workspace);
        assert.strictEqual(broken.error, true);
    });

    it("reports each consumer's network from the database stack's consumers.<consumerName>.network output", async () => {
        const { fake, workspace } = setup(["engineering", "analytics"]);
        fake.outputs.set("dev", {
            vpcId: "vpc-1",
            consumers: { engineering: { network: "peering" }, analytics: { network: "privatelink" } },
        });
        const [engineering, analytics] = await checkReadiness(
            plan(["engineering", "analytics"]).flat(),
            workspace,
        );
        assert.deepStrictEqual(
            [engineering.ready, engineering.network, analytics.ready, analytics.network],
            [true, "peering", true, "privatelink"],
        );
    });

    it("skips a peering consumer's read-only preview: it would assume the database account's accepter role", async () => {
        const { fake, workspace } = setup(["engineering"]);
        fake.outputs.set("dev", { consumers: { engineering: { network: "peering" } } });
        const [engineering] = await checkReadiness(plan(["engineering"]).flat(), workspace);
        assert.deepStrictEqual(engineering.readOnlyPreview, { run: false, reason: PEERING_PREVIEW_REASON });
        assert.strictEqual(
            PEERING_PREVIEW_REASON,
            "a peering consumer's preview assumes the database stack's peering-accepter role, which may write routes in the database account; it is previewed by the protected deploy job instead",
        );
    });

    it("lets a privatelink consumer's read-only preview run", async () => {
        const { fake, workspace } = setup(["analytics"]);
        fake.outputs.set("dev", { consumers: { analytics: { network: "privatelink" } } });
        const [analytics] = await checkReadiness(plan(["analytics"]).flat(), workspace);
        assert.deepStrictEqual(analytics.readOnlyPreview, { run: true });
    });

    it("skips the read-only preview, saying why, when the database is not deployed or has no usable record", async () => {
        const { fake, workspace } = setup(["analytics"]);
        const consumers = plan(["analytics"]).flat();
        const [undeployed] = await checkReadiness(consumers, workspace);
        assert.strictEqual(undeployed.ready, false);
        assert.strictEqual(undeployed.network, undefined);
        assert.ok(!undeployed.readOnlyPreview.run);
        assert.match(undeployed.readOnlyPreview.reason, /has no outputs: it is not deployed yet/);
        fake.outputs.set("dev", { consumers: { engineering: { network: "privatelink" } } });
        const [unrecorded] = await checkReadiness(consumers, workspace);
        assert.strictEqual(unrecorded.ready, true, "the database stack is deployed");
        assert.deepStrictEqual(unrecorded.readOnlyPreview, {
            run: false,
            reason: `its database stack ${DB_REF} has no consumers.analytics record: add analytics to that stack's consumers and deploy it`,
        });
        fake.outputs.set("dev", { consumers: { analytics: { network: "vpn" } } });
        const [odd] = await checkReadiness(consumers, workspace);
        assert.deepStrictEqual(odd.readOnlyPreview, {
            run: false,
            reason: `consumers.analytics.network of its database stack ${DB_REF} is "vpn", not peering or privatelink`,
        });
    });

    it("refuses to select a stack it resolved no credentials for", async () => {
        const { workspace } = setup(["engineering"]);
        await assert.rejects(workspace.open("dev"), /no AWS credentials were resolved for stack dev/);
    });

    it("prefixes each output line with the stack name and flushes a trailing partial line", () => {
        const lines: string[] = [];
        const p = linePrefixer("dev", (l) => lines.push(l));
        p.push("a\r\nb");
        p.push("c\n");
        p.push("tail");
        p.flush();
        assert.deepStrictEqual(lines, ["[dev] a", "[dev] bc", "[dev] tail"]);
    });
});
