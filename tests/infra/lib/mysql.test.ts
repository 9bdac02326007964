import assert from "node:assert/strict";
import {
    identifierProblem,
    isIdentifier,
    MYSQL_IDENTIFIER_MAX_LENGTH,
    MYSQL_USER_MAX_LENGTH,
    readerUserProblem,
    RESERVED_USERS,
    schemaNameProblem,
    SYSTEM_SCHEMAS,
} from "../../../infra/lib/mysql";

describe("infra/lib/mysql: what this project accepts as a MySQL name", () => {
    it("accepts a letter or underscore followed by letters, digits and underscores", () => {
        for (const name of ["fruits_veggies", "_private", "T1", "a", "vegetables2", "x".repeat(64)]) {
            assert.equal(identifierProblem(name), undefined, name);
            assert.equal(isIdentifier(name), true, name);
        }
    });

    it("refuses a missing, empty or non-string name", () => {
        for (const value of [undefined, null, "", 42, {}, ["vegetables"]]) {
            assert.match(identifierProblem(value) ?? "", /must be a non-empty name/, String(value));
            assert.equal(isIdentifier(value), false);
        }
    });

    it(`refuses a name longer than ${MYSQL_IDENTIFIER_MAX_LENGTH} characters, saying how long it is`, () => {
        assert.equal(MYSQL_IDENTIFIER_MAX_LENGTH, 64);
        assert.match(identifierProblem("x".repeat(65)) ?? "", /is 65 characters; MySQL names are at most 64/);
    });

    it("refuses a leading digit and any character that would need quoting, without echoing the value", () => {
        for (const name of ["1abc", "a-b", "a b", "a$b", "a`b", "a'b", "a;DROP", "naïve", "a.b", "é"]) {
            const problem = identifierProblem(name);
            assert.match(
                problem ?? "",
                /must start with a letter or underscore and hold only letters, digits/,
                name,
            );
            assert.ok(!(problem ?? "").includes(name), `the problem echoes ${name}`);
        }
    });

    /** The names MySQL or RDS keep for themselves, each list with the check that refuses them. */
    const reservedNames = [
        {
            requirement: "refuses a system schema as the reader's database, in any letter case",
            names: SYSTEM_SCHEMAS,
            expected: ["information_schema", "innodb", "mysql", "performance_schema", "sys", "tmp"],
            problem: (name: string) => schemaNameProblem(name),
            alsoRefused: ["MySQL", "Information_Schema", "SYS"],
            message: /is a system schema of MySQL\/RDS/,
            accepted: ["fruits_veggies", "mysql_data"],
        },
        {
            requirement: "refuses a user MySQL or RDS reserves, in any letter case (mysql.* accounts too)",
            names: RESERVED_USERS,
            expected: ["rds_superuser_role", "rdsadmin", "rdsrepladmin", "root"],
            problem: (name: string) => readerUserProblem(name),
            alsoRefused: ["ROOT", "RdsAdmin", "mysql.sys"],
            message: /is a user MySQL or RDS reserves for itself/,
            accepted: ["fruits_reader"],
        },
    ];

    for (const { requirement, names, expected, problem, alsoRefused, message, accepted } of reservedNames) {
        it(requirement, () => {
            assert.deepEqual([...names].sort(), expected);
            for (const name of [...names, ...alsoRefused]) {
                assert.match(problem(name) ?? "", message, name);
            }
            for (const name of accepted) {
                assert.equal(problem(name), undefined, name);
            }
        });
    }

    it("applies the name rules to a schema name too", () => {
        assert.match(schemaNameProblem("1db") ?? "", /must start with a letter/);
        assert.match(schemaNameProblem("") ?? "", /non-empty/);
    });

    it(`refuses a reader user longer than ${MYSQL_USER_MAX_LENGTH} characters (MySQL 8 user names)`, () => {
        assert.equal(MYSQL_USER_MAX_LENGTH, 32);
        assert.equal(readerUserProblem("r".repeat(32)), undefined);
        assert.match(
            readerUserProblem("r".repeat(33)) ?? "",
            /is 33 characters; MySQL user names are at most 32/,
        );
    });

    it("refuses the instance's master user as the reader, in any letter case", () => {
        assert.match(readerUserProblem("dbadmin", "dbadmin") ?? "", /is the instance's master user/);
        assert.match(readerUserProblem("DBAdmin", "dbadmin") ?? "", /is the instance's master user/);
        assert.equal(readerUserProblem("reader", "dbadmin"), undefined);
        assert.equal(
            readerUserProblem("dbadmin"),
            undefined,
            "without a master, the name is an ordinary one",
        );
    });

    it("applies the name rules to a reader user too", () => {
        assert.match(readerUserProblem("x'@'%") ?? "", /must start with a letter/);
        assert.match(readerUserProblem(undefined) ?? "", /non-empty/);
        assert.equal(readerUserProblem("fruits_reader"), undefined);
    });
});
