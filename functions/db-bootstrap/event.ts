// The bootstrap function's event: the schema to set up, as the stack's `aws.lambda.Invocation` sends it
// with `lifecycleScope: "CRUD"`. The provider then adds `tf: { action, prev_input }`: "create" on the first
// deploy, "update" (with the previous input) whenever the input changes, "delete" when the Invocation is
// removed. Everything that must re-run the bootstrap is therefore in the input (no `triggers`: a trigger
// change replaces the Invocation, whose old copy would then run "delete").
//
// Closure-serialisation rules as in index.ts: named imports only, no classes, no module-level side effects.
import { schemaFingerprint, schemaProblems } from "./schema";

/** What a database stack bootstraps. */
export interface BootstrapSchema {
    /** Database (schema) to create and grant the reader SELECT on. */
    readonly database: string;
    /** Table to create (and seed). */
    readonly table: string;
    /** The read-only user; renaming it drops the previous one. */
    readonly readerUser: string;
    /** Insert the sample rows. */
    readonly seedSampleRows: boolean;
    /** Version id of the reader secret: a new version (a new password) re-runs the bootstrap. */
    readonly readerSecretVersion: string;
}

/** The Invocation's input: the schema and the fingerprint of the SQL it runs (a new SQL re-runs it). */
export interface BootstrapInput extends BootstrapSchema {
    readonly fingerprint: string;
}

export type LifecycleAction = "create" | "update" | "delete";

/** What the function receives: the input, plus the provider's lifecycle key under CRUD. */
export interface BootstrapEvent extends Partial<BootstrapInput> {
    readonly tf?: {
        readonly action: LifecycleAction;
        /** The input of the previous invocation (null on create). */
        readonly prev_input: Partial<BootstrapInput> | null;
    };
}

/** The bootstrap's schema is always TLS-only for the reader. */
const REQUIRE_TLS = true;

const INPUT_KEYS: readonly string[] = [
    "database",
    "table",
    "readerUser",
    "seedSampleRows",
    "readerSecretVersion",
    "fingerprint",
];
const ACTIONS: readonly string[] = ["create", "update", "delete"];

/**
 * The Invocation's `input` for a schema: JSON of the schema and its fingerprint. Throws, naming the
 * field, on a name infra/lib/mysql refuses.
 */
export function bootstrapInput(schema: BootstrapSchema): string {
    const problems = schemaProblems(schema);
    if (problems.length > 0) {
        throw new Error(
            `bootstrapInput: ${problems.map(([field, problem]) => `${field} ${problem}`).join("; ")}`,
        );
    }
    if (typeof schema.readerSecretVersion !== "string" || schema.readerSecretVersion === "") {
        throw new Error("bootstrapInput: readerSecretVersion must be the reader secret's version id");
    }
    const input: BootstrapInput = {
        database: schema.database,
        table: schema.table,
        readerUser: schema.readerUser,
        seedSampleRows: schema.seedSampleRows,
        readerSecretVersion: schema.readerSecretVersion,
        fingerprint: schemaFingerprint({ ...schema, requireTls: REQUIRE_TLS }),
    };
    return JSON.stringify(input);
}

/** Defaults for a field the event lacks (a manual invoke with `{}`): the function's environment. */
export interface SchemaDefaults {
    readonly database?: string;
    readonly table?: string;
    readonly readerUser?: string;
    readonly seedSampleRows?: boolean;
}

/** What one invocation must do. */
export interface BootstrapRequest {
    readonly action: LifecycleAction;
    readonly database: string;
    readonly table: string;
    readonly readerUser: string;
    readonly seedSampleRows: boolean;
    readonly requireTls: boolean;
    /** The reader user of the previous input when it differs from `readerUser` (update only; unchecked). */
    readonly previousReaderUser?: string;
}

function field<K extends keyof SchemaDefaults>(
    event: Partial<BootstrapInput>,
    defaults: SchemaDefaults,
    key: K,
    envName: string,
): NonNullable<SchemaDefaults[K]> {
    const value = event[key] ?? defaults[key];
    if (value === undefined) {
        throw new Error(`the event has no "${key}" and ${envName} is not set`);
    }
    return value as NonNullable<SchemaDefaults[K]>;
}

/**
 * Validates an event (throws an Error whose message names the field) and says what to do. Names are
 * checked against infra/lib/mysql; the previous reader user is checked by the handler, which knows the
 * master user.
 */
export function bootstrapRequest(event: unknown, defaults: SchemaDefaults): BootstrapRequest {
    const record = (event ?? {}) as Record<string, unknown>;
    if (typeof record !== "object" || Array.isArray(record))
        throw new Error("the event must be a JSON object");
    const unknownKeys = Object.keys(record).filter((key) => key !== "tf" && !INPUT_KEYS.includes(key));
    if (unknownKeys.length > 0) {
        throw new Error(
            `unknown event key(s) ${unknownKeys.slice(0, 5).join(", ")}; allowed: ${INPUT_KEYS.join(", ")}, tf`,
        );
    }
    const input = record as Partial<BootstrapInput>;
    const lifecycle = record.tf as BootstrapEvent["tf"] | undefined;
    let action: LifecycleAction = "create";
    if (lifecycle !== undefined) {
        if (typeof lifecycle !== "object" || lifecycle === null || !ACTIONS.includes(lifecycle.action)) {
            throw new Error(`"tf.action" must be one of ${ACTIONS.join(", ")}`);
        }
        action = lifecycle.action;
    }
    const database = field(input, defaults, "database", "DB_NAME");
    const table = field(input, { table: "vegetables", ...defaults }, "table", "the default table");
    const readerUser = field(input, defaults, "readerUser", "READER_USER");
    const seedSampleRows = field(input, defaults, "seedSampleRows", "SEED_SAMPLE_ROWS");
    const [problem] = schemaProblems({ database, table, readerUser });
    if (problem !== undefined) throw new Error(`"${problem[0]}" ${problem[1]}`);
    if (typeof seedSampleRows !== "boolean") throw new Error('"seedSampleRows" must be true or false');
    const request: BootstrapRequest = {
        action,
        database,
        table,
        readerUser,
        seedSampleRows,
        requireTls: REQUIRE_TLS,
    };
    const previous = lifecycle?.prev_input?.readerUser;
    if (action === "update" && typeof previous === "string" && previous !== "" && previous !== readerUser) {
        return { ...request, previousReaderUser: previous };
    }
    return request;
}
