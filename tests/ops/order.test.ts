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
            "cross-account-rds:consumerName": `${name}-team`,
        },
    };
}

const names = (waves: Array<Array<{ name: string }>>) => waves.map((w) => w.map((s) => s.name));

describe("deploy order", () => {
    it("orders the repository's stacks: the database stack dev, then its consumers (engineering among them)", () => {
        const waves = planFromDirectory(root);
        assert.strictEqual(waves.length, 2);
        assert.deepStrictEqual(names(waves)[0], ["dev"]);
        assert.ok(names(waves)[1].includes("engineering"));
        for (const consumer of waves[1]) {
            assert.strictEqual(consumer.role, "consumer");
            assert.strictEqual(consumer.databaseStackName, "dev");
        }
        const engineering = waves[1].find((s) => s.name === "engineering");
        assert.strictEqual(engineering?.databaseStack, "organization/cross-account-rds/dev");
        assert.strictEqual(engineering?.consumerName, "engineering");
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

    it("carries a consumer's consumerName (its record's key in the database stack) and refuses a consumer without one", () => {
        const [, eng] = classifyStacks([db("dev"), consumer("eng", "dev")]);
        assert.strictEqual(eng.consumerName, "eng-team");
        assert.strictEqual(classifyStacks([db("dev")])[0].consumerName, undefined);
        const bad = consumer("eng", "dev");
        const config = { ...bad.config };
        delete config["cross-account-rds:consumerName"];
        assert.throws(
            () => classifyStacks([db("dev"), { ...bad, config }]),
            (err: Error) =>
                err instanceof PlanError &&
                err.message ===
                    "Pulumi.eng.yaml: a consumer stack needs cross-account-rds:consumerName, its name in the database stack's consumers",
        );
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
                "config:\n  cross-account-rds:stackRole: consumer\n  cross-account-rds:consumerName: c1\n  cross-account-rds:databaseStack: o/p/db\n",
            );
            assert.deepStrictEqual(names(planFromDirectory(dir)), [["db"], ["c1"]]);
            fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  stackRole: consumer\n");
            assert.throws(
                () => planFromDirectory(dir),
                (err: Error) => err instanceof PlanError && /^Pulumi\.bad\.yaml: /.test(err.message),
                "a key the Pulumi CLI would refuse (no namespace) is refused before anything runs",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
