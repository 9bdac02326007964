// The whole stack configuration, read through the Pulumi SDK and validated once, before any resource is
// declared. `checkStackConfig` is pure (the offline plan and the tests call it with a stack file's values);
// `loadConfig` feeds it this stack's config. Shapes, defaults, ranges and unknown keys are a zod schema;
// the AWS-specific rules (CIDRs, account ids, ARNs, MySQL names) are the shared checks in infra/lib.
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "util";
import { z } from "zod";
import { cidrProblem, overlapProblem, parseCidr } from "./lib/cidr";
import { PROJECT } from "./lib/constants";
import { readerUserProblem, schemaNameProblem, identifierProblem } from "./lib/mysql";
import {
    accountIdProblem,
    describe,
    externalIdProblem,
    logRetentionProblem,
    principalArnProblem,
    regionProblem,
    roleNameProblem,
    stackNameProblem,
} from "./lib/validate";

/** The RDS master user: the reader must never be it. */
export const MASTER_USERNAME = "dbadmin";

/** How a consumer reaches the database. */
export type NetworkPath = "peering" | "privatelink";

/** One consumer account, as the database stack knows it: the single source of truth for it. */
export interface ConsumerSpec {
    /** Short name, unique per database stack; names that consumer's roles and its stack's `consumerName`. */
    readonly name: string;
    /** The consumer's AWS account id. */
    readonly accountId: string;
    /** How it reaches the database: `peering` (default) or `privatelink`. */
    readonly network: NetworkPath;
    /** The consumer VPC's CIDR block (a peering consumer's is the only CIDR the database admits on 3306). */
    readonly vpcCidr: string;
    /** Name of the consumer function's IAM role (default `cross-account-rds-<name>-fetch-rows`). */
    readonly functionRoleName: string;
    /** ARN of the consumer function's role, derived from account id and role name. */
    readonly functionRoleArn: string;
    /** Principals of the consumer account that deploy its stack and so accept the peering (peering only). */
    readonly deployerPrincipalArns: readonly string[];
    /** External id the consumer must present when assuming the data-access role (default none); secret. */
    readonly externalId?: pulumi.Output<string>;
    /** The consumer account is outside this AWS Organization: RAM shares allow external principals (default false). */
    readonly outsideOrganization: boolean;
    /** Data access revoked; only what its stack needs to destroy itself stays (default false). */
    readonly retiring: boolean;
}

interface CommonConfig {
    /** `aws:region`. */
    readonly region: string;
    /** The one account of `aws:allowedAccountIds`: the account this stack deploys into. */
    readonly accountId: string;
    /** Availability zones for the VPC's subnets (default 2). */
    readonly availabilityZoneCount: number;
}

export interface DatabaseStackConfig extends CommonConfig {
    readonly stackRole: "database";
    /** This stack's VPC CIDR block. */
    readonly vpcCidr: string;
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
        /** A change that replaces the instance is intended (default false: such a change is refused). */
        readonly allowReplacement: boolean;
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
    /** Fully qualified name of the database stack (`<org>/cross-account-rds/<stack>`). */
    readonly databaseStack: string;
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
    };
}

export type StackConfig = DatabaseStackConfig | ConsumerStackConfig;

/** One refused value: the full key (`cross-account-rds:consumers[0].vpcCidr`) and why. */
export interface ConfigProblem {
    readonly key: string;
    readonly message: string;
}

export type ConfigCheck = { ok: true; config: StackConfig } | { ok: false; problems: ConfigProblem[] };

/** The deterministic function role name both stacks agree on unless configured. */
function defaultFunctionRoleName(consumerName: string): string {
    return `${PROJECT}-${consumerName}-fetch-rows`;
}

// --- Values as the CLI hands them: every scalar a string, lists and objects as JSON text. -----------

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Every VPC of the project, the database's and each consumer's: /16 to /24. */
const vpcCidrProblem = (value: string) => cidrProblem(value, { minPrefix: 16, maxPrefix: 24 });

/** A refinement from a shared check: `problem` says why a value is refused, or undefined. */
function refined<T extends z.ZodType>(schema: T, problem: (value: z.output<T>) => string | undefined) {
    return schema.superRefine((value, ctx) => {
        const message = problem(value);
        if (message !== undefined) {
            ctx.addIssue({ code: "custom", message });
        }
    });
}

