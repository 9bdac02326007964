import * as assert from "assert";
import {
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsEncryptedWithCmk,
    rdsNotPublic,
    rdsRequireSecureTransport,
} from "../../policy/rds";
import { goodDb } from "./fixtures";
import { assertOne, check, resource, T, violations } from "./harness";

const db = (changes: Record<string, unknown> = {}) =>
    resource(T.rdsInstance, { ...goodDb, ...changes }, { name: "db" });

describe("policy pack: RDS", () => {
    it("rds-not-public refuses a publicly accessible instance", () => {
        assert.deepStrictEqual(check(rdsNotPublic, db()), []);
        assertOne(check(rdsNotPublic, db({ publiclyAccessible: true })), "publiclyAccessible: false");
    });

    it("rds-encrypted-with-cmk requires storage encryption with a customer-managed key", () => {
        assert.deepStrictEqual(check(rdsEncryptedWithCmk, db()), []);
        assertOne(check(rdsEncryptedWithCmk, db({ storageEncrypted: false })), "storageEncrypted: true");
        assertOne(check(rdsEncryptedWithCmk, db({ kmsKeyId: undefined })), "AWS-managed key", "kmsKeyId");
        assertOne(
            check(rdsEncryptedWithCmk, db({ kmsKeyId: "arn:aws:kms:us-east-1:111111112974:alias/aws/rds" })),
            "alias/aws/rds",
        );
    });

    it("rds-deletion-protection requires deletionProtection", () => {
        assert.deepStrictEqual(check(rdsDeletionProtection, db()), []);
        assertOne(
            check(rdsDeletionProtection, db({ deletionProtection: false })),
            "deletionProtection: true",
        );
    });

    it("rds-backup-retention requires at least 7 days of backups", () => {
        assert.deepStrictEqual(check(rdsBackupRetention, db()), []);
        assert.deepStrictEqual(check(rdsBackupRetention, db({ backupRetentionPeriod: 35 })), []);
        assertOne(check(rdsBackupRetention, db({ backupRetentionPeriod: 3 })), "3 day(s)", "at least 7");
        assertOne(check(rdsBackupRetention, db({ backupRetentionPeriod: undefined })), "default 1");
    });

    it("RDS policies look at RDS instances only", () => {
        const key = resource(T.kmsKey, { publiclyAccessible: true, storageEncrypted: false });
        for (const policy of [rdsNotPublic, rdsEncryptedWithCmk, rdsDeletionProtection, rdsBackupRetention]) {
            assert.deepStrictEqual(check(policy, key), [], policy.name);
        }
    });

    describe("rds-require-secure-transport", () => {
        const NAMED = goodDb.parameterGroupName;
        const group = (value: string, name?: string) =>
            resource(
                T.rdsParameterGroup,
                { family: "mysql8.4", name, parameters: [{ name: "require_secure_transport", value }] },
                { name: "db-params" },
            );

        it("accepts an instance whose parameter group sets require_secure_transport=ON", () => {
            assert.deepStrictEqual(check(rdsRequireSecureTransport, [group("ON", NAMED), db()]), []);
        });

        it("finds an auto-named parameter group by its logical name", () => {
            const named = db({ parameterGroupName: "db-params-0a1b2c3" });
            assert.deepStrictEqual(check(rdsRequireSecureTransport, [group("1"), named]), []);
        });

        it("reads the stack's outputs: an auto-named group by the name the provider gave it", () => {
            const auto = { ...group("ON"), outputs: { ...group("ON").props, name: "pg-7f3a9c1" } };
            const named = db({ parameterGroupName: "pg-7f3a9c1" });
            assert.deepStrictEqual(check(rdsRequireSecureTransport, [auto, named]), []);
        });

        it("refuses a parameter group that leaves require_secure_transport off, on the instance", () => {
            const found = violations(rdsRequireSecureTransport, [group("OFF", NAMED), db()]);
            assert.strictEqual(found.length, 1);
            assert.strictEqual(found[0].resource, "db");
            assert.match(
                found[0].message,
                /does not set require_secure_transport; add \{ name: "require_secure_transport", value: "ON" \}/,
            );
        });

        it("refuses the default parameter group and a group not in the stack", () => {
            assert.match(
                check(rdsRequireSecureTransport, [db({ parameterGroupName: undefined })])[0],
                /default parameter group/,
            );
            assert.match(
                check(rdsRequireSecureTransport, [
                    group("ON", NAMED),
                    db({ parameterGroupName: "default.mysql8.4" }),
                ])[0],
                /not declared in this stack/,
            );
        });

        it("leaves engines other than MySQL and MariaDB alone", () => {
            assert.deepStrictEqual(
                check(rdsRequireSecureTransport, [db({ engine: "postgres", parameterGroupName: undefined })]),
                [],
            );
        });
    });
});
