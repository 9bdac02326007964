// The stack configuration rules: every refusal names its full key and says why, every problem of a config
// is reported at once, and a refused config never declares a single resource. Values are what the Pulumi
// CLI hands the program ("namespace:key" → text, lists and objects as JSON), read from the shipped stack
// files through the same reader the offline plan uses.
import { cloud, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
    checkStackConfig,
    ConfigProblem,
    ConsumerStackConfig,
    DatabaseStackConfig,
    loadConfig,
    MASTER_USERNAME,
} from "../../infra/config";
import { program } from "../../infra/program";
import { PROJECT } from "../../infra/lib/constants";
import { isolatedSubnetPrefix } from "../../infra/lib/network";
import { formatProblem, readStackFile } from "../../infra/lib/stackFiles";

// The SDK's own way to wait until every registration has reached the mocks (plan/runStack uses it too).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const ROOT = path.join(__dirname, "..", "..");

type Values = Record<string, string>;
type Entry = Record<string, unknown>;

/** A shipped stack file's values, exactly as the CLI would hand them to the program. */
function stackValues(stack: string): Values {
    const read = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
    if (!read.ok) {
        throw new Error(read.problems.map((p) => formatProblem(read.file, p)).join("\n"));
    }
    return { ...read.stackFile.values };
}

const DATABASE = stackValues("dev");
const ENGINEERING = stackValues("engineering");
const ANALYTICS = stackValues("analytics");

/** `cross-account-rds:<name>`. */
const key = (name: string) => `${PROJECT}:${name}`;

/** `base` with keys set (text) or removed (undefined); names without a namespace are ours. */
function withValues(base: Values, changes: Record<string, string | undefined>): Values {
    const copy = { ...base };
    for (const [name, value] of Object.entries(changes)) {
        const full = name.includes(":") ? name : key(name);
        if (value === undefined) {
            delete copy[full];
        } else {
            copy[full] = value;
        }
    }
    return copy;
}

/** The shipped database stack's consumers[] entries (0: engineering, peering; 1: analytics, privatelink). */
function shippedEntries(): Entry[] {
    return JSON.parse(DATABASE[key("consumers")]) as Entry[];
}

/** The database stack with its consumers[] entries replaced. */
function withEntries(entries: Entry[], base: Values = DATABASE): Values {
    return withValues(base, { consumers: JSON.stringify(entries) });
}

/** The database stack with fields of consumers[index] set (or removed with undefined). */
function withEntry(index: number, fields: Entry, base: Values = DATABASE): Values {
    const entries = shippedEntries();
    const entry = { ...entries[index], ...fields };
    for (const [field, value] of Object.entries(fields)) {
        if (value === undefined) delete entry[field];
    }
    entries[index] = entry;
    return withEntries(entries, base);
}

function accepted(values: Values) {
    const check = checkStackConfig(values);
    if (!check.ok) {
        assert.fail(`expected the config to be accepted, got:\n${problemLines(check.problems)}`);
    }
    return check.config;
}

function acceptedDatabase(values: Values): DatabaseStackConfig {
    const config = accepted(values);
    assert.strictEqual(config.stackRole, "database");
    return config as DatabaseStackConfig;
}

function acceptedConsumer(values: Values): ConsumerStackConfig {
    const config = accepted(values);
    assert.strictEqual(config.stackRole, "consumer");
    return config as ConsumerStackConfig;
}

function problemsOf(values: Values): ConfigProblem[] {
    const check = checkStackConfig(values);
    assert.ok(!check.ok, "expected the config to be refused");
    return check.problems;
}

function problemLines(problems: readonly ConfigProblem[]): string {
    return problems.map((p) => `  ${p.key}: ${p.message}`).join("\n");
}

/** Asserts exactly one problem, for `expectedKey`, whose message matches `message`. */
function refuses(values: Values, expectedKey: string, message: RegExp): ConfigProblem {
    const problems = problemsOf(values);
    assert.deepStrictEqual(
        problems.map((p) => p.key),
        [expectedKey],
        `expected one problem naming ${expectedKey}, got:\n${problemLines(problems)}`,
    );
    assert.match(problems[0].message, message);
    return problems[0];
}

