// Pure checks on the AWS-shaped values this project accepts: account ids, regions and their partition,
// IAM names and ARNs, external ids, stack names, log retention. Each returns why a value is refused, or
// undefined when it is fine, so the config schema, the components and the offline plan share one
// definition of "valid" and each reports it in its own way.

const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL_ARN =
    /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+|assumed-role\/[\w+=,.@/-]+)$/;
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** Any region's shape, in any partition (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`, `eusc-de-east-1`). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;
/** The regions of the `aws` partition, as the AWS SDK's partition table defines them. */
const AWS_PARTITION_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/;
/** The other partitions by region prefix, longest first (from the AWS SDK's partition table). */
const OTHER_PARTITIONS: ReadonlyArray<readonly [string, string]> = [
    ["us-gov-", "aws-us-gov"],
    ["us-isob-", "aws-iso-b"],
    ["us-isof-", "aws-iso-f"],
    ["us-iso-", "aws-iso"],
    ["eu-isoe-", "aws-iso-e"],
    ["eusc-", "aws-eusc"],
    ["cn-", "aws-cn"],
];
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const STACK_PART = /^[A-Za-z0-9_.-]+$/;

/** The only partition this project builds ARNs for. */
export const PARTITION = "aws";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A value as it appears in a message: quoted JSON, shortened. */
export function describe(value: unknown): string {
    if (value === undefined) {
        return "missing value";
    }
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isAccountId(value: unknown): value is string {
    return typeof value === "string" && ACCOUNT_ID.test(value);
}

export function accountIdProblem(value: unknown): string | undefined {
    if (isAccountId(value)) {
        return undefined;
    }
    if (typeof value === "number") {
        // YAML reads an unquoted account id as a number, dropping leading zeros.
        return `${value} is a number; quote the account id in YAML ("012345678901") so it stays 12 digits`;
    }
    return `${describe(value)} is not an AWS account id (12 digits, as a quoted string)`;
}

/** The partition of a region: `aws`, or the other partition its prefix names, or undefined when unknown. */
export function partitionOfRegion(region: string): string | undefined {
    if (AWS_PARTITION_REGION.test(region)) return PARTITION;
    return OTHER_PARTITIONS.find(([prefix]) => region.startsWith(prefix))?.[1];
}

export function regionProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || !REGION.test(value)) {
        return `${describe(value)} is not an AWS region (like us-east-1)`;
    }
    const partition = partitionOfRegion(value);
    if (partition === undefined) {
        return `${value} is not a region of any AWS partition this project knows (like us-east-1)`;
    }
    if (partition !== PARTITION) {
        return (
            `${value} is in the ${partition} partition; this project builds ARNs, service principals and ` +
            `endpoints for the ${PARTITION} partition only, so it refuses rather than deploy policies that ` +
            `name the wrong partition. Use a region of the ${PARTITION} partition (like us-east-1)`
        );
    }
    return undefined;
}

export function roleNameProblem(value: unknown): string | undefined {
    return typeof value === "string" && IAM_ROLE_NAME.test(value)
        ? undefined
        : `${describe(value)} is not an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])`;
}

/** Why `value` is not a principal ARN of the `aws` partition (and of `accountId` when given). */
export function principalArnProblem(value: unknown, accountId?: string): string | undefined {
    const match = typeof value === "string" ? IAM_PRINCIPAL_ARN.exec(value) : null;
    if (!match) {
        return `${describe(value)} is not an IAM principal ARN (arn:aws:iam::<12 digits>:role/<name>, user/<name> or root)`;
    }
    if (match[1] !== PARTITION) {
        return `${describe(value)} is in the ${match[1]} partition; this project works in the ${PARTITION} partition only`;
    }
    if (accountId !== undefined && match[3] !== accountId) {
        return `${describe(value)} belongs to account ${match[3]}, expected ${accountId}`;
    }
    return undefined;
}

/**
 * A Secrets Manager secret ARN: the name's characters (`/_+=.@-`, plus `!` for the `rds!...` secrets RDS
 * manages) and at most 512 of them, plus the `-` and six random characters Secrets Manager appends.
 */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@!-]{1,519}$/;

export function externalIdProblem(value: unknown): string | undefined {
    return typeof value === "string" && EXTERNAL_ID.test(value)
        ? undefined
        : "is not a valid external id (2 to 1224 of [A-Za-z0-9_+=,.@:/-])";
}

/** Why `value` is not a fully qualified stack name `<org>/<project>/<stack>` of `project`. */
export function stackNameProblem(value: unknown, project: string): string | undefined {
    const parts = typeof value === "string" ? value.split("/") : [];
    if (parts.length !== 3 || !parts.every((part) => STACK_PART.test(part))) {
        return `${describe(value)} must name the stack fully: <org>/${project}/<stack> (like my-org/${project}/dev)`;
    }
    if (parts[1] !== project) {
        return `${describe(value)} names project "${parts[1]}"; the database stack belongs to this project: <org>/${project}/<stack>`;
    }
    return undefined;
}

export function logRetentionProblem(value: number): string | undefined {
    return LOG_RETENTION_DAYS.includes(value)
        ? undefined
        : `${value} is not a retention CloudWatch Logs accepts; use one of ${LOG_RETENTION_DAYS.join(", ")}`;
}
