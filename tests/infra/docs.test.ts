// The configuration is written down in three places: the program's schema (infra/config.ts), Pulumi.yaml's
// declarations (types and defaults the CLI injects into every stack) and the README's tables. These tests
// keep the three in agreement, so none of them can drift without a failing test.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { checkStackConfig, CONFIG_KEYS, CONSUMER_ENTRY_FIELDS, StackConfig } from "../../infra/config";
import { DATABASE_EXPORT_NAMES } from "../../infra/contract";
import { PROJECT } from "../../infra/lib/constants";
import { formatProblem, readStackFile } from "../../infra/lib/stackFiles";

const ROOT = path.join(__dirname, "..", "..");

type Role = "database" | "consumer";
type Values = Record<string, string>;

interface Declaration {
    readonly type?: string;
    readonly default?: unknown;
    readonly description?: string;
}

/** Pulumi.yaml's `config:` declarations, by key without the namespace. */
const DECLARED: ReadonlyMap<string, Declaration> = new Map(
    Object.entries(
        (
            parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
                config: Record<string, Declaration>;
            }
        ).config,
    ).map(([key, declaration]) => {
        assert.ok(
            key.startsWith(`${PROJECT}:`),
            `Pulumi.yaml declares ${key} outside the ${PROJECT} namespace`,
        );
        return [key.slice(PROJECT.length + 1), declaration];
    }),
);

/** Keys Pulumi.yaml gives a default: the ones the CLI injects into every stack. */
const DEFAULTED = [...DECLARED].filter(([, d]) => d.default !== undefined).map(([name]) => name);

