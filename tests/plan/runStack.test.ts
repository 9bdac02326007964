import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "../../plan/mockCloud";
import { runStack, StackRun } from "../../plan/runStack";
import "../support/mocks";

const DB_ACCOUNT = "111111112974";
const OTHER_ACCOUNT = "222222225884";

class Box extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, {}, opts);
        new aws.ec2.SecurityGroup(`${name}-inner`, { description: "inherits protect" }, { parent: this });
        new aws.ec2.SecurityGroup(
            `${name}-loose`,
            { description: "opts out" },
            { parent: this, protect: false },
        );
        this.registerOutputs({});
    }
}

function run(program: () => Record<string, unknown> | Promise<Record<string, unknown>>, config = {}) {
    const cloud = new MockCloud({ accountId: DB_ACCOUNT, region: "us-east-1" });
    return runStack("options", "cross-account-rds", config, cloud, program);
}

describe("running a stack program under mocks", () => {
    describe("records what each resource's options make an update or a destroy do", () => {
        let result: StackRun;
        const options = (type: string, name: string) => {
            const found = result.options.get(`${type}::${name}`);
            assert.ok(found, `options of ${type}::${name}`);
            return found;
        };
        const SG = "aws:ec2/securityGroup:SecurityGroup";
        const KEY = "aws:kms/key:Key";

        before(async () => {
            result = await run(() => {
                const other = new aws.Provider("other-account", {
                    region: "us-east-1",
                    allowedAccountIds: [OTHER_ACCOUNT],
                });
                new Box("box", { protect: true });
                const kept = new aws.kms.Key(
                    "kept",
                    { description: "kept" },
                    { retainOnDelete: true, deleteBeforeReplace: true, provider: other },
                );
                const late = new aws.kms.Key("late", { description: "a dependency behind a promise" });
                new aws.ec2.SecurityGroup(
                    "after",
                    { description: "depends on both" },
                    {
                        dependsOn: pulumi.output([kept, Promise.resolve(late)]) as never,
                        deletedWith: kept,
                        ignoreChanges: ["tags"],
                        replaceOnChanges: ["vpcId"],
                    },
                );
                return { keyArn: kept.arn, token: pulumi.secret("not for printing") };
            });
        });

        it("protect, inherited from a component unless a child opts out, as the SDK does", () => {
            assert.strictEqual(options("test:index:Box", "box").protect, true);
            assert.strictEqual(options(SG, "box-inner").protect, true);
            assert.strictEqual(options(SG, "box-inner").parent, "test:index:Box::box");
            assert.strictEqual(options(SG, "box-loose").protect, false);
            assert.strictEqual(options(SG, "after").protect, false);
        });

        it("retainOnDelete, deleteBeforeReplace and the explicit provider (with the account it deploys into)", () => {
            const kept = options(KEY, "kept");
            assert.strictEqual(kept.retainOnDelete, true);
            assert.strictEqual(kept.deleteBeforeReplace, true);
            assert.strictEqual(kept.provider, "pulumi:providers:aws::other-account");
            assert.strictEqual(result.cloud.find(KEY, "kept")[0].accountId, OTHER_ACCOUNT);
            assert.strictEqual(options(KEY, "late").retainOnDelete, false);
        });

        it("dependsOn through outputs and promises, deletedWith, ignoreChanges and replaceOnChanges", () => {
            const after = options(SG, "after");
            assert.deepStrictEqual(after.dependsOn, [`${KEY}::kept`, `${KEY}::late`]);
            assert.strictEqual(after.deletedWith, `${KEY}::kept`);
            assert.deepStrictEqual(after.ignoreChanges, ["tags"]);
            assert.deepStrictEqual(after.replaceOnChanges, ["vpcId"]);
        });

        it("the exports resolved, with the secret ones named", () => {
            assert.match(
                String(result.exports.keyArn),
                new RegExp(`^arn:aws:kms:us-east-1:${OTHER_ACCOUNT}:key/`),
            );
            assert.deepStrictEqual(result.secretExports, ["token"]);
        });
    });

    it("hands the program its config as text per key, as the CLI does, and nothing else", async () => {
        const seen = await run(
            () => ({
                version: new pulumi.Config("cross-account-rds").require("dbEngineVersion"),
                rows: new pulumi.Config("cross-account-rds").requireNumber("maxRows"),
                keys: Object.keys(pulumi.runtime.allConfig()).sort(),
            }),
            { "cross-account-rds:dbEngineVersion": "8.4", "cross-account-rds:maxRows": "1000" },
        );
        assert.deepStrictEqual(seen.exports, {
            version: "8.4",
            rows: 1000,
            keys: ["cross-account-rds:dbEngineVersion", "cross-account-rds:maxRows"],
        });
    });

    it("settles every registration before it returns, even one the program never awaited", async () => {
        const result = await run(() => {
            const later = new Promise<string>((resolve) => setTimeout(() => resolve("late description"), 50));
            new aws.ec2.SecurityGroup("fire-and-forget", { description: later });
            return {};
        });
        const recorded = result.cloud.find("aws:ec2/securityGroup:SecurityGroup", "fire-and-forget");
        assert.strictEqual(recorded.length, 1);
        assert.strictEqual(recorded[0].inputs.description, "late description");
    });

    it("keeps each run to itself: config and stack never leak into the next run or the tests' shared program", async () => {
        await run(() => ({}), { "cross-account-rds:only-here": "x" });
        const next = await run(() => ({
            leaked: new pulumi.Config("cross-account-rds").get("only-here") ?? "none",
            stack: pulumi.getStack(),
        }));
        assert.deepStrictEqual(next.exports, { leaked: "none", stack: "options" });
        assert.strictEqual(
            pulumi.getStack(),
            "test",
            "the shared mock program of the component tests is untouched",
        );
    });

    it("rejects with the program's own error", async () => {
        await assert.rejects(
            run(() => {
                throw new pulumi.RunError("cross-account-rds:consumerName: refused");
            }),
            (err: Error) => pulumi.RunError.isInstance(err) && /refused/.test(err.message),
        );
    });
});
