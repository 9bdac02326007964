import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig, RawConfig } from "../../infra/config";

const ROOT = path.join(__dirname, "..", "..");

function stackFile(name: string): Record<string, unknown> {
    return parse(fs.readFileSync(path.join(ROOT, `Pulumi.${name}.yaml`), "utf8")).config;
}

const database = stackFile("dev");
const consumer = stackFile("engineering");
const firstConsumer = (database["cross-account-rds:consumers"] as Array<Record<string, unknown>>)[0];

function withKey(base: RawConfig, key: string, value: unknown): RawConfig {
    const copy: Record<string, unknown> = { ...base };
    if (value === undefined) {
        delete copy[key];
    } else {
        copy[key] = value;
    }
    return copy;
}

function withConsumer(patch: Record<string, unknown>): RawConfig {
    return withKey(database, "cross-account-rds:consumers", [{ ...firstConsumer, ...patch }]);
}

function rejects(raw: RawConfig, key: string, problem: RegExp): void {
    assert.throws(
        () => parseStackConfig(raw),
        (err: Error) => {
            assert.ok(
                err.message.startsWith(`${key}: `),
                `expected the error to name ${key}: ${err.message}`,
            );
            assert.match(err.message, problem);
            return true;
        },
    );
}

describe("stack configuration", () => {
    describe("the shipped example stacks", () => {
        it("reads Pulumi.dev.yaml as a database stack with one consumer", () => {
            const config = parseStackConfig(database);
            assert.strictEqual(config.stackRole, "database");
            assert.strictEqual(config.accountId, "111111112974");
            assert.strictEqual(config.region, "us-east-1");
            if (config.stackRole !== "database") throw new Error("unreachable");
            assert.deepStrictEqual(
                config.consumers.map((c) => [c.name, c.accountId, c.vpcCidr, c.functionRoleArn]),
                [
                    [
                        "engineering",
                        "222222225884",
                        "10.20.0.0/16",
                        "arn:aws:iam::222222225884:role/cross-account-rds-engineering-fetch-rows",
                    ],
                ],
            );
            assert.strictEqual(config.db.deletionProtection, true);
            assert.strictEqual(config.db.backupRetentionDays, 7);
        });

        it("reads Pulumi.engineering.yaml as a consumer of the dev stack", () => {
            const config = parseStackConfig(consumer);
            assert.strictEqual(config.stackRole, "consumer");
            if (config.stackRole !== "consumer") throw new Error("unreachable");
            assert.strictEqual(config.accountId, "222222225884");
            assert.strictEqual(config.databaseStack, "organization/cross-account-rds/dev");
            assert.strictEqual(config.functionRoleName, "cross-account-rds-engineering-fetch-rows");
            assert.deepStrictEqual(config.fn.allowedTables, ["vegetables"]);
        });

        it("accepts values as Pulumi hands them over: strings, with structured values as JSON", () => {
            const flattened = Object.fromEntries(
                Object.entries(database).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
            );
            assert.deepStrictEqual(parseStackConfig(flattened), parseStackConfig(database));
        });

        it("derives the function role name from the consumer name when it is not set", () => {
            const config = parseStackConfig(withConsumer({ functionRoleName: undefined }));
            if (config.stackRole !== "database") throw new Error("unreachable");
            assert.strictEqual(
                config.consumers[0].functionRoleName,
                "cross-account-rds-engineering-fetch-rows",
            );
        });
    });

    describe("refuses bad input, naming the key", () => {
        it("a malformed account id in aws:allowedAccountIds", () =>
            rejects(
                withKey(database, "aws:allowedAccountIds", ["12345"]),
                "aws:allowedAccountIds[0]",
                /12 digits/,
            ));

        it("a consumer account id that is not 12 digits", () =>
            rejects(
                withConsumer({ accountId: "2222-2222-5884" }),
                "cross-account-rds:consumers[0].accountId",
                /12 digits/,
            ));

        it("an account id given as a number (YAML drops leading zeros)", () =>
            rejects(
                withConsumer({ accountId: 22222225884 }),
                "cross-account-rds:consumers[0].accountId",
                /as a string/,
            ));

        it("more than one allowed account", () =>
            rejects(
                withKey(database, "aws:allowedAccountIds", ["111111112974", "222222225884"]),
                "aws:allowedAccountIds",
                /exactly the one account/,
            ));

        it("a bad CIDR", () =>
            rejects(
                withKey(database, "cross-account-rds:vpcCidr", "10.10.0.0/33"),
                "cross-account-rds:vpcCidr",
                /CIDR/,
            ));

        it("a CIDR with host bits set", () =>
            rejects(
                withKey(consumer, "cross-account-rds:vpcCidr", "10.20.1.0/16"),
                "cross-account-rds:vpcCidr",
                /host bits/,
            ));

        it("a consumer CIDR overlapping the database CIDR", () =>
            rejects(
                withConsumer({ vpcCidr: "10.10.128.0/17" }),
                "cross-account-rds:consumers[0].vpcCidr",
                /overlaps cross-account-rds:vpcCidr \(10\.10\.0\.0\/16\)/,
            ));

        it("two consumers with overlapping CIDRs", () =>
            rejects(
                withKey(database, "cross-account-rds:consumers", [
                    firstConsumer,
                    {
                        ...firstConsumer,
                        name: "marketing",
                        accountId: "333333333333",
                        deployerPrincipalArns: ["arn:aws:iam::333333333333:role/deployer"],
                    },
                ]),
                "cross-account-rds:consumers[1].vpcCidr",
                /overlaps cross-account-rds:consumers\[0\]\.vpcCidr/,
            ));

        it("an unknown stackRole", () =>
            rejects(
                withKey(database, "cross-account-rds:stackRole", "primary"),
                "cross-account-rds:stackRole",
                /"database" or "consumer"/,
            ));

        it("a missing stackRole", () =>
            rejects(
                withKey(database, "cross-account-rds:stackRole", undefined),
                "cross-account-rds:stackRole",
                /missing value/,
            ));

        it("a missing region", () =>
            rejects(withKey(database, "aws:region", undefined), "aws:region", /missing value/));

        it("a missing allowed account list", () =>
            rejects(
                withKey(database, "aws:allowedAccountIds", undefined),
                "aws:allowedAccountIds",
                /exactly the one account/,
            ));

        it("a missing VPC CIDR", () =>
            rejects(
                withKey(consumer, "cross-account-rds:vpcCidr", undefined),
                "cross-account-rds:vpcCidr",
                /missing value/,
            ));

        it("a missing consumers list", () =>
            rejects(
                withKey(database, "cross-account-rds:consumers", undefined),
                "cross-account-rds:consumers",
                /non-empty list/,
            ));

        it("a missing database stack reference on a consumer", () =>
            rejects(
                withKey(consumer, "cross-account-rds:databaseStack", undefined),
                "cross-account-rds:databaseStack",
                /missing value/,
            ));

        it("a missing consumer name on a consumer", () =>
            rejects(
                withKey(consumer, "cross-account-rds:consumerName", undefined),
                "cross-account-rds:consumerName",
                /missing value/,
            ));

        it("a deployer principal that is not an IAM ARN", () =>
            rejects(
                withConsumer({ deployerPrincipalArns: ["pulumi-deployer"] }),
                "cross-account-rds:consumers[0].deployerPrincipalArns[0]",
                /not an IAM principal ARN/,
            ));

        it("a deployer principal of another account", () =>
            rejects(
                withConsumer({ deployerPrincipalArns: ["arn:aws:iam::333333333333:role/deployer"] }),
                "cross-account-rds:consumers[0].deployerPrincipalArns[0]",
                /belongs to account 333333333333, expected 222222225884/,
            ));

        it("a consumer in the database account itself", () =>
            rejects(
                withConsumer({ accountId: "111111112974" }),
                "cross-account-rds:consumers[0].accountId",
                /database account itself/,
            ));

        it("a key misspelt or meant for the other stack role", () =>
            rejects(
                withKey(consumer, "cross-account-rds:consumers", []),
                "cross-account-rds:consumers",
                /unknown key for stackRole "consumer"/,
            ));

        it("backups kept fewer than 7 days", () =>
            rejects(
                withKey(database, "cross-account-rds:backupRetentionDays", 1),
                "cross-account-rds:backupRetentionDays",
                /from 7 to 35/,
            ));

        it("a table name that is not an identifier", () =>
            rejects(
                withKey(consumer, "cross-account-rds:allowedTables", ["vegetables; DROP TABLE x"]),
                "cross-account-rds:allowedTables[0]",
                /not a table name/,
            ));
    });
});