const text = z.string({ error: (issue) => `${describe(issue.input)} must be text` });

function integer(fallback: number, min: number, max: number) {
    const message = `must be a whole number from ${min} to ${max}`;
    return z
        .string({ error: message })
        .regex(/^-?\d+$/, { error: (issue) => `${describe(issue.input)} ${message}` })
        .transform(Number)
        .pipe(z.number().int().min(min, { error: message }).max(max, { error: message }))
        .default(fallback);
}

function boolean(fallback: boolean) {
    return z
        .enum(["true", "false"], { error: (issue) => `${describe(issue.input)} must be true or false` })
        .transform((value) => value === "true")
        .default(fallback);
}

/** A structured value (YAML list or object), handed over as JSON text. */
function structured<T extends z.ZodType>(schema: T) {
    return z
        .string()
        .transform((value, ctx) => {
            try {
                return JSON.parse(value) as unknown;
            } catch {
                ctx.addIssue({ code: "custom", message: "is not a YAML list or object" });
                return z.NEVER;
            }
        })
        .pipe(schema);
}

const stackRoleSchema = z.enum(["database", "consumer"], {
    error: (issue) => `${describe(issue.input)} is not a stack role; use "database" or "consumer"`,
});

const consumerName = refined(text, (v) => (NAME.test(v) ? undefined : `"${v}" must match ${NAME.source}`));

/** A JSON value that must be a string, with a hint when YAML made it a number or a boolean. */
/** A required JSON field left out: reported as missing (see toProblems), whatever its type. */
function missing(value: unknown, ctx: z.RefinementCtx): boolean {
    if (value === undefined) {
        ctx.addIssue({ code: "invalid_type", expected: "string", input: value });
    }
    return value === undefined;
}

const jsonText = z.unknown().transform((value, ctx) => {
    if (missing(value, ctx)) {
        return z.NEVER;
    }
    if (typeof value !== "string") {
        ctx.addIssue({
            code: "custom",
            message:
                typeof value === "number" || typeof value === "boolean"
                    ? `${describe(value)} was read as a ${typeof value}; quote it in YAML`
                    : `${describe(value)} must be text`,
        });
        return z.NEVER;
    }
    return value;
});

const accountId = z.unknown().transform((value, ctx) => {
    if (missing(value, ctx)) {
        return z.NEVER;
    }
    const problem = accountIdProblem(value);
    if (problem !== undefined) {
        ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
    }
    return value as string;
});

const consumerEntry = z
    .strictObject({
        name: consumerName,
        accountId,
        network: z
            .enum(["peering", "privatelink"], {
                error: (issue) =>
                    `${describe(issue.input)} is not a network path; use "peering" or "privatelink"`,
            })
            .default("peering"),
        vpcCidr: refined(jsonText, vpcCidrProblem),
        functionRoleName: refined(jsonText, roleNameProblem).optional(),
        deployerPrincipalArns: z.array(jsonText).optional(),
        // Never echoed: the value is a secret.
        externalId: z
            .unknown()
            .refine((v) => externalIdProblem(v) === undefined, { error: externalIdProblem("") })
            .transform((v) => v as string)
            .optional(),
        outsideOrganization: z.boolean({ error: "must be true or false" }).default(false),
        retiring: z.boolean({ error: "must be true or false" }).default(false),
    })
    .superRefine((entry, ctx) => {
        if (entry.network === "peering" && (entry.deployerPrincipalArns ?? []).length === 0) {
            ctx.addIssue({
                code: "custom",
                path: ["deployerPrincipalArns"],
                message: `a peering consumer needs the principals of account ${entry.accountId} that deploy its stack (they accept the peering)`,
            });
        }
        if (entry.network === "privatelink" && entry.deployerPrincipalArns !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["deployerPrincipalArns"],
                message: "a privatelink consumer has no peering to accept; remove deployerPrincipalArns",
            });
        }
        (entry.deployerPrincipalArns ?? []).forEach((arn, i) => {
            const problem = principalArnProblem(arn, entry.accountId);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", path: ["deployerPrincipalArns", i], message: problem });
            }
        });
    });

const commonShape = {
    stackRole: stackRoleSchema,
    availabilityZoneCount: integer(2, 2, 6),
};