interface Refusal {
    /** The requirement, as a test name. */
    readonly requirement: string;
    readonly values: Values;
    /** The full key the one problem names. */
    readonly key: string;
    readonly message: RegExp;
}

const SYSTEM_SCHEMA = /is a system schema of MySQL\/RDS; granting SELECT on it exposes the server's own data/;
const UNKNOWN_FOR_CONSUMER =
    /^unknown key for stackRole "consumer"; expected one of stackRole, availabilityZoneCount, consumerName, databaseStack, /;
const UNKNOWN_FOR_DATABASE =
    /^unknown key for stackRole "database"; expected one of stackRole, availabilityZoneCount, vpcCidr, /;
const NOT_FULLY_QUALIFIED =
    /must name the stack fully: <org>\/cross-account-rds\/<stack> \(like my-org\/cross-account-rds\/dev\)/;
const QUOTE_IT =
    /^(111111112974|222222225884) is a number; quote the account id in YAML \("012345678901"\) so it stays 12 digits$/;
const RESERVED_USER = /is a user MySQL or RDS reserves for itself/;

/** Every refusal: checked by checkStackConfig here, and through the program under mocks below. */
const REFUSALS: readonly Refusal[] = [
    ...["mysql", "information_schema", "performance_schema", "sys"].map((schema) => ({
        requirement: `dbName ${schema} (a MySQL system schema) is refused`,
        values: withValues(DATABASE, { dbName: schema }),
        key: key("dbName"),
        message: SYSTEM_SCHEMA,
    })),
    {
        requirement: `readerUsername ${MASTER_USERNAME} (the RDS master user) is refused`,
        values: withValues(DATABASE, { readerUsername: MASTER_USERNAME }),
        key: key("readerUsername"),
        message:
            /"dbadmin" is the instance's master user; the bootstrap would reset its password and cut it to SELECT/,
    },
    {
        requirement: "readerUsername root is refused as reserved",
        values: withValues(DATABASE, { readerUsername: "root" }),
        key: key("readerUsername"),
        message: RESERVED_USER,
    },
    {
        requirement: "readerUsername rdsadmin is refused as reserved",
        values: withValues(DATABASE, { readerUsername: "rdsadmin" }),
        key: key("readerUsername"),
        message: RESERVED_USER,
    },
    {
        requirement: "readerUsername mysql.sys is refused as reserved",
        values: withValues(DATABASE, { readerUsername: "mysql.sys" }),
        key: key("readerUsername"),
        message: /^"mysql\.sys" is a user MySQL or RDS reserves for itself$/,
    },
    {
        requirement: "readerUsername of 33 characters is refused (MySQL user names are at most 32)",
        values: withValues(DATABASE, { readerUsername: "r".repeat(33) }),
        key: key("readerUsername"),
        message: /^is 33 characters; MySQL user names are at most 32$/,
    },
    {
        requirement: "logRetentionDays 2 (not a CloudWatch Logs retention) is refused",
        values: withValues(ENGINEERING, { logRetentionDays: "2" }),
        key: key("logRetentionDays"),
        message: /^2 is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, /,
    },
    {
        requirement: "databaseStack dev (not fully qualified) is refused",
        values: withValues(ENGINEERING, { databaseStack: "dev" }),
        key: key("databaseStack"),
        message: NOT_FULLY_QUALIFIED,
    },
    {
        requirement: "databaseStack org/dev (no project) is refused",
        values: withValues(ENGINEERING, { databaseStack: "org/dev" }),
        key: key("databaseStack"),
        message: NOT_FULLY_QUALIFIED,
    },
    {
        requirement: "databaseStack acme/other-project/dev (another project) is refused",
        values: withValues(ENGINEERING, { databaseStack: "acme/other-project/dev" }),
        key: key("databaseStack"),
        message:
            /names project "other-project"; the database stack belongs to this project: <org>\/cross-account-rds\/<stack>/,
    },
    {
        requirement: "region us-gov-west-1 is refused, naming the aws-us-gov partition",
        values: withValues(DATABASE, { "aws:region": "us-gov-west-1" }),
        key: "aws:region",
        message:
            /^us-gov-west-1 is in the aws-us-gov partition; this project builds ARNs, service principals and endpoints for the aws partition only/,
    },
    {
        requirement: "region cn-north-1 is refused, naming the aws-cn partition",
        values: withValues(ENGINEERING, { "aws:region": "cn-north-1" }),
        key: "aws:region",
        message:
            /^cn-north-1 is in the aws-cn partition; .* Use a region of the aws partition \(like us-east-1\)$/,
    },
    {
        requirement: "an allowed account id written as a number is refused, saying to quote it",
        values: withValues(DATABASE, { "aws:allowedAccountIds": "[111111112974]" }),
        key: "aws:allowedAccountIds[0]",
        message: QUOTE_IT,
    },
    {
        requirement: "a consumer's account id written as a number is refused, saying to quote it",
        values: withEntry(0, { accountId: 222222225884 }),
        key: key("consumers[0].accountId"),
        message: QUOTE_IT,
    },
    {
        requirement: "an unknown key of the database stack (a typo) is refused",
        values: withValues(DATABASE, { dbname: "fruits_veggies" }),
        key: key("dbname"),
        message: UNKNOWN_FOR_DATABASE,
    },
    {
        requirement: "an unknown key of a consumer stack (a typo) is refused",
        values: withValues(ENGINEERING, { maxrows: "10" }),
        key: key("maxrows"),
        message: UNKNOWN_FOR_CONSUMER,
    },
    {
        requirement: "an unknown field of a consumers[] entry is refused",
        values: withEntry(0, { vpcCIDR: "10.20.0.0/16" }),
        key: key("consumers[0].vpcCIDR"),
        message:
            /^unknown key in a consumers\[\] entry; expected one of name, accountId, network, vpcCidr, functionRoleName, deployerPrincipalArns, externalId, outsideOrganization, retiring$/,
    },
    ...["vpcCidr", "functionRoleName", "externalId"].map((name) => ({
        requirement: `a consumer stack's ${name} is refused as unknown (the database stack's record holds it)`,
        values: withValues(ENGINEERING, { [name]: name === "vpcCidr" ? "10.20.0.0/16" : "some-value-1" }),
        key: key(name),
        message: UNKNOWN_FOR_CONSUMER,
    })),
    {
        requirement: "a peering consumer whose CIDR overlaps the database's is refused, naming both keys",
        values: withEntry(0, { vpcCidr: "10.10.128.0/20" }),
        key: key("consumers[0].vpcCidr"),
        message:
            /^10\.10\.128\.0\/20 overlaps cross-account-rds:vpcCidr \(10\.10\.0\.0\/16\); peered VPCs need disjoint CIDR blocks; give this consumer a disjoint CIDR or set network: privatelink$/,
    },
    {
        requirement:
            "a peering consumer whose CIDR overlaps another peering consumer's is refused, naming both keys",
        values: withEntries([
            ...shippedEntries(),
            {
                name: "finance",
                accountId: "444444447135",
                network: "peering",
                vpcCidr: "10.20.64.0/24",
                deployerPrincipalArns: ["arn:aws:iam::444444447135:role/pulumi-deployer"],
            },
        ]),
        key: key("consumers[2].vpcCidr"),
        message: /^10\.20\.64\.0\/24 overlaps cross-account-rds:consumers\[0\]\.vpcCidr \(10\.20\.0\.0\/16\)/,
    },
    {
        requirement: "a peering consumer without deployerPrincipalArns is refused",
        values: withEntry(0, { deployerPrincipalArns: undefined }),
        key: key("consumers[0].deployerPrincipalArns"),
        message:
            /^a peering consumer needs the principals of account 222222225884 that deploy its stack \(they accept the peering\)$/,
    },
    {
        requirement: "a peering consumer with an empty deployerPrincipalArns is refused",
        values: withEntry(0, { deployerPrincipalArns: [] }),
        key: key("consumers[0].deployerPrincipalArns"),
        message: /^a peering consumer needs the principals of account 222222225884/,
    },
    {
        requirement: "a deployer principal of another account than the consumer's is refused",
        values: withEntry(0, { deployerPrincipalArns: ["arn:aws:iam::999999999999:role/pulumi-deployer"] }),
        key: key("consumers[0].deployerPrincipalArns[0]"),
        message: /belongs to account 999999999999, expected 222222225884$/,
    },
    {
        requirement: "a privatelink consumer with deployerPrincipalArns is refused",
        values: withEntry(1, { deployerPrincipalArns: ["arn:aws:iam::333333336021:role/pulumi-deployer"] }),
        key: key("consumers[1].deployerPrincipalArns"),
        message: /^a privatelink consumer has no peering to accept; remove deployerPrincipalArns$/,
    },
    {
        requirement: "a consumer name configured twice is refused",
        values: withEntry(1, { name: "engineering" }),
        key: key("consumers[1].name"),
        message: /^"engineering" is configured twice$/,
    },
    {
        requirement: "a consumer in the database account itself is refused",
        values: withEntry(0, {
            accountId: "111111112974",
            deployerPrincipalArns: ["arn:aws:iam::111111112974:role/pulumi-deployer"],
        }),
        key: key("consumers[0].accountId"),
        message: /^111111112974 is the database account itself; consumers must be other accounts$/,
    },
    {
        requirement: "a database stack's key of the consumer role with a non-default value is refused",
        values: withValues(DATABASE, { maxRows: "500" }),
        key: key("maxRows"),
        message: UNKNOWN_FOR_DATABASE,
    },
    {
        requirement: "a consumer stack's key of the database role with a non-default value is refused",
        values: withValues(ENGINEERING, { dbName: "other_db" }),
        key: key("dbName"),
        message: UNKNOWN_FOR_CONSUMER,
    },
    ...(["vpcCidr", "consumers"] as const).map((name) => ({
        requirement: `a database stack without ${name} is refused as missing`,
        values: withValues(DATABASE, { [name]: undefined }),
        key: key(name),
        message: /^missing; a database stack requires it$/,
    })),
    ...(["consumerName", "databaseStack"] as const).map((name) => ({
        requirement: `a consumer stack without ${name} is refused as missing`,
        values: withValues(ENGINEERING, { [name]: undefined }),
        key: key(name),
        message: /^missing; a consumer stack requires it$/,
    })),
    ...(["name", "accountId", "vpcCidr"] as const).map((field) => ({
        requirement: `a consumers[] entry without ${field} is refused as missing`,
        values: withEntry(0, { [field]: undefined }),
        key: key(`consumers[0].${field}`),
        message: /^missing; every consumers\[\] entry requires it$/,
    })),
];

