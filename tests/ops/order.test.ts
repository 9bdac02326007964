import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    classifyStacks,
    planFromDirectory,
    planWaves,
    PlanError,
    readStackFiles,
    type StackFile,
} from "../../ops/deploy/order";
import {
    linePrefixer,
    parseDeployArgs,
    runWaves,
    type StackOps,
    type Workspace,
} from "../../ops/deploy/run";

const root = path.resolve(__dirname, "../..");

function db(name: string): StackFile {
    return { name, file: `Pulumi.${name}.yaml`, config: { "cross-account-rds:stackRole": "database" } };
}

function consumer(name: string, databaseStack: string): StackFile {
    return {
        name,
        file: `Pulumi.${name}.yaml`,
        config: {
            "cross-account-rds:stackRole": "consumer",
            "cross-account-rds:databaseStack": databaseStack,
        },
    };
}

const names = (waves: Array<Array<{ name: string }>>) => waves.map((w) => w.map((s) => s.name));

describe("deploy order", () => {
    it("orders the repository's stacks: the database stack dev, then the consumer engineering", () => {
        const waves = planFromDirectory(root);
        assert.deepStrictEqual(names(waves), [["dev"], ["engineering"]]);
        assert.strictEqual(waves[1][0].databaseStack, "organization/cross-account-rds/dev");
        assert.strictEqual(waves[1][0].databaseStackName, "dev");
    });

    it("reads only the given stack files when told", () => {
        assert.deepStrictEqual(
            readStackFiles(root, ["Pulumi.dev.yaml"]).map((f) => f.name),
            ["dev"],
        );
    });

    it("runs consumers of one database in parallel, after every database stack", () => {
        const stacks = classifyStacks([
            consumer("eng", "org/p/dev"),
            db("dev"),
            consumer("analytics", "dev"),
            db("prod-db"),
        ]);
        assert.deepStrictEqual(names(planWaves(stacks)), [
            ["dev", "prod-db"],
            ["eng", "analytics"],
        ]);
    });

    it("matches databaseStack by its full name or its last segment", () => {
        const stacks = classifyStacks([
            db("org/p/dev"),
            consumer("eng", "org/p/dev"),
            db("x"),
            consumer("b", "acme/other/x"),
        ]);
        assert.strictEqual(stacks.find((s) => s.name === "eng")?.databaseStackName, "org/p/dev");
        assert.strictEqual(stacks.find((s) => s.name === "b")?.databaseStackName, "x");
    });

    it("limits to the stacks named with --stack, refusing unknown names", () => {
        const stacks = classifyStacks([db("dev"), consumer("eng", "dev")]);
        assert.deepStrictEqual(names(planWaves(stacks, ["eng"])), [["eng"]]);
        assert.throws(
            () => planWaves(stacks, ["nope"]),
            /--stack nope: no such stack; known stacks: dev, eng/,
        );
    });

    it("refuses a consumer whose database stack is not among the files", () => {
        assert.throws(
            () => classifyStacks([db("dev"), consumer("eng", "org/p/prod")]),
            (err: Error) =>
                err instanceof PlanError &&
                /Pulumi\.eng\.yaml: its database stack "org\/p\/prod" is not among the stack files.*add Pulumi\.prod\.yaml/.test(
                    err.message,
                ),
        );
    });

    it("refuses unknown or missing stack roles", () => {
        const odd: StackFile = {
            name: "x",
            file: "Pulumi.x.yaml",
            config: { "cross-account-rds:stackRole": "cache" },
        };
        assert.throws(
            () => classifyStacks([odd]),
            /Pulumi\.x\.yaml: cross-account-rds:stackRole is "cache"; set it to "database" or "consumer"/,
        );
        assert.throws(() => classifyStacks([{ ...odd, config: {} }]), /stackRole is missing/);
    });

    it("refuses a consumer without databaseStack", () => {
        const bad: StackFile = {
            name: "eng",
            file: "Pulumi.eng.yaml",
            config: { "cross-account-rds:stackRole": "consumer" },
        };
        assert.throws(() => classifyStacks([bad]), /needs cross-account-rds:databaseStack/);
    });

    it("refuses cycles, naming them", () => {
        assert.throws(() => classifyStacks([consumer("a", "b"), consumer("b", "a")]), /cycle: a -> b -> a/);
        assert.throws(() => classifyStacks([consumer("a", "org/p/a")]), /cycle: a -> a/);
    });

    it("refuses a consumer that points at another consumer", () => {
        assert.throws(
            () => classifyStacks([db("dev"), consumer("a", "dev"), consumer("b", "a")]),
            /is the consumer stack a, not a database stack/,
        );
    });

    it("reads stack files from another directory and refuses an empty one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
        try {
            assert.throws(() => planFromDirectory(dir), /no stack files/);
            fs.writeFileSync(
                path.join(dir, "Pulumi.db.yaml"),
                "config:\n  cross-account-rds:stackRole: database\n",
            );
            fs.writeFileSync(
                path.join(dir, "Pulumi.c1.yaml"),
                "config:\n  cross-account-rds:stackRole: consumer\n  cross-account-rds:databaseStack: o/p/db\n",
            );
            assert.deepStrictEqual(names(planFromDirectory(dir)), [["db"], ["c1"]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** A fake Automation API: records calls, fails the stacks told to, serves outputs per stack. */
class FakeWorkspace implements Workspace {
    readonly calls: string[] = [];
    readonly outputs = new Map<string, Record<string, unknown>>();
    private running = 0;
    maxParallel = 0;

    constructor(private readonly failing: ReadonlySet<string> = new Set()) {}

    async select(stackName: string): Promise<StackOps> {
        const run = (verb: string) => async (onOutput: (chunk: string) => void) => {
            this.calls.push(`${verb} ${stackName}`);
            this.running++;
            this.maxParallel = Math.max(this.maxParallel, this.running);
            onOutput(`Previewing ${stackName}\nline two`);
            onOutput(" continued\n");
            await new Promise((resolve) => setTimeout(resolve, 5));
            this.running--;
            if (this.failing.has(stackName)) {
                throw new Error(`code: 255\nstderr: error: ${stackName} exploded`);
            }
            if (verb === "up") {
                this.outputs.set(`org/p/${stackName}`, { deployed: true });
            }
            return {};
        };
        return {
            preview: run("preview"),
            up: run("up"),
            outputs: async () => {
                this.calls.push(`outputs ${stackName}`);
                return this.outputs.get(stackName) ?? {};
            },
        };
    }
}

describe("deploy runner", () => {
    const plan = () =>
        planWaves(classifyStacks([db("dev"), consumer("eng", "org/p/dev"), consumer("ana", "org/p/dev")]));

    it("deploys the database stack, then checks it is deployed, then both consumers in parallel", async () => {
        const ws = new FakeWorkspace();
        const lines: string[] = [];
        const result = await runWaves(plan(), "up", ws, (l) => lines.push(l));
        assert.strictEqual(result.ok, true);
        assert.deepStrictEqual(result.completed.slice(0, 1), ["dev"]);
        assert.deepStrictEqual([...result.completed].sort(), ["ana", "dev", "eng"]);
        assert.strictEqual(ws.calls[0], "up dev");
        assert.ok(ws.calls.indexOf("outputs org/p/dev") > 0);
        assert.strictEqual(ws.maxParallel, 2, "the two consumers run at the same time");
        assert.ok(lines.includes("[dev] Previewing dev"));
        assert.ok(
            lines.includes("[eng] line two continued"),
            "partial lines are joined before the prefix is written",
        );
    });

    it("stops at the first failure, naming the stack, and starts no later wave", async () => {
        const ws = new FakeWorkspace(new Set(["dev"]));
        const lines: string[] = [];
        const result = await runWaves(plan(), "up", ws, (l) => lines.push(l));
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(
            result.failed.map((f) => f.stack),
            ["dev"],
        );
        assert.match(result.failed[0].message, /dev exploded/);
        assert.deepStrictEqual(result.notStarted, ["eng", "ana"]);
        assert.deepStrictEqual(ws.calls, ["up dev"]);
        assert.ok(lines.some((l) => /stopped: stack dev failed; not started: eng, ana/.test(l)));
    });

    it("lets the other consumers of a wave finish but reports the failed one", async () => {
        const ws = new FakeWorkspace(new Set(["eng"]));
        ws.outputs.set("org/p/dev", { dbHost: "x" });
        const result = await runWaves(plan().slice(1), "up", ws, () => undefined);
        assert.strictEqual(result.ok, false);
        assert.deepStrictEqual(
            result.failed.map((f) => f.stack),
            ["eng"],
        );
        assert.deepStrictEqual(result.completed, ["ana"]);
    });

    it("refuses to deploy a consumer whose database stack has no outputs", async () => {
        const ws = new FakeWorkspace();
        const result = await runWaves(
            planWaves(classifyStacks([db("dev"), consumer("eng", "org/p/dev")]), ["eng"]),
            "up",
            ws,
            () => undefined,
        );
        assert.strictEqual(result.ok, false);
        assert.match(
            result.failed[0].message,
            /refusing to deploy consumer eng: its database stack org\/p\/dev has no outputs: it is not deployed yet; deploy it first: npm run deploy -- --stack dev/,
        );
        assert.ok(!ws.calls.includes("up eng"));
    });

    it("refuses when the database stack cannot even be selected", async () => {
        const ws: Workspace = {
            select: async (name) => {
                if (name === "org/p/dev") {
                    throw new Error("no stack named 'org/p/dev' found");
                }
                return new FakeWorkspace().select(name);
            },
        };
        const result = await runWaves(
            [[{ name: "eng", role: "consumer", databaseStack: "org/p/dev", databaseStackName: "dev" }]],
            "up",
            ws,
            () => undefined,
        );
        assert.match(
            result.failed[0].message,
            /cannot be read \(no stack named 'org\/p\/dev' found\); deploy it first/,
        );
    });

    it("in preview, skips a consumer whose database is not deployed and says why", async () => {
        const ws = new FakeWorkspace();
        const lines: string[] = [];
        const result = await runWaves(plan(), "preview", ws, (l) => lines.push(l));
        assert.strictEqual(result.ok, true);
        assert.deepStrictEqual(result.completed, ["dev"]);
        assert.deepStrictEqual(result.skipped.map((s) => s.stack).sort(), ["ana", "eng"]);
        assert.match(
            result.skipped[0].reason,
            /preview skipped: its database stack org\/p\/dev has no outputs.*deploy it first/,
        );
        assert.ok(!ws.calls.some((c) => c.startsWith("preview eng")));
    });

    it("in preview, previews consumers once the database is deployed", async () => {
        const ws = new FakeWorkspace();
        ws.outputs.set("org/p/dev", { dbHost: "x" });
        const result = await runWaves(plan(), "preview", ws, () => undefined);
        assert.deepStrictEqual([...result.completed].sort(), ["ana", "dev", "eng"]);
        assert.deepStrictEqual(result.skipped, []);
    });
});

describe("deploy helpers", () => {
    it("prefixes each output line with the stack name and flushes a trailing partial line", () => {
        const lines: string[] = [];
        const p = linePrefixer("dev", (l) => lines.push(l));
        p.push("a\r\nb");
        p.push("c\n");
        p.push("tail");
        p.flush();
        assert.deepStrictEqual(lines, ["[dev] a", "[dev] bc", "[dev] tail"]);
    });

    it("parses up/preview, repeated --stack and --stacks-dir", () => {
        assert.deepStrictEqual(parseDeployArgs(["preview"]), { mode: "preview", stacks: [] });
        assert.deepStrictEqual(
            parseDeployArgs(["up", "--stack", "dev", "--stack=eng", "--stacks-dir", "/p"]),
            {
                mode: "up",
                stacks: ["dev", "eng"],
                stacksDir: "/p",
            },
        );
    });

    it("refuses a missing mode, unknown flags and flags without values", () => {
        assert.throws(() => parseDeployArgs([]), /"up" or "preview", got nothing/);
        assert.throws(() => parseDeployArgs(["destroy"]), /got "destroy"/);
        assert.throws(() => parseDeployArgs(["up", "--yes"]), /unknown argument "--yes"/);
        assert.throws(() => parseDeployArgs(["up", "--stack"]), /--stack needs a value/);
    });
});