const databaseSchema = z.strictObject({
    ...commonShape,
    vpcCidr: refined(text, vpcCidrProblem),
    dbName: refined(text, schemaNameProblem).default("fruits_veggies"),
    dbInstanceClass: refined(text, (v) =>
        /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v)
            ? undefined
            : `"${v}" is not an RDS instance class (like db.t4g.micro)`,
    ).default("db.t4g.micro"),
    dbAllocatedStorageGb: integer(20, 20, 65536),
    dbEngineVersion: refined(text, (v) =>
        /^8\.4(\.\d+)?$/.test(v) ? undefined : `"${v}" is not MySQL 8.4 (use 8.4 or 8.4.x)`,
    ).default("8.4"),
    deletionProtection: boolean(true),
    skipFinalSnapshot: boolean(false),
    backupRetentionDays: integer(7, 7, 35),
    allowDatabaseReplacement: boolean(false),
    readerUsername: refined(text, (v) => readerUserProblem(v, MASTER_USERNAME)).default("veggie_reader"),
    seedSampleRows: boolean(false),
    consumers: structured(
        // Empty is valid: the state after the last consumer retired and its stack was destroyed.
        z.array(consumerEntry),
    ),
});

const consumerSchema = z.strictObject({
    ...commonShape,
    consumerName,
    databaseStack: refined(text, (v) => stackNameProblem(v, PROJECT)),
    allowedTables: structured(
        z
            .array(refined(jsonText, (v) => identifierProblem(v)))
            .min(1, { error: "must list at least one table" }),
    ).default(["vegetables"]),
    maxRows: integer(1000, 1, 100000),
    functionTimeoutSeconds: integer(15, 3, 900),
    functionMemoryMb: integer(256, 128, 10240),
    logRetentionDays: refined(integer(30, 1, 3653), logRetentionProblem),
});

/** Every `cross-account-rds:` key, per stack role: what Pulumi.yaml and the README document. */
export const CONFIG_KEYS = {
    database: Object.keys(databaseSchema.shape),
    consumer: Object.keys(consumerSchema.shape),
} as const;

/** The fields of one `consumers[]` entry. */
export const CONSUMER_ENTRY_FIELDS = Object.keys(consumerEntry.shape ?? {});

/**
 * Validates a stack's config as the CLI hands it to the program (`namespace:key` → string; lists and
 * objects as JSON text). Reports every problem; never throws.
 */
export function checkStackConfig(values: Readonly<Record<string, string>>): ConfigCheck {
    const problems: ConfigProblem[] = [];
    const region = values["aws:region"];
    const regionIssue = regionProblem(region);
    if (regionIssue !== undefined) {
        problems.push({ key: "aws:region", message: regionIssue });
    }
    const accountId = allowedAccountId(values["aws:allowedAccountIds"], problems);

    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        if (key.startsWith(`${PROJECT}:`)) {
            own[key.slice(PROJECT.length + 1)] = value;
        }
    }
    const role = stackRoleSchema.safeParse(own.stackRole);
    if (!role.success) {
        problems.push({
            key: `${PROJECT}:stackRole`,
            message:
                own.stackRole === undefined
                    ? 'missing; set "database" or "consumer"'
                    : role.error.issues[0].message,
        });
        return { ok: false, problems };
    }
    const schema = role.data === "database" ? databaseSchema : consumerSchema;
    const other = role.data === "database" ? consumerSchema : databaseSchema;
    const parsed = schema.safeParse(withoutInjectedDefaults(own, schema, other), { reportInput: true });
    if (!parsed.success) {
        problems.push(...parsed.error.issues.flatMap((issue) => toProblems(issue, role.data)));
    }
    const consumers = role.data === "database" ? checkedConsumers(own, accountId, problems) : [];
    if (problems.length > 0 || !parsed.success) {
        return { ok: false, problems };
    }
    const common: CommonConfig = {
        region: region!,
        accountId: accountId!,
        availabilityZoneCount: parsed.data.availabilityZoneCount,
    };
    const config =
        role.data === "consumer"
            ? consumerConfig(common, parsed.data as z.output<typeof consumerSchema>)
            : databaseConfig(common, parsed.data as z.output<typeof databaseSchema>, consumers);
    return { ok: true, config };
}

