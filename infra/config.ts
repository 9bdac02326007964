// The whole stack configuration, read and validated once, before any resource is declared.
// `parseStackConfig` is pure (tested without Pulumi); `loadConfig` feeds it the stack's config.
import * as pulumi from "@pulumi/pulumi";
import {
    describe,
    InvalidValueError,
    requireAccountId,
    requirePrincipalArn,
    requireRegion,
    requireRoleName,
} from "./lib/validate";
import { requireCidr, requireDisjoint } from "./lib/cidr";

export const PROJECT = "cross-account-rds";

/** One consumer account, as the database stack knows it. */
export interface ConsumerSpec {
    /** Short name, unique per database stack; names that consumer's roles and its stack's `consumerName`. */
    readonly name: string;
    /** The consumer's AWS account id. */
    readonly accountId: string;
    /** The consumer VPC's CIDR block: the only source the database admits on 3306. */
    readonly vpcCidr: string;
    /** Name of the consumer function's IAM role (default `cross-account-rds-<name>-fetch-rows`). */
    readonly functionRoleName: string;
    /** ARN of the consumer function's role, derived from account id and role name. */
    readonly functionRoleArn: string;
    /** Principals of the consumer account that deploy its stack and so accept the peering. */
    readonly deployerPrincipalArns: readonly string[];
    /** External id the consumer must present when assuming the data-access role (default none). */
    readonly externalId?: string;
}

interface CommonConfig {
    /** `aws:region`. */
    readonly region: string;
    /** The one account of `aws:allowedAccountIds`: the account this stack deploys into. */
    readonly accountId: string;
    /** This stack's VPC CIDR block. */
    readonly vpcCidr: string;
    /** Availability zones for the VPC's subnets (default 2). */
    readonly availabilityZoneCount: number;
}

export interface DatabaseStackConfig extends CommonConfig {
    readonly stackRole: "database";
    readonly db: {
        /** Database (schema) the function reads (default `fruits_veggies`). */
        readonly name: string;
        /** RDS instance class (default `db.t4g.micro`). */
        readonly instanceClass: string;
        /** Allocated storage in GiB (default 20). */
        readonly allocatedStorageGb: number;
        /** MySQL engine version (default `8.4`). */
        readonly engineVersion: string;
        /** Refuse deletion of the instance (default true). */
        readonly deletionProtection: boolean;
        /** Skip the final snapshot on deletion (default false). */
        readonly skipFinalSnapshot: boolean;
        /** Days of automated backups (default 7, at least 7). */
        readonly backupRetentionDays: number;
    };
    /** MySQL user the function logs in as (default `veggie_reader`). */
    readonly readerUsername: string;
    /** Insert the article's sample vegetables on bootstrap (default false). */
    readonly seedSampleRows: boolean;
    /** The consumer accounts admitted (at least one). */
    readonly consumers: readonly ConsumerSpec[];
}

export interface ConsumerStackConfig extends CommonConfig {
    readonly stackRole: "consumer";
    /** This consumer's name in the database stack's `consumers`. */
    readonly consumerName: string;
    /** Fully qualified name of the database stack (`org/cross-account-rds/dev`). */
    readonly databaseStack: string;
    /** Name of the function's IAM role (default `cross-account-rds-<consumerName>-fetch-rows`). */
    readonly functionRoleName: string;
    readonly fn: {
        /** Tables the function may read (default `["vegetables"]`). */
        readonly allowedTables: readonly string[];
        /** Upper bound on rows per call (default 1000). */
        readonly maxRows: number;
        /** Lambda timeout in seconds (default 15). */
        readonly timeoutSeconds: number;
        /** Lambda memory in MB (default 256). */
        readonly memoryMb: number;
        /** CloudWatch log retention in days (default 30). */
        readonly logRetentionDays: number;
        /** External id presented on AssumeRole (default none). */
        readonly externalId?: string;
    };
}

export type StackConfig = DatabaseStackConfig | ConsumerStackConfig;