describe("stack configuration (checkStackConfig)", () => {
    describe("the shipped stack files", () => {
        it("accepts Pulumi.dev.yaml as the database stack with a peering and a privatelink consumer", () => {
            const config = acceptedDatabase(DATABASE);
            assert.strictEqual(config.accountId, "111111112974");
            assert.strictEqual(config.region, "us-east-1");
            assert.strictEqual(config.vpcCidr, "10.10.0.0/16");
            assert.strictEqual(config.db.name, "fruits_veggies");
            assert.strictEqual(config.db.engineVersion, "8.4");
            assert.strictEqual(config.readerUsername, "veggie_reader");
            assert.deepStrictEqual(
                config.consumers.map((c) => [c.name, c.accountId, c.network, c.vpcCidr, c.functionRoleArn]),
                [
                    [
                        "engineering",
                        "222222225884",
                        "peering",
                        "10.20.0.0/16",
                        "arn:aws:iam::222222225884:role/cross-account-rds-engineering-fetch-rows",
                    ],
                    [
                        "analytics",
                        "333333336021",
                        "privatelink",
                        "10.10.0.0/16",
                        "arn:aws:iam::333333336021:role/cross-account-rds-analytics-fetch-rows",
                    ],
                ],
            );
            assert.deepStrictEqual(config.consumers[0].deployerPrincipalArns, [
                "arn:aws:iam::222222225884:role/pulumi-deployer",
            ]);
            assert.deepStrictEqual(config.consumers[1].deployerPrincipalArns, []);
            for (const consumer of config.consumers) {
                assert.strictEqual(consumer.outsideOrganization, false);
                assert.strictEqual(consumer.retiring, false);
                assert.strictEqual(consumer.externalId, undefined);
            }
        });

        it("accepts Pulumi.engineering.yaml as a consumer stack naming the database stack fully", () => {
            const config = acceptedConsumer(ENGINEERING);
            assert.strictEqual(config.accountId, "222222225884");
            assert.strictEqual(config.consumerName, "engineering");
            assert.strictEqual(config.databaseStack, "organization/cross-account-rds/dev");
            assert.deepStrictEqual(config.fn, {
                allowedTables: ["vegetables"],
                maxRows: 1000,
                timeoutSeconds: 15,
                memoryMb: 256,
                logRetentionDays: 30,
            });
        });

        it("accepts Pulumi.analytics.yaml as a consumer stack with its own row cap and retention", () => {
            const config = acceptedConsumer(ANALYTICS);
            assert.strictEqual(config.accountId, "333333336021");
            assert.strictEqual(config.consumerName, "analytics");
            assert.strictEqual(config.fn.maxRows, 500);
            assert.strictEqual(config.fn.logRetentionDays, 90);
        });
    });

    describe("each refusal names its full key and says why", () => {
        for (const refusal of REFUSALS) {
            it(refusal.requirement, () => {
                refuses(refusal.values, refusal.key, refusal.message);
            });
        }
    });

    describe("the limits' other side is accepted", () => {
        it("accepts a readerUsername of exactly 32 characters", () => {
            assert.strictEqual(
                acceptedDatabase(withValues(DATABASE, { readerUsername: "r".repeat(32) })).readerUsername,
                "r".repeat(32),
            );
        });

        it("accepts logRetentionDays 30", () => {
            const config = acceptedConsumer(withValues(ANALYTICS, { logRetentionDays: "30" }));
            assert.strictEqual(config.fn.logRetentionDays, 30);
        });

        it("accepts a privatelink consumer whose CIDR overlaps the database's and a peering consumer's", () => {
            const config = acceptedDatabase(withEntry(1, { vpcCidr: "10.20.0.0/24" }));
            assert.strictEqual(config.consumers[1].network, "privatelink");
            assert.strictEqual(config.consumers[1].vpcCidr, "10.20.0.0/24");
            const same = acceptedDatabase(withEntry(1, { vpcCidr: "10.10.0.0/16" }));
            assert.strictEqual(same.consumers[1].vpcCidr, same.vpcCidr);
        });

        it("turns the same overlapping entry into a refusal when it asks for peering", () => {
            refuses(
                withEntry(1, {
                    network: "peering",
                    deployerPrincipalArns: ["arn:aws:iam::333333336021:role/pulumi-deployer"],
                }),
                key("consumers[1].vpcCidr"),
                /overlaps cross-account-rds:vpcCidr \(10\.10\.0\.0\/16\)/,
            );
        });

        it("takes a consumer entry without network as peering", () => {
            const config = acceptedDatabase(withEntry(0, { network: undefined }));
            assert.strictEqual(config.consumers[0].network, "peering");
        });
    });

    describe("keys the CLI injects from Pulumi.yaml into every stack", () => {
        it("ignores a consumer-role key holding its Pulumi.yaml default in the database stack", () => {
            assert.strictEqual(DATABASE[key("maxRows")], "1000", "the reader injects the declared default");
            acceptedDatabase(
                withValues(DATABASE, {
                    maxRows: "1000",
                    allowedTables: '["vegetables"]',
                    logRetentionDays: "30",
                    functionMemoryMb: "256",
                }),
            );
        });

        it("ignores a database-role key holding its Pulumi.yaml default in a consumer stack", () => {
            assert.strictEqual(
                ENGINEERING[key("dbName")],
                "fruits_veggies",
                "the reader injects the declared default",
            );
            acceptedConsumer(withValues(ENGINEERING, { dbName: "fruits_veggies", dbEngineVersion: "8.4" }));
        });
    });

    describe("every problem of a config is reported at once", () => {
        it("reports each bad key of a database stack, each naming its key", () => {
            const problems = problemsOf(
                withValues(DATABASE, {
                    "aws:region": "cn-north-1",
                    dbName: "mysql",
                    readerUsername: "root",
                    backupRetentionDays: "1",
                    dbname: "typo",
                }),
            );
            assert.deepStrictEqual(problems.map((p) => p.key).sort(), [
                "aws:region",
                key("backupRetentionDays"),
                key("dbName"),
                key("dbname"),
                key("readerUsername"),
            ]);
        });

        it("reports a cross-entry problem (duplicate name) alongside an invalid key", () => {
            const values = withValues(withEntry(1, { name: "engineering" }), {
                dbName: "information_schema",
                "aws:region": "us-gov-west-1",
            });
            assert.deepStrictEqual(
                problemsOf(values).map((p) => p.key),
                ["aws:region", key("dbName"), key("consumers[1].name")],
            );
        });

        it("reports each bad key of a consumer stack", () => {
            const problems = problemsOf(
                withValues(ENGINEERING, {
                    databaseStack: "dev",
                    logRetentionDays: "2",
                    functionMemoryMb: "64",
                    vpcCidr: "10.20.0.0/16",
                }),
            );
            assert.deepStrictEqual(problems.map((p) => p.key).sort(), [
                key("databaseStack"),
                key("functionMemoryMb"),
                key("logRetentionDays"),
                key("vpcCidr"),
            ]);
        });
    });

    describe("external ids", () => {
        const EXTERNAL_ID = "ext-7f3a9c2e41";

        it("hands a consumer's external id on as a Pulumi secret, whether or not it was set with --secret", async () => {
            const config = acceptedDatabase(withEntry(0, { externalId: EXTERNAL_ID }));
            const externalId = config.consumers[0].externalId;
            assert.ok(externalId !== undefined);
            assert.strictEqual(await pulumi.isSecret(externalId), true);
            assert.strictEqual(await promiseOf(externalId), EXTERNAL_ID);
            assert.strictEqual(config.consumers[1].externalId, undefined);
        });

        // Values that cannot occur in the message by chance.
        for (const bad of ["q", "has spaces in it", "Q".repeat(1225), 4815162342]) {
            const shown =
                typeof bad === "string" && bad.length > 20
                    ? `of ${bad.length} characters`
                    : JSON.stringify(bad);
            it(`refuses the external id ${shown} without echoing it`, () => {
                const problem = refuses(
                    withEntry(0, { externalId: bad }),
                    key("consumers[0].externalId"),
                    /^is not a valid external id \(2 to 1224 of /,
                );
                assert.ok(!problem.message.includes(String(bad)), "the message must not echo the value");
            });
        }

        it("never shows a valid external id in the problems of an otherwise invalid config", () => {
            const values = withValues(withEntry(0, { externalId: EXTERNAL_ID, vpcCidr: "10.10.0.0/24" }), {
                dbName: "mysql",
            });
            const problems = problemsOf(values);
            assert.strictEqual(problems.length, 2);
            assert.ok(!JSON.stringify(problems).includes(EXTERNAL_ID));
        });

        it("never shows an external id set in a consumer stack, where it is an unknown key", () => {
            const problem = refuses(
                withValues(ENGINEERING, { externalId: EXTERNAL_ID }),
                key("externalId"),
                UNKNOWN_FOR_CONSUMER,
            );
            assert.ok(!problem.message.includes(EXTERNAL_ID));
        });
    });

    describe("subnet sizing", () => {
        // The database config admits VPCs of /16 to /24 and 2 to 6 zones.
        const PREFIXES = { min: 16, max: 24 };
        const ZONES = { min: 2, max: 6 };

        it("gives every VPC size and zone count the database config accepts isolated subnets that fit", () => {
            for (let prefix = PREFIXES.min; prefix <= PREFIXES.max; prefix++) {
                for (let zones = ZONES.min; zones <= ZONES.max; zones++) {
                    const at = `/${prefix} with ${zones} zones`;
                    const config = acceptedDatabase(
                        withValues(DATABASE, {
                            vpcCidr: `10.10.0.0/${prefix}`,
                            availabilityZoneCount: String(zones),
                        }),
                    );
                    assert.strictEqual(config.availabilityZoneCount, zones, at);
                    const subnet = isolatedSubnetPrefix({
                        cidrBlock: config.vpcCidr,
                        availabilityZoneCount: zones,
                    });
                    assert.ok(subnet <= 28, at);
                    assert.ok(
                        zones * 2 ** (32 - subnet) <= 2 ** (32 - prefix),
                        `${at}: the subnets fit the VPC`,
                    );
                }
            }
        });

        it("refuses a VPC size or zone count just outside those ranges, naming the range", () => {
            for (const vpcCidr of [`10.0.0.0/${PREFIXES.min - 1}`, `10.10.0.0/${PREFIXES.max + 1}`]) {
                refuses(
                    withValues(DATABASE, { vpcCidr }),
                    key("vpcCidr"),
                    /must have a prefix between \/16 and \/24$/,
                );
            }
            for (const zones of [ZONES.min - 1, ZONES.max + 1]) {
                refuses(
                    withValues(DATABASE, { availabilityZoneCount: String(zones) }),
                    key("availabilityZoneCount"),
                    /must be a whole number from 2 to 6$/,
                );
            }
        });
    });
});

describe("a refused config never declares a resource (the program under Pulumi mocks)", () => {
    let saved: Values;

    beforeEach(() => {
        saved = pulumi.runtime.allConfig();
    });

    afterEach(() => {
        pulumi.runtime.setAllConfig(saved);
    });

    /** Resources the mocks saw registered while `run` ran, after every registration settled. */
    async function registrationsDuring(run: () => Promise<unknown>): Promise<number> {
        await settings.waitForRPCs();
        const before = cloud.resources.length;
        try {
            await run();
        } finally {
            await settings.waitForRPCs();
        }
        return cloud.resources.length - before;
    }

    it("counts a declared resource (the measurement the refusals rely on)", async () => {
        pulumi.runtime.setAllConfig(DATABASE);
        const count = await registrationsDuring(async () => {
            new random.RandomId("config-test-control", { byteLength: 4 });
        });
        assert.strictEqual(count, 1);
    });

    it("reads the shipped database stack through pulumi.Config into the same config checkStackConfig gives", () => {
        pulumi.runtime.setAllConfig(DATABASE);
        const config = loadConfig();
        assert.strictEqual(config.stackRole, "database");
        assert.deepStrictEqual(
            (config as DatabaseStackConfig).consumers.map((c) => c.name),
            ["engineering", "analytics"],
        );
    });

    for (const refusal of REFUSALS) {
        it(`${refusal.requirement}: a RunError naming the key, zero resources`, async () => {
            pulumi.runtime.setAllConfig(refusal.values);
            let refused: unknown;
            const count = await registrationsDuring(async () => {
                refused = await program().then(
                    () => undefined,
                    (err: unknown) => err,
                );
            });
            assert.ok(pulumi.RunError.isInstance(refused), `expected a RunError, got ${String(refused)}`);
            assert.ok(
                refused.message.includes(`\n${refusal.key}: `),
                `expected the error to name ${refusal.key}: ${refused.message}`,
            );
            assert.strictEqual(count, 0, "no resource may be declared");
        });
    }

    it("lists every problem in the one RunError", () => {
        pulumi.runtime.setAllConfig(withValues(DATABASE, { dbName: "sys", readerUsername: "rdsadmin" }));
        assert.throws(
            () => loadConfig(),
            (err: Error) =>
                pulumi.RunError.isInstance(err) &&
                err.message ===
                    "Invalid stack configuration:\n" +
                        `${key("dbName")}: "sys" is a system schema of MySQL/RDS; granting SELECT on it exposes the server's own data (user accounts and password hashes)\n` +
                        `${key("readerUsername")}: "rdsadmin" is a user MySQL or RDS reserves for itself`,
        );
    });

    it("keeps an external id set with --secret a secret, and out of the RunError when the config is refused", async () => {
        const externalId = "ext-secret-5d1c";
        const values = withEntry(0, { externalId });
        pulumi.runtime.setAllConfig(values, [key("consumers")]);
        const config = loadConfig() as DatabaseStackConfig;
        assert.strictEqual(await pulumi.isSecret(config.consumers[0].externalId!), true);

        pulumi.runtime.setAllConfig(withValues(values, { dbName: "mysql" }), [key("consumers")]);
        assert.throws(
            () => loadConfig(),
            (err: Error) => pulumi.RunError.isInstance(err) && !err.message.includes(externalId),
        );
    });
});