/** A consumer stack's config from its checked keys. */
function consumerConfig(common: CommonConfig, keys: z.output<typeof consumerSchema>): ConsumerStackConfig {
    return {
        stackRole: "consumer",
        ...common,
        consumerName: keys.consumerName,
        databaseStack: keys.databaseStack,
        fn: {
            allowedTables: keys.allowedTables,
            maxRows: keys.maxRows,
            timeoutSeconds: keys.functionTimeoutSeconds,
            memoryMb: keys.functionMemoryMb,
            logRetentionDays: keys.logRetentionDays,
        },
    };
}

/** A database stack's config from its checked keys and its checked consumers. */
function databaseConfig(
    common: CommonConfig,
    keys: z.output<typeof databaseSchema>,
    consumers: DatabaseStackConfig["consumers"],
): DatabaseStackConfig {
    return {
        stackRole: "database",
        ...common,
        vpcCidr: keys.vpcCidr,
        db: {
            name: keys.dbName,
            instanceClass: keys.dbInstanceClass,
            allocatedStorageGb: keys.dbAllocatedStorageGb,
            engineVersion: keys.dbEngineVersion,
            deletionProtection: keys.deletionProtection,
            skipFinalSnapshot: keys.skipFinalSnapshot,
            backupRetentionDays: keys.backupRetentionDays,
            allowReplacement: keys.allowDatabaseReplacement,
        },
        readerUsername: keys.readerUsername,
        seedSampleRows: keys.seedSampleRows,
        consumers,
    };
}

/**
 * The CLI injects every default Pulumi.yaml declares into every stack, so a database stack also receives
 * the consumer keys' defaults (and the other way round). A key of the other role holding exactly its
 * default is that injection, not the user's choice: it is dropped; any other value stays and is refused.
 */
function withoutInjectedDefaults(
    own: Record<string, string>,
    schema: typeof databaseSchema | typeof consumerSchema,
    other: typeof databaseSchema | typeof consumerSchema,
): Record<string, string> {
    const shape = schema.shape as Record<string, z.ZodType>;
    const otherShape = other.shape as Record<string, z.ZodType>;
    return Object.fromEntries(
        Object.entries(own).filter(([key, value]) => {
            const field = otherShape[key];
            if (key in shape || field === undefined) {
                return true;
            }
            const given = field.safeParse(value);
            const fallback = field.safeParse(undefined);
            return !(given.success && fallback.success && isDeepStrictEqual(given.data, fallback.data));
        }),
    );
}

/**
 * The rules across consumers[] entries need only the entries and the database CIDR, so they run whenever
 * those two parse, even when other keys are wrong: every problem is reported at once.
 */
function checkedConsumers(
    own: Record<string, string>,
    databaseAccountId: string | undefined,
    problems: ConfigProblem[],
): ConsumerSpec[] {
    const entries = databaseSchema.shape.consumers.safeParse(own.consumers);
    const vpcCidr = databaseSchema.shape.vpcCidr.safeParse(own.vpcCidr);
    return entries.success && vpcCidr.success
        ? consumerSpecs(
              entries.data,
              { key: `${PROJECT}:vpcCidr`, cidr: vpcCidr.data },
              databaseAccountId,
              problems,
          )
        : [];
}

/** Rules across entries: unique names, other accounts, disjoint CIDRs for peering consumers only. */
function consumerSpecs(
    entries: ReadonlyArray<z.output<typeof consumerEntry>>,
    database: { key: string; cidr: string },
    databaseAccountId: string | undefined,
    problems: ConfigProblem[],
): ConsumerSpec[] {
    const seenNames = new Set<string>();
    const peers = [{ key: database.key, cidr: parseCidr(database.cidr)! }];
    return entries.map((entry, index) => {
        const at = `${PROJECT}:consumers[${index}]`;
        if (seenNames.has(entry.name)) {
            problems.push({ key: `${at}.name`, message: `"${entry.name}" is configured twice` });
        }
        seenNames.add(entry.name);
        if (entry.accountId === databaseAccountId) {
            problems.push({
                key: `${at}.accountId`,
                message: `${entry.accountId} is the database account itself; consumers must be other accounts`,
            });
        }
        if (entry.network === "peering") {
            // A privatelink consumer's CIDR may overlap anything: no route ever joins the two VPCs.
            const cidr = parseCidr(entry.vpcCidr)!;
            const overlap = overlapProblem(cidr, peers);
            if (overlap !== undefined) {
                problems.push({
                    key: `${at}.vpcCidr`,
                    message: `${overlap}; give this consumer a disjoint CIDR or set network: privatelink`,
                });
            }
            peers.push({ key: `${at}.vpcCidr`, cidr });
        }
        const functionRoleName = entry.functionRoleName ?? defaultFunctionRoleName(entry.name);
        return {
            name: entry.name,
            accountId: entry.accountId,
            network: entry.network,
            vpcCidr: entry.vpcCidr,
            functionRoleName,
            functionRoleArn: `arn:aws:iam::${entry.accountId}:role/${functionRoleName}`,
            deployerPrincipalArns: entry.deployerPrincipalArns ?? [],
            ...(entry.externalId === undefined ? {} : { externalId: pulumi.secret(entry.externalId) }),
            outsideOrganization: entry.outsideOrganization,
            retiring: entry.retiring,
        };
    });
}

