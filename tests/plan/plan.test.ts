import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { main, PlanOutcome } from "../../plan/main";
import { Plan } from "../../plan/run";
import { ROOT, shippedConfig } from "../support/stacks";

interface Run extends PlanOutcome {
    readonly output: string;
}

let tmp: string;

function stackFile(stack: string, config: Record<string, unknown>): string {
    const file = path.join(tmp, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, stringify({ config }));
    return file;
}

async function plan(args: string[] = [], mutate?: (plan: Plan) => void): Promise<Run> {
    const lines: string[] = [];
    const outcome = await main(args, { mutate, write: (text) => lines.push(text) });
    return { ...outcome, output: lines.join("\n") };
}

function failed(run: Run): string[] {
    return run.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}

describe("npm start: the offline plan", function () {
    let shipped: Run;
    const planFile = () => path.join(tmp, "plan.json");
    const diagramFile = () => path.join(tmp, "plan.mmd");

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
        shipped = await plan(["--out", planFile(), "--diagram", diagramFile()]);
    });

    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("on the shipped stack config", () => {
        it("exits 0 with every check of the access path holding", () => {
            assert.deepStrictEqual(failed(shipped), []);
            assert.strictEqual(shipped.exitCode, 0);
            assert.ok(shipped.checks.length >= 16);
            assert.match(shipped.output, /All \d+ checks hold\./);
        });

        it("prints each stack's resources as a tree with the settings that matter", () => {
            assert.match(shipped.output, /^Stack dev \(database, account 111111112974, us-east-1\)/m);
            assert.match(shipped.output, /^Stack engineering \(consumer, account 222222225884, us-east-1\)/m);
            assert.match(
                shipped.output,
                /├─ cross-account-rds:network:PeeredVpcPair database-peering\n│ {2}├─ aws:ec2\/vpcPeeringConnection/,
            );
            assert.match(
                shipped.output,
                /aws:rds\/instance:Instance database .*publiclyAccessible=false storageEncrypted=true/,
            );
            assert.match(
                shipped.output,
                /SecurityGroupIngressRule database-mysql-from-engineering .*cidrIpv4="10\.20\.0\.0\/16"/,
            );
            assert.match(shipped.output, /aws:lambda\/function:Function fetch-rows .*runtime="nodejs22\.x"/);
            assert.match(shipped.output, /Route database-peering-accepter-0 \[account 111111112974\]/);
            assert.match(shipped.output, /Exports:\n {2}accountId: "111111112974"/);
        });

        it("writes a parseable plan.json with both stacks, their exports and the checks", () => {
            const document = JSON.parse(fs.readFileSync(planFile(), "utf8"));
            assert.deepStrictEqual(Object.keys(document.stacks), ["dev", "engineering"]);
            for (const stack of Object.values(document.stacks) as Array<{
                resources: unknown[];
                exports: object;
            }>) {
                assert.ok(stack.resources.length > 10);
                for (const resource of stack.resources as Array<Record<string, unknown>>) {
                    assert.ok(
                        resource.type && resource.name && resource.inputs,
                        "each resource has type, name, inputs",
                    );
                }
            }
            assert.strictEqual(
                document.stacks.engineering.exports.functionName,
                "cross-account-rds-engineering-fetch-rows",
            );
            assert.deepStrictEqual(
                document.checks.map((c: { ok: boolean }) => c.ok),
                shipped.checks.map(() => true),
            );
        });

        it("writes a Mermaid diagram of both accounts generated from the plan", () => {
            const diagram = fs.readFileSync(diagramFile(), "utf8");
            assert.match(diagram, /^flowchart LR/);
            assert.match(diagram, /database account 111111112974/);
            assert.match(diagram, /consumer account 222222225884/);
            assert.match(diagram, /VPC 10\.10\.0\.0\/16/);
            assert.match(diagram, /VPC 10\.20\.0\.0\/16/);
            assert.match(diagram, /sts:AssumeRole/);
            assert.match(diagram, /VPC peering pcx-[0-9a-f]{17}/);
            assert.match(diagram, /peering-accepter role peering-accepter-engineering/);
        });

        it("is the diagram the README embeds", () => {
            const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
            const embedded = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
            assert.strictEqual(
                embedded,
                fs.readFileSync(diagramFile(), "utf8"),
                "regenerate it with npm start -- --diagram",
            );
        });

        it("never shows the reader password, in stdout or in plan.json", () => {
            const secrets = [...shipped.plan!.database.secretValues];
            assert.strictEqual(secrets.length, 1, "the mock generated one password");
            const planText = fs.readFileSync(planFile(), "utf8");
            for (const secret of secrets) {
                assert.ok(!shipped.output.includes(secret), "stdout holds no secret");
                assert.ok(!planText.includes(secret), "plan.json holds no secret");
            }
            assert.match(planText, /"secretString": "\[secret\]"/);
        });
    });

    describe("breaking one link at a time makes it exit non-zero and name the link", () => {
        it("overlapping CIDRs", async () => {
            const consumer = { ...shippedConfig("engineering"), "cross-account-rds:vpcCidr": "10.10.0.0/16" };
            const run = await plan(["--consumer-stack", stackFile("engineering", consumer)]);
            assert.notStrictEqual(run.exitCode, 0);
            assert.match(run.output, /cross-account-rds:vpcCidr: 10\.10\.0\.0\/16 overlaps the database VPC/);
        });

        it("overlapping CIDRs in the database stack's consumer list", async () => {
            const database = shippedConfig("dev");
            (database["cross-account-rds:consumers"] as Array<Record<string, unknown>>)[0].vpcCidr =
                "10.10.0.0/20";
            const run = await plan(["--database-stack", stackFile("dev", database)]);
            assert.strictEqual(run.exitCode, 2);
            assert.match(
                run.output,
                /cross-account-rds:consumers\[0\]\.vpcCidr: 10\.10\.0\.0\/20 overlaps cross-account-rds:vpcCidr/,
            );
        });

        it("a consumer role name the database stack does not trust", async () => {
            const consumer = {
                ...shippedConfig("engineering"),
                "cross-account-rds:functionRoleName": "fetch-rows-renamed",
            };
            const run = await plan(["--consumer-stack", stackFile("engineering", consumer)]);
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(
                run.checks.filter((c) => !c.ok).map((c) => c.name),
                [
                    "engineering → dev: IAM: the data-access role trusts the function's role (trust policy and its conditions)",
                ],
            );
            assert.match(
                run.output,
                /✗ .*trusts the function's role[^\n]*\n\s+.*does not admit arn:aws:iam::222222225884:role\/fetch-rows-renamed/,
            );
        });

        it("a route table without the peering route", async () => {
            let dropped = "";
            const run = await plan([], (p) => {
                const consumer = p.consumers[0];
                const index = consumer.resources.findIndex((r) => r.name === "database-peering-requester-1");
                dropped = consumer.resources[index].inputs.routeTableId;
                consumer.resources.splice(index, 1);
            });
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(failed(run), [
                `engineering → dev: Network: every route table of the function's subnets routes the database CIDR to the peering: ` +
                    `route table(s) ${dropped} in engineering lack a route 10.10.0.0/16 → ${run.plan!.consumers[0].exports.peeringConnectionId}`,
            ]);
        });

        it("the database security group opened to 0.0.0.0/0", async () => {
            const run = await plan([], (p) => {
                const rule = p.database.resources.find((r) => r.name === "database-mysql-from-engineering")!;
                p.database.resources.push({
                    ...rule,
                    name: "database-mysql-from-anywhere",
                    inputs: { ...rule.inputs, cidrIpv4: "0.0.0.0/0" },
                });
            });
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(failed(run), [
                "engineering → dev: Network: nothing else may reach 3306 on the database: " +
                    "SecurityGroupIngressRule database-mysql-from-anywhere opens 3306 to 0.0.0.0/0",
            ]);
        });

        it("a missing STS endpoint", async () => {
            const run = await plan([], (p) => {
                const consumer = p.consumers[0];
                consumer.resources.splice(
                    consumer.resources.findIndex((r) => r.name === "consumer-sts"),
                    1,
                );
            });
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(failed(run), [
                "engineering → dev: Network: the STS endpoint serves the function (private DNS, 443 from its security group): " +
                    "no interface endpoint com.amazonaws.us-east-1.sts in the function's VPC: the function would hang until timeout",
            ]);
        });

        it("a secret policy that does not name the data-access role", async () => {
            const run = await plan([], (p) => {
                const policy = p.database.resources.find(
                    (r) => r.type === "aws:secretsmanager/secretPolicy:SecretPolicy",
                )!;
                policy.inputs.policy = policy.inputs.policy.replace(
                    /data-access-engineering-[0-9a-f]+/g,
                    "someone-else",
                );
            });
            assert.strictEqual(run.exitCode, 1);
            assert.match(
                failed(run).join("\n"),
                /reader secret's resource policy lets the data-access role GetSecretValue/,
            );
        });
    });

    it("fails as a process with a non-zero exit and the key named, on bad stack config", async () => {
        const database = { ...shippedConfig("dev"), "cross-account-rds:stackRole": "primary" };
        const file = stackFile("dev", database);
        const result = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
            execFile(
                process.execPath,
                [
                    require.resolve("ts-node/dist/bin.js"),
                    path.join(ROOT, "plan/main.ts"),
                    "--database-stack",
                    file,
                ],
                { cwd: ROOT, timeout: 60_000 },
                (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
            ),
        );
        assert.strictEqual(result.code, 2);
        assert.match(
            result.stdout,
            /Invalid stack configuration: cross-account-rds:stackRole: "primary" is not a stack role/,
        );
    });
});
