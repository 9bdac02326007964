import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../support/stacks";
import { failed, plan, Run, tempDir } from "./harness";

interface JsonResource {
    type: string;
    name: string;
    id?: string;
    arn?: string;
    parent?: string;
    accountId: string;
    provider?: string;
    options: {
        protect: boolean;
        retainOnDelete: boolean;
        deleteBeforeReplace: boolean;
        dependsOn: string[];
    };
    onDestroy: string;
    onReplace: string;
    inputs: Record<string, unknown>;
}

describe("npm start: the offline plan of every shipped stack file", function () {
    const tmp = tempDir();
    let shipped: Run;
    let document: {
        organization: string;
        stacks: Record<string, { resources: JsonResource[]; exports: Record<string, unknown> }>;
        checks: Array<{ ok: boolean }>;
        violations: unknown[];
    };
    const planFile = () => path.join(tmp.dir(), "plan.json");
    const diagramFile = () => path.join(tmp.dir(), "plan.mmd");
    const resource = (stack: string, type: string, name: string) => {
        const found = document.stacks[stack].resources.find((r) => r.type === type && r.name === name);
        assert.ok(found, `plan.json has ${type} ${name} in ${stack}`);
        return found;
    };

    before(async () => {
        shipped = await plan(["--out", planFile(), "--diagram", diagramFile()]);
        document = JSON.parse(fs.readFileSync(planFile(), "utf8"));
    });

    it("exits 0 with every link of both access paths holding and no policy violation", () => {
        assert.deepStrictEqual(failed(shipped), []);
        assert.deepStrictEqual(shipped.violations, []);
        assert.strictEqual(shipped.exitCode, 0);
        assert.match(shipped.output, /All \d+ checks hold; no policy violations\./);
    });

    it("plans the database stack first, then every consumer stack of the repository", () => {
        assert.strictEqual(shipped.plan!.database.stack, "dev");
        assert.deepStrictEqual(
            shipped.plan!.consumers.map((c) => c.stack),
            ["analytics", "engineering"],
        );
        const names = shipped.checks.map((c) => c.name);
        assert.ok(
            names.some((n) => n.startsWith("analytics → dev: PrivateLink:")),
            "privatelink links checked",
        );
        assert.ok(
            names.some((n) => n.startsWith("engineering → dev: Network: the peering")),
            "peering links checked",
        );
        assert.ok(
            !names.some((n) => /RDS is not publicly accessible/.test(n)),
            "per-resource rules are the pack's",
        );
    });

    it("prints each stack's resources as a tree with the settings and the options that matter", () => {
        const out = shipped.output;
        assert.match(out, /^Stack dev \(database, account 111111112974, us-east-1\)/m);
        assert.match(out, /^Stack analytics \(consumer, account 333333336021, us-east-1\)/m);
        assert.match(out, /^Stack engineering \(consumer, account 222222225884, us-east-1\)/m);
        assert.match(
            out,
            /├─ cross-account-rds:network:PeeredVpcPair database-peering\n│ {2}├─ aws:ec2\/vpcPeeringConnection/,
        );
        assert.match(
            out,
            /aws:rds\/instance:Instance database .*publiclyAccessible=false storageEncrypted=true/,
        );
        assert.match(out, /aws:kms\/key:Key database-storage \[retainOnDelete\]/);
        assert.match(
            out,
            /SecurityGroupIngressRule database-mysql-from-engineering .*cidrIpv4="10\.20\.0\.0\/16"/,
        );
        assert.match(
            out,
            /VpcEndpoint database-endpoint-endpoint .*vpcEndpointType="Resource" privateDnsEnabled=true/,
        );
        assert.match(out, /ResourceConfiguration database-privatelink-config .*type="ARN"/);
        assert.match(
            out,
            /PrincipalAssociation database-privatelink-share-analytics-principal .*principal="333333336021"/,
        );
        assert.match(out, /Route database-peering-accepter-0 \[account 111111112974\]/);
        assert.match(out, /Exports:\n {2}accountId: "111111112974"/);
        assert.match(out, /consumerExternalIds: "\[secret\]"/);
    });

    describe("plan.json says what a destroy or an update does with each resource", () => {
        it("lists every stack with each resource's id, ARN, account and declared options", () => {
            assert.strictEqual(document.organization, "organization");
            assert.deepStrictEqual(Object.keys(document.stacks), ["dev", "analytics", "engineering"]);
            for (const stack of Object.values(document.stacks)) {
                for (const r of stack.resources) {
                    assert.ok(r.type && r.name && r.inputs && r.accountId && r.onDestroy && r.onReplace);
                    assert.deepStrictEqual(Object.keys(r.options).slice(0, 4), [
                        "protect",
                        "retainOnDelete",
                        "deleteBeforeReplace",
                        "dependsOn",
                    ]);
                }
            }
            const rds = resource("dev", "aws:rds/instance:Instance", "database");
            assert.match(rds.id!, /^db-/);
            assert.match(rds.arn!, /^arn:aws:rds:us-east-1:111111112974:db:/);
        });

        it("shows the storage key kept on destroy and the RDS instance refused while deletion protection is on", () => {
            const key = resource("dev", "aws:kms/key:Key", "database-storage");
            assert.strictEqual(key.options.retainOnDelete, true);
            assert.strictEqual(key.onDestroy, "kept in the cloud: only removed from the stack");
            const rds = resource("dev", "aws:rds/instance:Instance", "database");
            assert.strictEqual(rds.onDestroy, "refused by AWS until deletionProtection is false");
            assert.strictEqual(
                resource("dev", "aws:ec2/securityGroup:SecurityGroup", "database").onDestroy,
                "deleted",
            );
        });

        it("names each dependency, parent and explicit provider by type and name", () => {
            const fn = resource("engineering", "aws:lambda/function:Function", "fetch-rows");
            assert.ok(fn.options.dependsOn.includes("aws:cloudwatch/logGroup:LogGroup::fetch-rows"));
            assert.ok(
                fn.options.dependsOn.includes("cross-account-rds:network:PeeredVpcPair::database-peering"),
            );
            assert.ok(fn.options.dependsOn.includes("aws:ec2/vpcEndpoint:VpcEndpoint::consumer-sts"));
            const route = resource("engineering", "aws:ec2/route:Route", "database-peering-accepter-0");
            assert.strictEqual(route.parent, "cross-account-rds:network:PeeredVpcPair::database-peering");
            assert.strictEqual(route.provider, "database-account");
            assert.strictEqual(route.accountId, "111111112974");
        });

        it("carries the checks and the policy violations", () => {
            assert.deepStrictEqual(
                document.checks.map((c) => c.ok),
                shipped.checks.map(() => true),
            );
            assert.deepStrictEqual(document.violations, []);
        });
    });

    it("writes a Mermaid diagram of the accounts and both network paths, generated from the plan", () => {
        const diagram = fs.readFileSync(diagramFile(), "utf8");
        assert.match(diagram, /^flowchart LR/);
        assert.match(diagram, /database account 111111112974/);
        assert.match(diagram, /consumer account 222222225884/);
        assert.match(diagram, /consumer account 333333336021/);
        assert.match(diagram, /VPC peering pcx-[0-9a-f]{17}/);
        assert.match(diagram, /peering-accepter role peering-accepter-engineering/);
        assert.match(
            diagram,
            /analytics_fn -- "tcp\/3306" --> analytics_resource_endpoint -- "PrivateLink" --> dev_gateway/,
        );
        assert.match(diagram, /RAM share to account 333333336021/);
        assert.match(diagram, /resource configuration rcfg-[0-9a-f]{17} \(type ARN\)/);
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

    it("never shows the generated reader password, in stdout or in plan.json", () => {
        const secrets = [...shipped.plan!.database.secretValues];
        assert.strictEqual(secrets.length, 1, "the mock generated one password");
        const planText = fs.readFileSync(planFile(), "utf8");
        for (const secret of secrets) {
            assert.ok(!shipped.output.includes(secret), "stdout holds no secret");
            assert.ok(!planText.includes(secret), "plan.json holds no secret");
        }
        assert.match(planText, /"secretString": "\[secret\]"/);
    });

    it("explains itself with --help, its options and exit codes, and plans nothing", async () => {
        const help = await plan(["--help"]);
        assert.strictEqual(help.exitCode, 0);
        assert.match(help.output, /^usage: npm start -- /);
        for (const option of ["--only", "--organization", "--out", "--diagram", "--quiet"]) {
            assert.ok(help.output.includes(option), `--help names ${option}`);
        }
        assert.match(help.output, /Exit codes: 0 .*; 1 .*; 2 config refused/);
        assert.strictEqual(help.plan, undefined, "nothing was planned");
    });

    it("runs as `npm start` does, a process that exits 0", async () => {
        const result = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
            execFile(
                process.execPath,
                [require.resolve("ts-node/dist/bin.js"), path.join(ROOT, "plan/main.ts"), "--quiet"],
                { cwd: ROOT, timeout: 120_000 },
                (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
            ),
        );
        assert.strictEqual(result.code, 0, result.stdout);
        assert.match(result.stdout, /All \d+ checks hold; no policy violations\./);
    });
});