function allowedAccountId(value: string | undefined, problems: ConfigProblem[]): string | undefined {
    const key = "aws:allowedAccountIds";
    let ids: unknown;
    try {
        ids = value === undefined ? undefined : JSON.parse(value);
    } catch {
        ids = value;
    }
    if (!Array.isArray(ids) || ids.length !== 1) {
        problems.push({
            key,
            message: `${describe(ids)} must list exactly the one account this stack deploys into (like ["111111112974"])`,
        });
        return undefined;
    }
    const problem = accountIdProblem(ids[0]);
    if (problem !== undefined) {
        problems.push({ key: `${key}[0]`, message: problem });
        return undefined;
    }
    return ids[0] as string;
}

/** A zod issue as problems naming the full key (`cross-account-rds:consumers[0].vpcCidr`). */
function toProblems(issue: z.core.$ZodIssue, stackRole: "database" | "consumer"): ConfigProblem[] {
    const [top, ...rest] = issue.path;
    const base = `${PROJECT}${top === undefined ? "" : `:${String(top)}`}`;
    const keyOf = (path: readonly PropertyKey[]) =>
        path.reduce<string>(
            (k, part) => (typeof part === "number" ? `${k}[${part}]` : `${k}.${String(part)}`),
            base,
        );
    if (issue.code === "invalid_type" && issue.input === undefined) {
        // A required key left out: say so, not which type it should have had.
        const where = rest.length === 0 ? `a ${stackRole} stack` : "every consumers[] entry";
        return [{ key: keyOf(rest), message: `missing; ${where} requires it` }];
    }
    if (issue.code === "unrecognized_keys") {
        const expected = top === undefined ? CONFIG_KEYS[stackRole] : CONSUMER_ENTRY_FIELDS;
        const where = top === undefined ? `for stackRole "${stackRole}"` : "in a consumers[] entry";
        return issue.keys.map((name) => ({
            key: top === undefined ? `${PROJECT}:${name}` : `${keyOf(rest)}.${name}`,
            message: `unknown key ${where}; expected one of ${expected.join(", ")}`,
        }));
    }
    return [{ key: keyOf(rest), message: issue.message }];
}

/** Every problem, one per line, each naming its key. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
    return problems.map((p) => `${p.key}: ${p.message}`).join("\n");
}

/**
 * Reads this stack's config through the Pulumi SDK and validates it; fails before any resource is
 * declared, listing every problem. Values that are secret by nature (external ids) are Pulumi secrets
 * from here on, whether or not they were set with `--secret`.
 */
export function loadConfig(): StackConfig {
    const project = new pulumi.Config(PROJECT);
    const aws = new pulumi.Config("aws");
    const values: Record<string, string> = {};
    // Every key of our namespace is read (unknown ones too, so they can be refused by name).
    const keys = Object.keys(pulumi.runtime.allConfig()).filter((key) => key.startsWith(`${PROJECT}:`));
    for (const key of keys) {
        const value = project.get(key.slice(PROJECT.length + 1));
        if (value !== undefined) {
            values[key] = value;
        }
    }
    for (const key of ["region", "allowedAccountIds"]) {
        const value = aws.get(key);
        if (value !== undefined) {
            values[`aws:${key}`] = value;
        }
    }
    const check = checkStackConfig(values);
    if (!check.ok) {
        throw new pulumi.RunError(`Invalid stack configuration:\n${formatProblems(check.problems)}`);
    }
    return check.config;
}
