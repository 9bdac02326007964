// What this project accepts as a MySQL name: one definition for the stack config, the bootstrap
// function and fetch-rows. Plain TypeScript with no imports, so the functions (which never load Pulumi)
// can import it and it is serialized into their archives as it is.

/** Longest schema or table name MySQL accepts. */
export const MYSQL_IDENTIFIER_MAX_LENGTH = 64;
/** Longest user name MySQL 8 accepts (RDS for MySQL 8.4 included). */
export const MYSQL_USER_MAX_LENGTH = 32;

/**
 * Names this project accepts for a schema, a table or a user: a letter or underscore, then letters,
 * digits and underscores. Stricter than MySQL (no `$`, no quoting needed anywhere), so a name is never
 * escaped into something else.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Schemas MySQL and RDS keep for themselves: granting SELECT on one exposes the server's own data. */
export const SYSTEM_SCHEMAS: readonly string[] = [
    "mysql",
    "information_schema",
    "performance_schema",
    "sys",
    "innodb",
    "tmp",
];

/** Users MySQL and RDS keep for themselves (compared case-insensitively; `mysql.*` covers the rest). */
export const RESERVED_USERS: readonly string[] = ["root", "rdsadmin", "rdsrepladmin", "rds_superuser_role"];

/** Why `value` is not a schema or table name this project accepts, or undefined when it is. */
export function identifierProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
        return "must be a non-empty name";
    }
    if (value.length > MYSQL_IDENTIFIER_MAX_LENGTH) {
        return `is ${value.length} characters; MySQL names are at most ${MYSQL_IDENTIFIER_MAX_LENGTH}`;
    }
    if (!NAME.test(value)) {
        return "must start with a letter or underscore and hold only letters, digits and underscores";
    }
    return undefined;
}

export function isIdentifier(value: unknown): value is string {
    return identifierProblem(value) === undefined;
}

/** Why `value` may not be the database the reader is granted, or undefined when it may. */
export function schemaNameProblem(value: unknown): string | undefined {
    const problem = identifierProblem(value);
    if (problem !== undefined) {
        return problem;
    }
    if (SYSTEM_SCHEMAS.includes((value as string).toLowerCase())) {
        return `"${value as string}" is a system schema of MySQL/RDS; granting SELECT on it exposes the server's own data (user accounts and password hashes)`;
    }
    return undefined;
}

/**
 * Why `value` may not be the read-only user's name, or undefined when it may. `masterUsername` is the
 * instance's master user: the bootstrap would reset its password and cut it to SELECT.
 */
export function readerUserProblem(value: unknown, masterUsername?: string): string | undefined {
    // Reserved names first: `mysql.sys` must be refused for what it is, not for its dot.
    if (typeof value === "string") {
        const lower = value.toLowerCase();
        if (masterUsername !== undefined && lower === masterUsername.toLowerCase()) {
            return `"${value}" is the instance's master user; the bootstrap would reset its password and cut it to SELECT`;
        }
        if (RESERVED_USERS.includes(lower) || lower.startsWith("mysql.")) {
            return `"${value}" is a user MySQL or RDS reserves for itself`;
        }
    }
    const problem = identifierProblem(value);
    if (problem !== undefined) {
        return problem;
    }
    const name = value as string;
    if (name.length > MYSQL_USER_MAX_LENGTH) {
        return `is ${name.length} characters; MySQL user names are at most ${MYSQL_USER_MAX_LENGTH}`;
    }
    return undefined;
}