/** Flat config as Pulumi holds it: `namespace:key` to a string (objects and lists as JSON) or a parsed value. */
export type RawConfig = Readonly<Record<string, unknown>>;

const COMMON_KEYS = ["stackRole", "vpcCidr", "availabilityZoneCount"];
const DATABASE_KEYS = [
    ...COMMON_KEYS,
    "dbName",
    "dbInstanceClass",
    "dbAllocatedStorageGb",
    "dbEngineVersion",
    "deletionProtection",
    "skipFinalSnapshot",
    "backupRetentionDays",
    "readerUsername",
    "seedSampleRows",
    "consumers",
];
const CONSUMER_KEYS = [
    ...COMMON_KEYS,
    "consumerName",
    "databaseStack",
    "functionRoleName",
    "allowedTables",
    "maxRows",
    "functionTimeoutSeconds",
    "functionMemoryMb",
    "logRetentionDays",
    "externalId",
];
const CONSUMER_ENTRY_KEYS = [
    "name",
    "accountId",
    "vpcCidr",
    "functionRoleName",
    "deployerPrincipalArns",
    "externalId",
];

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,63}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const STACK_NAME = /^([\w.-]+\/){0,2}[\w.-]+$/;

/** The deterministic function role name both stacks agree on unless configured. */
export function defaultFunctionRoleName(consumerName: string): string {
    return `${PROJECT}-${consumerName}-fetch-rows`;
}

/** Validates the whole stack config; throws `InvalidValueError` naming the first bad key. */
export function parseStackConfig(raw: RawConfig): StackConfig {
    const reader = new ConfigReader(raw);
    const stackRole = reader.project("stackRole");
    if (stackRole !== "database" && stackRole !== "consumer") {
        throw new InvalidValueError(
            `${PROJECT}:stackRole`,
            `${describe(stackRole)} is not a stack role; use "database" or "consumer"`,
        );
    }
    reader.refuseUnknownKeys(stackRole === "database" ? DATABASE_KEYS : CONSUMER_KEYS, stackRole);
    const common: CommonConfig = {
        region: requireRegion("aws:region", reader.get("aws:region")),
        accountId: reader.allowedAccountId(),
        vpcCidr: requireCidr(`${PROJECT}:vpcCidr`, reader.project("vpcCidr"), {
            minPrefix: 16,
            maxPrefix: 24,
        }).text,
        availabilityZoneCount: reader.integer("availabilityZoneCount", 2, 2, 6),
    };
    return stackRole === "database" ? parseDatabase(reader, common) : parseConsumer(reader, common);
}

function parseDatabase(reader: ConfigReader, common: CommonConfig): DatabaseStackConfig {
    const consumers = parseConsumers(reader, common);
    return {
        stackRole: "database",
        ...common,
        db: {
            name: reader.identifier("dbName", "fruits_veggies"),
            instanceClass: reader.string("dbInstanceClass", "db.t4g.micro", /^db\.[a-z0-9]+\.[a-z0-9]+$/),
            allocatedStorageGb: reader.integer("dbAllocatedStorageGb", 20, 20, 65536),
            engineVersion: reader.string("dbEngineVersion", "8.4", /^8\.4(\.\d+)?$/),
            deletionProtection: reader.boolean("deletionProtection", true),
            skipFinalSnapshot: reader.boolean("skipFinalSnapshot", false),
            backupRetentionDays: reader.integer("backupRetentionDays", 7, 7, 35),
        },
        readerUsername: reader.identifier("readerUsername", "veggie_reader"),
        seedSampleRows: reader.boolean("seedSampleRows", false),
        consumers,
    };
}

