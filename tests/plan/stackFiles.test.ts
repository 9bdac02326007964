import * as assert from "assert";
import * as path from "path";
import {
    formatProblem,
    parseProjectFile,
    readProjectFile,
    parseStackFile,
    readStackFile,
    StackFile,
    StackFileProblem,
    stackFilesIn,
} from "../../infra/lib/stackFiles";
import { ROOT } from "../support/stacks";

const FILE = "Pulumi.dev.yaml";

function read(config: string): StackFile {
    const result = parseStackFile(`config:\n${config}`, FILE);
    if (!result.ok) {
        assert.fail(`expected the file to be read, got: ${result.problems.map((p) => p.message).join("; ")}`);
    }
    return result.stackFile;
}

function problems(config: string): StackFileProblem[] {
    const result = parseStackFile(`config:\n${config}`, FILE);
    assert.ok(!result.ok, "expected the file to be refused");
    return [...result.problems];
}

describe("stack files read the way the Pulumi CLI reads them", () => {
    describe("values reach the program as the CLI hands them over", () => {
        /** A stack file's config lines and every value the program gets from them. */
        const readings: ReadonlyArray<{
            readonly requirement: string;
            readonly lines: readonly string[];
            readonly values: Record<string, string>;
        }> = [
            {
                requirement: "gives scalars as text, numbers as the CLI's YAML parser reads them",
                lines: [
                    "  cross-account-rds:dbEngineVersion: 8.4",
                    "  cross-account-rds:trailingZero: 8.40",
                    "  cross-account-rds:maxRows: 1e3",
                    "  cross-account-rds:quoted: '1e3'",
                    "  cross-account-rds:hex: 0x10",
                    "  cross-account-rds:seedSampleRows: yes",
                    "  cross-account-rds:off: Off",
                    "  cross-account-rds:date: 2024-01-01",
                    "  cross-account-rds:big: 18446744073709551615",
                    "  cross-account-rds:empty:",
                ],
                values: {
                    "cross-account-rds:dbEngineVersion": "8.4",
                    "cross-account-rds:trailingZero": "8.4",
                    "cross-account-rds:maxRows": "1000",
                    "cross-account-rds:quoted": "1e3",
                    "cross-account-rds:hex": "16",
                    "cross-account-rds:seedSampleRows": "true",
                    "cross-account-rds:off": "false",
                    "cross-account-rds:date": "2024-01-01",
                    "cross-account-rds:big": "18446744073709551615",
                    "cross-account-rds:empty": "",
                },
            },
            {
                requirement:
                    "turns an unquoted account id with a leading zero into the number the CLI would pass",
                lines: ["  aws:allowedAccountIds:", "    - 012345678901", "    - '012345678901'"],
                values: { "aws:allowedAccountIds": '[12345678901,"012345678901"]' },
            },
            {
                requirement:
                    "gives lists and objects as JSON text with object keys sorted, as Go writes them",
                lines: [
                    "  cross-account-rds:consumers:",
                    "    - name: engineering",
                    "      accountId: '222222225884'",
                    "      vpcCidr: 10.20.0.0/16",
                    "      retiring: false",
                    "      port: 3306",
                ],
                values: {
                    "cross-account-rds:consumers":
                        '[{"accountId":"222222225884","name":"engineering","port":3306,"retiring":false,"vpcCidr":"10.20.0.0/16"}]',
                },
            },
            {
                requirement: "accepts the CLI's old `<namespace>:config:<name>` form as `<namespace>:<name>`",
                lines: ["  cross-account-rds:config:vpcCidr: 10.10.0.0/16"],
                values: { "cross-account-rds:vpcCidr": "10.10.0.0/16" },
            },
            {
                requirement: "follows YAML anchors and merge keys",
                lines: [
                    "  cross-account-rds:base: &base { a: 1, b: 2 }",
                    "  cross-account-rds:derived: { <<: *base, b: 3 }",
                ],
                values: {
                    "cross-account-rds:base": '{"a":1,"b":2}',
                    "cross-account-rds:derived": '{"a":1,"b":3}',
                },
            },
        ];

        for (const { requirement, lines, values } of readings) {
            it(requirement, () => {
                assert.deepStrictEqual(read(lines.join("\n")).values, values);
            });
        }
    });

    describe("secure values", () => {
        const CIPHERTEXT = "v1:c2VjcmV0LWNpcGhlcnRleHQ=:AAAABBBBCCCC";

        it("are never decrypted: the program gets a placeholder and the key is marked secret", () => {
            const file = read(`  cross-account-rds:externalId:\n    secure: ${CIPHERTEXT}`);
            const value = file.values["cross-account-rds:externalId"];
            assert.deepStrictEqual(file.secretKeys, ["cross-account-rds:externalId"]);
            assert.deepStrictEqual(file.placeholders, [value]);
            assert.match(value, /^secret_placeholder_[0-9a-f]{12}$/);
            assert.ok(!JSON.stringify(file).includes(CIPHERTEXT), "the ciphertext goes nowhere");
        });

        it("inside a list make the whole key secret, with the placeholder in its JSON", () => {
            const file = read(
                [
                    "  cross-account-rds:consumers:",
                    "    - name: analytics",
                    "      externalId:",
                    `        secure: ${CIPHERTEXT}`,
                ].join("\n"),
            );
            assert.deepStrictEqual(file.secretKeys, ["cross-account-rds:consumers"]);
            assert.deepStrictEqual(JSON.parse(file.values["cross-account-rds:consumers"]), [
                { externalId: file.placeholders[0], name: "analytics" },
            ]);
        });
    });

    describe("refusals name the file and the key, all at once", () => {
        it("refuses a key without a namespace in the CLI's words, with the fix", () => {
            const [problem] = problems("  vpcCidr: 10.10.0.0/16");
            assert.strictEqual(
                formatProblem(FILE, problem),
                "Pulumi.dev.yaml: vpcCidr: could not parse vpcCidr as a configuration key " +
                    "(configuration keys should be of the form `<namespace>:<name>`); write cross-account-rds:vpcCidr",
            );
        });

        it("refuses an unknown namespace and suggests ours", () => {
            const [problem] = problems("  cross-acount-rds:vpcCidr: 10.10.0.0/16");
            assert.strictEqual(problem.key, "cross-acount-rds:vpcCidr");
            assert.match(
                problem.message,
                /unknown namespace "cross-acount-rds": did you mean cross-account-rds:\?/,
            );
            assert.match(problems("  db:vpcCidr: x")[0].message, /did you mean cross-account-rds:\?/);
            assert.match(problems("  asw:region: us-east-1")[0].message, /did you mean aws:\?/);
        });

        it("refuses a key with too many colons", () => {
            assert.match(problems("  a:b:c: x")[0].message, /could not parse a:b:c as a configuration key/);
        });

        it("refuses a key set twice, which the CLI would silently resolve", () => {
            const [problem] = problems("  aws:region: us-east-1\n  aws:region: eu-west-1");
            assert.strictEqual(problem.key, "aws:region");
            assert.match(problem.message, /is set twice \(lines 2 and 3\)/);
        });

        it("refuses a value the CLI cannot hand over", () => {
            const [problem] = problems("  cross-account-rds:maxRows: .nan");
            assert.strictEqual(problem.key, "cross-account-rds:maxRows");
        });

        it("reports every problem of the file in one go", () => {
            const found = problems(
                ["  vpcCidr: 10.10.0.0/16", "  cross-acount-rds:dbName: x", "  aws:region: us-east-1"].join(
                    "\n",
                ),
            );
            assert.deepStrictEqual(
                found.map((p) => p.key),
                ["vpcCidr", "cross-acount-rds:dbName"],
            );
        });

        it("reports invalid YAML with its line", () => {
            const result = parseStackFile("config:\n  aws:region: [us-east-1\n", FILE);
            assert.ok(!result.ok);
            assert.match(result.problems[0].message, /^invalid YAML at line \d+/);
        });

        it("refuses a file not named Pulumi.<stack>.yaml, and a missing file", () => {
            assert.ok(!parseStackFile("config: {}", "dev.yaml").ok);
            const missing = readStackFile(path.join(ROOT, "Pulumi.nowhere.yaml"));
            assert.ok(!missing.ok && missing.problems[0].message === "no such file");
        });
    });

    it("reads every shipped stack file of the repository", () => {
        const files = stackFilesIn(ROOT);
        assert.ok(files.map((f) => path.basename(f)).includes("Pulumi.dev.yaml"));
        assert.ok(!files.map((f) => path.basename(f)).includes("Pulumi.yaml"));
        for (const file of files) {
            const result = readStackFile(file);
            assert.ok(
                result.ok,
                `${file}: ${result.ok ? "" : result.problems.map((p) => p.message).join("; ")}`,
            );
            assert.strictEqual(result.stackFile.stack, /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))![1]);
        }
        const dev = readStackFile(path.join(ROOT, "Pulumi.dev.yaml"));
        assert.ok(dev.ok);
        assert.strictEqual(dev.stackFile.values["aws:allowedAccountIds"], '["111111112974"]');
    });
});