/** A default as the CLI hands it to the program: scalars as text, lists as JSON. */
function cliText(value: unknown): string {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const key = (name: string) => `${PROJECT}:${name}`;

function stackValues(stack: string): Values {
    const read = readStackFile(path.join(ROOT, `Pulumi.${stack}.yaml`));
    if (!read.ok) {
        throw new Error(read.problems.map((p) => formatProblem(read.file, p)).join("\n"));
    }
    return { ...read.stackFile.values };
}

const SHIPPED: Record<Role, Values> = { database: stackValues("dev"), consumer: stackValues("engineering") };

function accepted(values: Values): StackConfig {
    const check = checkStackConfig(values);
    if (!check.ok) {
        assert.fail(check.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    }
    return check.config;
}

function without(values: Values, names: readonly string[]): Values {
    const copy = { ...values };
    for (const name of names) delete copy[key(name)];
    return copy;
}

/** The role's keys a stack must set: removing one from the shipped stack is refused as missing. */
function requiredKeys(role: Role): string[] {
    return CONFIG_KEYS[role].filter((name) => {
        const check = checkStackConfig(without(SHIPPED[role], [name]));
        if (check.ok) {
            return false;
        }
        assert.deepStrictEqual(
            check.problems.map((p) => p.key),
            [key(name)],
            `removing ${name} from the ${role} stack should be refused for that key only`,
        );
        assert.match(check.problems[0].message, /^missing/);
        return true;
    });
}

/** The shipped stack with every defaulted key removed: only what the role requires. */
function minimal(role: Role): Values {
    return without(SHIPPED[role], DEFAULTED);
}

// --- The README's tables -------------------------------------------------------------------------

interface Row {
    readonly name: string;
    readonly cells: readonly string[];
}

const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The text of the `## <title>` section. */
function section(title: string): string {
    const start = README.indexOf(`\n## ${title}\n`);
    assert.ok(start >= 0, `README has a "## ${title}" section`);
    const end = README.indexOf("\n## ", start + 1);
    return README.slice(start, end < 0 ? undefined : end);
}

/** Rows of the first table under the `### <heading>` of `text`, keyed by the first cell's `code`. */
function tableUnder(text: string, heading: string): Row[] {
    const start = text.indexOf(`\n### ${heading}\n`);
    assert.ok(start >= 0, `README has "### ${heading}"`);
    const end = text.indexOf("\n### ", start + 1);
    return tableRows(text.slice(start, end < 0 ? undefined : end)).map((cells) => {
        const name = /^`([^`]+)`$/.exec(cells[0]);
        assert.ok(name, `the first cell names one key in code: ${cells.join(" | ")}`);
        return { name: name[1], cells };
    });
}

/** The cells of each row of the first Markdown table of `text` (header and separator skipped). */
function tableRows(text: string): string[][] {
    const lines = text.split("\n");
    const first = lines.findIndex((line) => line.startsWith("|"));
    assert.ok(first >= 0, "a table follows");
    const rows: string[][] = [];
    for (const line of lines.slice(first + 2)) {
        if (!line.startsWith("|")) break;
        const cells = line
            .slice(1, -1)
            .split("|")
            .map((cell) => cell.trim());
        rows.push(cells);
    }
    return rows;
}

const CONFIGURATION = section("Configuration");
const TABLES = {
    both: tableUnder(CONFIGURATION, "Both stacks"),
    database: tableUnder(CONFIGURATION, "Database stack (`stackRole: database`)"),
    consumer: tableUnder(CONFIGURATION, "Consumer stack (`stackRole: consumer`)"),
    entry: tableUnder(CONFIGURATION, "Each `consumers[]` entry"),
};

/** The README's keys of a role: its own table plus the `cross-account-rds:` keys of "Both stacks". */
function readmeKeys(role: Role): string[] {
    return [...TABLES.both.filter((row) => !row.name.startsWith("aws:")), ...TABLES[role]].map(
        (row) => row.name,
    );
}

const sorted = (names: readonly string[]) => [...names].sort();

describe("the configuration's documentation matches the program", () => {
    describe("README ## Configuration", () => {
        for (const role of ["database", "consumer"] as const) {
            it(`lists exactly the ${role} stack's keys (CONFIG_KEYS.${role}), each once`, () => {
                const names = readmeKeys(role);
                assert.strictEqual(
                    new Set(names).size,
                    names.length,
                    `a key listed twice: ${names.join(", ")}`,
                );
                assert.deepStrictEqual(sorted(names), sorted(CONFIG_KEYS[role]));
            });
        }

        it("lists exactly the fields of a consumers[] entry (CONSUMER_ENTRY_FIELDS)", () => {
            assert.deepStrictEqual(
                sorted(TABLES.entry.map((row) => row.name)),
                sorted(CONSUMER_ENTRY_FIELDS),
            );
        });

        it("lists the aws: keys every stack needs, as required", () => {
            const aws = TABLES.both.filter((row) => row.name.startsWith("aws:"));
            assert.deepStrictEqual(
                aws.map((row) => [row.name, row.cells[1]]),
                [
                    ["aws:region", "yes"],
                    ["aws:allowedAccountIds", "yes"],
                ],
            );
        });

        it("shows Pulumi.yaml's default for every optional key, and marks exactly the required keys required", () => {
            for (const row of [...TABLES.both, ...TABLES.database, ...TABLES.consumer]) {
                const declared = DECLARED.get(row.name);
                const [, required, fallback] = row.cells;
                if (declared?.default !== undefined) {
                    assert.strictEqual(required, "no", `${row.name} has a default`);
                    assert.strictEqual(fallback, `\`${cliText(declared.default)}\``, `${row.name}'s default`);
                } else {
                    assert.strictEqual(required, "yes", `${row.name} has no default`);
                    assert.strictEqual(fallback, "", `${row.name} shows no default`);
                }
            }
        });

        it("documents the secret way to set an external id", () => {
            assert.ok(
                CONFIGURATION.includes("pulumi config set --secret --path 'consumers[0].externalId' <id>"),
            );
        });
    });

    describe("README ## Stack outputs", () => {
        it("lists every output of the database stack's contract, plus bootstrapResult for operators", () => {
            const rows = tableRows(section("Stack outputs"));
            const names = rows.flatMap((cells) => [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
            assert.deepStrictEqual(sorted(names), sorted([...DATABASE_EXPORT_NAMES, "bootstrapResult"]));
        });
    });

    describe("Pulumi.yaml", () => {
        it("declares only keys the program knows, each with the role(s) it belongs to", () => {
            for (const [name, declaration] of DECLARED) {
                const roles = (["database", "consumer"] as const).filter((role) =>
                    CONFIG_KEYS[role].includes(name),
                );
                assert.ok(roles.length > 0, `Pulumi.yaml declares ${name}, which no stack role knows`);
                const expected =
                    roles.length === 2
                        ? "Both roles."
                        : roles[0] === "database"
                          ? "Database role."
                          : "Consumer role.";
                assert.ok(
                    declaration.description?.startsWith(expected),
                    `${name}'s description starts with "${expected}"`,
                );
            }
        });

        it("declares a default for exactly the keys no stack must set", () => {
            const required = [...new Set([...requiredKeys("database"), ...requiredKeys("consumer")])];
            assert.deepStrictEqual(sorted(required), [
                "consumerName",
                "consumers",
                "databaseStack",
                "stackRole",
                "vpcCidr",
            ]);
            const optional = new Set(
                [...CONFIG_KEYS.database, ...CONFIG_KEYS.consumer].filter((name) => !required.includes(name)),
            );
            assert.deepStrictEqual(sorted(DEFAULTED), sorted([...optional]));
            // stackRole is declared without a default (the CLI then demands it in every stack); the keys only
            // one role requires are not declared at all, or the CLI would demand them in every stack too.
            assert.ok(DECLARED.has("stackRole") && DECLARED.get("stackRole")!.default === undefined);
            for (const name of required.filter((n) => n !== "stackRole")) {
                assert.ok(!DECLARED.has(name), `${name} is not declared`);
            }
        });

        for (const role of ["database", "consumer"] as const) {
            it(`declares the defaults the program applies, and a ${role} stack ignores every injected default`, () => {
                const base = minimal(role);
                const expected = accepted(base);
                for (const name of DEFAULTED) {
                    const declared = cliText(DECLARED.get(name)!.default);
                    assert.deepStrictEqual(
                        accepted({ ...base, [key(name)]: declared }),
                        expected,
                        `${name}: ${declared} (Pulumi.yaml) must be what the ${role} stack applies when it is unset`,
                    );
                }
            });
        }

        it("is read by the stack-file reader as the CLI injects it (the defaults above are those texts)", () => {
            // Each shipped stack sets only its own role's keys; the reader injected the other role's.
            for (const role of ["database", "consumer"] as const) {
                for (const name of DEFAULTED.filter((n) => !CONFIG_KEYS[role].includes(n))) {
                    assert.strictEqual(
                        SHIPPED[role][key(name)],
                        cliText(DECLARED.get(name)!.default),
                        `${name} injected into the ${role} stack`,
                    );
                }
            }
        });
    });
});