function parseConsumers(reader: ConfigReader, common: CommonConfig): ConsumerSpec[] {
    const key = `${PROJECT}:consumers`;
    const list = reader.json("consumers");
    if (!Array.isArray(list) || list.length === 0) {
        throw new InvalidValueError(key, `${describe(list)} must be a non-empty list of consumer accounts`);
    }
    const seenCidrs = [
        { key: `${PROJECT}:vpcCidr`, cidr: requireCidr(`${PROJECT}:vpcCidr`, common.vpcCidr) },
    ];
    const seenNames = new Set<string>();
    return list.map((entry: unknown, index) => {
        const at = `${key}[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new InvalidValueError(at, `${describe(entry)} must be an object`);
        }
        const item = entry as Record<string, unknown>;
        for (const field of Object.keys(item)) {
            if (!CONSUMER_ENTRY_KEYS.includes(field)) {
                throw new InvalidValueError(
                    `${at}.${field}`,
                    `unknown key; expected one of ${CONSUMER_ENTRY_KEYS.join(", ")}`,
                );
            }
        }
        const name = item.name;
        if (typeof name !== "string" || !NAME.test(name)) {
            throw new InvalidValueError(`${at}.name`, `${describe(name)} must match ${NAME.source}`);
        }
        if (seenNames.has(name)) {
            throw new InvalidValueError(`${at}.name`, `"${name}" is configured twice`);
        }
        seenNames.add(name);
        const accountId = requireAccountId(`${at}.accountId`, item.accountId);
        if (accountId === common.accountId) {
            throw new InvalidValueError(
                `${at}.accountId`,
                `${accountId} is the database account itself; consumers must be other accounts`,
            );
        }
        const cidr = requireCidr(`${at}.vpcCidr`, item.vpcCidr, { minPrefix: 16, maxPrefix: 24 });
        requireDisjoint(`${at}.vpcCidr`, cidr, seenCidrs);
        seenCidrs.push({ key: `${at}.vpcCidr`, cidr });
        const functionRoleName = requireRoleName(
            `${at}.functionRoleName`,
            item.functionRoleName ?? defaultFunctionRoleName(name),
        );
        const deployers = item.deployerPrincipalArns;
        if (!Array.isArray(deployers) || deployers.length === 0) {
            throw new InvalidValueError(
                `${at}.deployerPrincipalArns`,
                `${describe(deployers)} must be a non-empty list of principal ARNs of account ${accountId}`,
            );
        }
        return {
            name,
            accountId,
            vpcCidr: cidr.text,
            functionRoleName,
            functionRoleArn: `arn:aws:iam::${accountId}:role/${functionRoleName}`,
            deployerPrincipalArns: deployers.map((arn, i) =>
                requirePrincipalArn(`${at}.deployerPrincipalArns[${i}]`, arn, accountId),
            ),
            ...optionalExternalId(`${at}.externalId`, item.externalId),
        };
    });
}

function parseConsumer(reader: ConfigReader, common: CommonConfig): ConsumerStackConfig {
    const consumerName = reader.project("consumerName");
    if (typeof consumerName !== "string" || !NAME.test(consumerName)) {
        throw new InvalidValueError(
            `${PROJECT}:consumerName`,
            `${describe(consumerName)} must match ${NAME.source}`,
        );
    }
    const databaseStack = reader.project("databaseStack");
    if (typeof databaseStack !== "string" || !STACK_NAME.test(databaseStack)) {
        throw new InvalidValueError(
            `${PROJECT}:databaseStack`,
            `${describe(databaseStack)} must name the database stack, like my-org/${PROJECT}/dev`,
        );
    }
    const maxRows = reader.integer("maxRows", 1000, 1, 100000);
    const allowedTables = reader.json("allowedTables") ?? ["vegetables"];
    if (!Array.isArray(allowedTables) || allowedTables.length === 0) {
        throw new InvalidValueError(
            `${PROJECT}:allowedTables`,
            `${describe(allowedTables)} must be a non-empty list`,
        );
    }
    allowedTables.forEach((table, i) => {
        if (typeof table !== "string" || !IDENTIFIER.test(table)) {
            throw new InvalidValueError(
                `${PROJECT}:allowedTables[${i}]`,
                `${describe(table)} is not a table name`,
            );
        }
    });
    return {
        stackRole: "consumer",
        ...common,
        consumerName,
        databaseStack,
        functionRoleName: requireRoleName(
            `${PROJECT}:functionRoleName`,
            reader.project("functionRoleName") ?? defaultFunctionRoleName(consumerName),
        ),
        fn: {
            allowedTables: allowedTables as string[],
            maxRows,
            timeoutSeconds: reader.integer("functionTimeoutSeconds", 15, 3, 900),
            memoryMb: reader.integer("functionMemoryMb", 256, 128, 10240),
            logRetentionDays: reader.integer("logRetentionDays", 30, 1, 3653),
            ...optionalExternalId(`${PROJECT}:externalId`, reader.project("externalId")),
        },
    };
}

function optionalExternalId(key: string, value: unknown): { externalId?: string } {
    if (value === undefined) {
        return {};
    }
    if (typeof value !== "string" || !EXTERNAL_ID.test(value)) {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not a valid external id (2-1224 of [\\w+=,.@:/-])`,
        );
    }
    return { externalId: value };
}

