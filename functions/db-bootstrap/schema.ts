// The bootstrap SQL: a pure, deterministic function of the non-secret settings (plus the reader password).
//
// Every statement is idempotent and valid on MySQL 8.4 and MariaDB 10.6+, so running the list again gives
// the same end state: the database, the table, the sample rows (when asked), and the reader account with
// exactly `SELECT` on the database, TLS required (when asked) and the current password.
//
// Closure-serialisation rules (this module is captured by Pulumi's serializer through index.ts): named
// imports only, no module-level side effects, no classes.
import { createHash } from "node:crypto";
import { escape, escapeId } from "mysql2";
import { identifierProblem, readerUserProblem, schemaNameProblem } from "../../infra/lib/mysql";

export interface BootstrapOptions {
    /** Database (schema) to create, e.g. `fruits_veggies`. */
    database: string;
    /** Table to create, e.g. `vegetables`. */
    table: "vegetables" | string;
    /** Account name of the read-only user (host `%`). */
    readerUser: string;
    /** Insert the sample vegetables (existing rows with the same ids are left untouched). */
    seedSampleRows: boolean;
    /** `REQUIRE SSL` for the reader; `REQUIRE NONE` otherwise. */
    requireTls: boolean;
}

/** Stands in for the password in the fingerprint; never a valid password (passwords cannot be empty). */
const PASSWORD_PLACEHOLDER = "\u0000reader-password\u0000";
/** Bump when the meaning of the statements changes without their text changing. */
const FINGERPRINT_VERSION = "db-bootstrap/v1";

/** Sample rows, in the spirit of the article's vegetables table. One stock exceeds 2^53 on purpose: readers
 * must return BIGINT without silent rounding. */
const SAMPLE_ROWS: ReadonlyArray<readonly [number, string, string, string, string, string]> = [
    [1, "Carrot", "orange", "1.20", "540", "2024-09-12"],
    [2, "Broccoli", "green", "2.45", "210", "2024-10-03"],
    [3, "Tomato", "red", "3.10", "380", "2024-08-21"],
    [4, "Spinach", "green", "4.75", "95", "2024-10-15"],
    [5, "Eggplant", "purple", "2.99", "120", "2024-09-02"],
    [6, "Potato", "brown", "0.85", "9007199254740993", "2024-09-28"],
];

/** The names a bootstrap sets up; each caller reports their problems in its own words. */
export type SchemaField = "database" | "table" | "readerUser";

/**
 * Why infra/lib/mysql refuses any of the three names, as [field, problem] pairs in field order (empty when
 * all are fine). `masterUser`, when known, may not be the reader. The problems never echo a value that is
 * not a valid name: it may be anything, even SQL.
 */
export function schemaProblems(
    names: { readonly [field in SchemaField]: unknown },
    masterUser?: string,
): Array<[SchemaField, string]> {
    const problems: Array<[SchemaField, string | undefined]> = [
        ["database", schemaNameProblem(names.database)],
        ["table", identifierProblem(names.table)],
        ["readerUser", readerUserProblem(names.readerUser, masterUser)],
    ];
    return problems.filter((pair): pair is [SchemaField, string] => pair[1] !== undefined);
}

function checkOptions(options: BootstrapOptions): void {
    if (typeof options !== "object" || options === null) throw new Error("db-bootstrap: options missing");
    const kinds = { database: "database name", table: "table name", readerUser: "reader user name" };
    const [first] = schemaProblems(options);
    if (first !== undefined) throw new Error(`db-bootstrap: invalid ${kinds[first[0]]}: ${first[1]}`);
    if (typeof options.seedSampleRows !== "boolean")
        throw new Error("db-bootstrap: seedSampleRows must be boolean");
    if (typeof options.requireTls !== "boolean") throw new Error("db-bootstrap: requireTls must be boolean");
}

function render(options: BootstrapOptions, passwordLiteral: string): string[] {
    const db = escapeId(options.database);
    const table = `${db}.${escapeId(options.table)}`;
    const account = `${escape(options.readerUser)}@'%'`;
    const statements = [
        `CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4`,
        `CREATE TABLE IF NOT EXISTS ${table} (` +
            "`id` INT NOT NULL, " +
            "`name` VARCHAR(64) NOT NULL, " +
            "`color` VARCHAR(32) NULL, " +
            "`price_per_kg` DECIMAL(6,2) NULL, " +
            "`stock` BIGINT NULL, " +
            "`harvested` DATE NULL, " +
            "PRIMARY KEY (`id`)" +
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    ];
    if (options.seedSampleRows) {
        const values = SAMPLE_ROWS.map(
            ([id, name, color, price, stock, harvested]) =>
                `(${id}, ${escape(name)}, ${escape(color)}, ${price}, ${stock}, ${escape(harvested)})`,
        ).join(", ");
        // A no-op update on duplicates: missing sample rows come back, existing rows keep their data, and no
        // deprecated VALUES() (MySQL 8.0.20+) nor row alias (not in MariaDB) is needed.
        statements.push(
            `INSERT INTO ${table} (\`id\`, \`name\`, \`color\`, \`price_per_kg\`, \`stock\`, \`harvested\`) ` +
                `VALUES ${values} ON DUPLICATE KEY UPDATE \`id\` = \`id\``,
        );
    }
    statements.push(
        `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${passwordLiteral}`,
        // Also for an existing account: sets the current password and the TLS requirement.
        `ALTER USER ${account} IDENTIFIED BY ${passwordLiteral} ${options.requireTls ? "REQUIRE SSL" : "REQUIRE NONE"}`,
        // Whatever was granted by hand goes, so the end state is exact.
        `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`,
        `GRANT SELECT ON ${db}.* TO ${account}`,
    );
    return statements;
}

/** The statements to run, in order, as the master user. Throws before producing any SQL on bad input. */
export function bootstrapStatements(options: BootstrapOptions, readerPassword: string): string[] {
    checkOptions(options);
    if (typeof readerPassword !== "string" || readerPassword.length === 0) {
        throw new Error("db-bootstrap: the reader password must be a non-empty string");
    }
    if (readerPassword.includes("\u0000")) {
        throw new Error("db-bootstrap: the reader password must not contain NUL characters");
    }
    return render(options, escape(readerPassword));
}

/** sha256 (hex) of the statements with a placeholder for the password: changes when the SQL changes, never
 * depends on the password. Use it as the `aws.lambda.Invocation` trigger. */
export function schemaFingerprint(options: BootstrapOptions): string {
    checkOptions(options);
    const statements = render(options, escape(PASSWORD_PLACEHOLDER));
    return createHash("sha256")
        .update(FINGERPRINT_VERSION + "\n" + statements.join(";\n"))
        .digest("hex");
}

/** The statements for logs: every `IDENTIFIED BY '...'` literal replaced by `'***'`. */
export function describeStatements(statements: readonly string[]): string[] {
    return statements.map((statement) =>
        statement.replace(/IDENTIFIED BY '(?:[^'\\]|\\.|'')*'/g, "IDENTIFIED BY '***'"),
    );
}