describe("the project file's config applies to every stack as the CLI applies it", () => {
    const PROJECT_FILE = [
        "name: cross-account-rds",
        "runtime: nodejs",
        "config:",
        "  cross-account-rds:stackRole:",
        "    type: string",
        "  cross-account-rds:availabilityZoneCount:",
        "    type: integer",
        "    default: 2",
        "  cross-account-rds:allowedTables:",
        "    type: array",
        "    items:",
        "      type: string",
        "    default: [vegetables]",
        "  seedSampleRows: false",
        "  aws:region: us-east-1",
    ].join("\n");

    function project(text = PROJECT_FILE) {
        const result = parseProjectFile(text, "Pulumi.yaml");
        assert.ok(result.ok, result.ok ? "" : result.problems.map((p) => p.message).join("; "));
        return result.project;
    }

    it("fills absent keys from defaults and values, keeps what the stack sets", () => {
        const result = parseStackFile(
            "config:\n  cross-account-rds:stackRole: database\n  cross-account-rds:availabilityZoneCount: 3\n",
            FILE,
            project(),
        );
        assert.ok(result.ok);
        assert.deepStrictEqual(result.stackFile.values, {
            "cross-account-rds:stackRole": "database",
            "cross-account-rds:availabilityZoneCount": "3",
            "cross-account-rds:allowedTables": '["vegetables"]',
            "cross-account-rds:seedSampleRows": "false",
            "aws:region": "us-east-1",
        });
    });

    it("requires every key of ours declared without a default, in the CLI's words", () => {
        const result = parseStackFile("config:\n  aws:region: us-east-1\n", FILE, project());
        assert.ok(!result.ok);
        assert.deepStrictEqual(
            result.problems.map((p) => formatProblem(FILE, p)),
            [
                "Pulumi.dev.yaml: cross-account-rds:stackRole: Stack 'dev' is missing configuration value " +
                    "'cross-account-rds:stackRole' (Pulumi.yaml declares it without a default, so the Pulumi CLI " +
                    "requires it in every stack)",
            ],
        );
    });

    it("checks declared types as the CLI does: integer text, boolean text, typed list items", () => {
        const result = parseStackFile(
            [
                "config:",
                "  cross-account-rds:stackRole: database",
                "  cross-account-rds:availabilityZoneCount: 2.5",
                "  cross-account-rds:allowedTables: [vegetables, 7]",
            ].join("\n"),
            FILE,
            project(),
        );
        assert.ok(!result.ok);
        assert.deepStrictEqual(
            result.problems.map((p) => p.message),
            [
                "Stack 'dev' with configuration key 'cross-account-rds:allowedTables' must be of type 'array<string>'",
                "Stack 'dev' with configuration key 'cross-account-rds:availabilityZoneCount' must be of type 'integer'",
            ],
        );
        const fine = parseStackFile(
            "config:\n  cross-account-rds:stackRole: x\n  cross-account-rds:availabilityZoneCount: 1e1\n",
            FILE,
            project(),
        );
        assert.ok(fine.ok, '1e1 reaches the program as "10", an integer');
    });

    it("refuses a project file the CLI refuses", () => {
        const result = parseProjectFile(
            "name: cross-account-rds\nconfig:\n  cross-account-rds:list:\n    type: array\n  aws:region:\n    type: string\n",
            "Pulumi.yaml",
        );
        assert.ok(!result.ok);
        assert.deepStrictEqual(
            result.problems.map((p) => formatProblem(FILE, p)),
            [
                "Pulumi.yaml: cross-account-rds:list: The configuration key 'cross-account-rds:list' declares an " +
                    "array but does not specify the underlying type via the 'items' attribute",
                "Pulumi.yaml: aws:region: Configuration key 'aws:region' is not namespaced by the project and " +
                    "should not define a type",
            ],
        );
    });

    it("is read from the Pulumi.yaml next to a stack file", () => {
        const result = readStackFile(path.join(ROOT, "Pulumi.dev.yaml"));
        const shipped = readProjectFile(path.join(ROOT, "Pulumi.yaml"));
        assert.ok(shipped.ok);
        assert.ok(
            result.ok ||
                result.problems.every((p) => /Pulumi\.yaml declares it|must be of type/.test(p.message)),
        );
    });
});