/** Typed access to the raw map; every error names the full key. */
class ConfigReader {
    constructor(private readonly raw: RawConfig) {}

    get(key: string): unknown {
        return this.raw[key];
    }

    project(key: string): unknown {
        return this.raw[`${PROJECT}:${key}`];
    }

    refuseUnknownKeys(allowed: readonly string[], stackRole: string): void {
        for (const key of Object.keys(this.raw)) {
            if (key.startsWith(`${PROJECT}:`) && !allowed.includes(key.slice(PROJECT.length + 1))) {
                throw new InvalidValueError(
                    key,
                    `unknown key for stackRole "${stackRole}"; expected one of ${allowed.join(", ")}`,
                );
            }
        }
    }

    allowedAccountId(): string {
        const key = "aws:allowedAccountIds";
        const ids = parseJson(key, this.raw[key]);
        if (!Array.isArray(ids) || ids.length !== 1) {
            throw new InvalidValueError(
                key,
                `${describe(ids)} must list exactly the one account this stack deploys into`,
            );
        }
        return requireAccountId(`${key}[0]`, ids[0]);
    }

    json(key: string): unknown {
        return parseJson(`${PROJECT}:${key}`, this.project(key));
    }

    string(key: string, fallback: string, pattern: RegExp): string {
        const value = this.project(key) ?? fallback;
        if (typeof value !== "string" || !pattern.test(value)) {
            throw new InvalidValueError(
                `${PROJECT}:${key}`,
                `${describe(value)} must match ${pattern.source}`,
            );
        }
        return value;
    }

    identifier(key: string, fallback: string): string {
        return this.string(key, fallback, IDENTIFIER);
    }

    integer(key: string, fallback: number, min: number, max: number): number {
        const raw = this.project(key);
        const value =
            raw === undefined ? fallback : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            throw new InvalidValueError(
                `${PROJECT}:${key}`,
                `${describe(raw)} must be a whole number from ${min} to ${max}`,
            );
        }
        return value;
    }

    boolean(key: string, fallback: boolean): boolean {
        const raw = this.project(key);
        const value = raw === "true" ? true : raw === "false" ? false : (raw ?? fallback);
        if (typeof value !== "boolean") {
            throw new InvalidValueError(`${PROJECT}:${key}`, `${describe(raw)} must be true or false`);
        }
        return value;
    }
}

function parseJson(key: string, value: unknown): unknown {
    if (typeof value !== "string") {
        return value;
    }
    try {
        return JSON.parse(value);
    } catch {
        throw new InvalidValueError(
            key,
            `${describe(value)} is not valid structured config (YAML list or object)`,
        );
    }
}

/** Reads this stack's config from Pulumi and validates it; fails before any resource is declared. */
export function loadConfig(): StackConfig {
    try {
        return parseStackConfig(pulumi.runtime.allConfig());
    } catch (err) {
        if (err instanceof InvalidValueError) {
            throw new pulumi.RunError(`Invalid stack configuration: ${err.message}`);
        }
        throw err;
    }
}
