// RDS: the database is private, encrypted with our own key, protected from deletion, backed up, and
// speaks TLS only.
import * as aws from "@pulumi/aws";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { isAutoNameOf } from "./autoName";
import { FLAG_RULES } from "./flags";
import { resourceRule } from "./resourceRule";
import { awsManagedKeyProblem } from "./secrets";

const MIN_BACKUP_DAYS = 7;

export const rdsNotPublic: ResourceValidationPolicy = FLAG_RULES.rdsNotPublic;

export const rdsEncryptedWithCmk: ResourceValidationPolicy = resourceRule(
    {
        name: "rds-encrypted-with-cmk",
        description: "RDS storage is encrypted with a customer-managed KMS key.",
    },
    aws.rds.Instance,
    (db) => {
        if (db.storageEncrypted !== true) {
            return "The RDS instance's storage is not encrypted; set storageEncrypted: true and kmsKeyId to a customer-managed aws.kms.Key's arn.";
        }
        const problem = awsManagedKeyProblem(db.kmsKeyId);
        return problem ? `The RDS instance ${problem}.` : undefined;
    },
);

export const rdsDeletionProtection: ResourceValidationPolicy = FLAG_RULES.rdsDeletionProtection;

export const rdsBackupRetention: ResourceValidationPolicy = resourceRule(
    {
        name: "rds-backup-retention",
        description: `RDS automated backups are kept at least ${MIN_BACKUP_DAYS} days.`,
    },
    aws.rds.Instance,
    (db) => {
        const days = db.backupRetentionPeriod;
        return days === undefined || days < MIN_BACKUP_DAYS
            ? `The RDS instance keeps backups ${days ?? "the default 1"} day(s); set backupRetentionPeriod to at least ${MIN_BACKUP_DAYS} (config backupRetentionDays).`
            : undefined;
    },
);

const TLS_PARAMETER = '{ name: "require_secure_transport", value: "ON" }';

/** The parameter values MySQL reads as on. */
const isOn = (value: string) => /^(on|1|true)$/i.test(value);

export const rdsRequireSecureTransport: StackValidationPolicy = {
    name: "rds-require-secure-transport",
    description: "MySQL RDS instances use a parameter group of this stack with require_secure_transport on.",
    validateStack: (args, reportViolation) => {
        const groups = args.resources.flatMap((r) => {
            const group = r.asType(aws.rds.ParameterGroup);
            return group ? [{ logicalName: r.name, group }] : [];
        });
        for (const resource of args.resources) {
            const db = resource.asType(aws.rds.Instance);
            // Outputs carry the engine; inputs (offline runs) may leave it to the default, MySQL.
            if (!db || (db.engine !== undefined && !/mysql|mariadb/i.test(db.engine))) {
                continue;
            }
            const report = (message: string) => reportViolation(message, resource.urn);
            const groupName = db.parameterGroupName;
            if (!groupName) {
                report(
                    `The RDS instance uses the default parameter group; point parameterGroupName at an aws.rds.ParameterGroup whose parameters include ${TLS_PARAMETER}.`,
                );
                continue;
            }
            const matches = groups
                .filter(({ logicalName, group }) =>
                    group.name !== undefined
                        ? group.name === groupName
                        : logicalName === groupName || isAutoNameOf(groupName, logicalName),
                )
                .map(({ group }) => group);
            if (matches.length === 0) {
                report(
                    `The RDS instance's parameter group "${groupName}" is not declared in this stack, so TLS cannot be verified; point parameterGroupName at an aws.rds.ParameterGroup whose parameters include ${TLS_PARAMETER}.`,
                );
            } else if (
                !matches.some((g) =>
                    (g.parameters ?? []).some((p) => p.name === "require_secure_transport" && isOn(p.value)),
                )
            ) {
                report(
                    `The RDS instance's parameter group "${groupName}" does not set require_secure_transport; add ${TLS_PARAMETER} to its parameters.`,
                );
            }
        }
    },
};

export const rdsPolicies = [
    rdsNotPublic,
    rdsEncryptedWithCmk,
    rdsDeletionProtection,
    rdsBackupRetention,
    rdsRequireSecureTransport,
];
