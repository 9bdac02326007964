import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { HTTPS_PORT, MYSQL_PORT, PROJECT } from "../../../infra/lib/constants";
import * as network from "../../../infra/lib/network";
import { all, only, planShipped, ROOT } from "../../support/stacks";

/** The `config:` keys of a YAML file in the project directory. */
function configKeys(file: string): string[] {
    const parsed = parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as {
        config?: Record<string, unknown>;
    };
    return Object.keys(parsed.config ?? {});
}

describe("infra/lib/constants: the facts every part of the project shares", () => {
    it("PROJECT is the name in Pulumi.yaml", () => {
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
        assert.equal(PROJECT, "cross-account-rds");
        assert.equal(project.name, PROJECT);
    });

    it("PROJECT is the namespace of every key Pulumi.yaml declares", () => {
        const keys = configKeys("Pulumi.yaml");
        assert.ok(keys.length > 0, "Pulumi.yaml declares config keys");
        assert.deepEqual(
            keys.filter((key) => !key.startsWith(`${PROJECT}:`) || key.split(":").length !== 2),
            [],
        );
    });

    it("every key of every shipped stack file is PROJECT's or the aws provider's", () => {
        const files = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        assert.ok(files.length >= 3, files.join(", "));
        for (const file of files) {
            const foreign = configKeys(file).filter(
                (key) => !new RegExp(`^(${PROJECT}|aws):[^:]+$`).test(key),
            );
            assert.deepEqual(foreign, [], file);
        }
    });

    it("MYSQL_PORT is MySQL's 3306 and HTTPS_PORT is 443, and infra/lib/network exports the same values", () => {
        assert.equal(MYSQL_PORT, 3306);
        assert.equal(HTTPS_PORT, 443);
        assert.equal(network.MYSQL_PORT, MYSQL_PORT);
        assert.equal(network.HTTPS_PORT, HTTPS_PORT);
    });

    it("the shipped stacks open only these ports: RDS listens on MYSQL_PORT, every rule names one of the two", async function () {
        this.timeout(60_000);
        const plan = await planShipped();
        const database = only(plan.database, "aws:rds/instance:Instance");
        assert.equal(database.inputs.port, MYSQL_PORT);
        const rules = [plan.database, ...plan.consumers].flatMap((stack) => [
            ...all(stack, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
            ...all(stack, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
        ]);
        assert.ok(rules.length > 0, "the stacks declare security group rules");
        const ports = new Set<number>();
        for (const rule of rules) {
            assert.equal(rule.inputs.fromPort, rule.inputs.toPort, rule.name);
            ports.add(rule.inputs.fromPort as number);
        }
        assert.deepEqual(
            [...ports].sort((a, b) => a - b),
            [HTTPS_PORT, MYSQL_PORT],
        );
    });
});
