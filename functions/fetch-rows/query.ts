// Event validation (before any I/O), the SQL, and the result's shape.
import { escapeId } from "mysql2/promise";
import { fetchRowsError, FetchRowsError } from "./errors";
import type { Settings } from "./settings";

/** What a caller may send. */
export interface FetchEvent {
    table?: string;
    limit?: number;
}

export interface FetchRequest {
    readonly table: string;
    readonly limit: number;
}

export type Row = Record<string, unknown>;

export interface FetchResult {
    table: string;
    rowCount: number;
    rows: Row[];
}

// An array, not a Set: Pulumi's closure serializer cannot copy a Set captured at module scope.
const EVENT_KEYS: readonly string[] = ["table", "limit"];

function invalid(detail: string): FetchRowsError {
    return fetchRowsError("validate", detail);
}

/** Validates an event against the settings; throws a "validate" error, touching nothing. */
export function validateEvent(
    event: unknown,
    settings: Pick<Settings, "allowedTables" | "maxRows">,
): FetchRequest {
    if (event === undefined) {
        return { table: settings.allowedTables[0], limit: settings.maxRows };
    }
    if (event === null || typeof event !== "object" || Array.isArray(event)) {
        throw invalid(
            `the event must be a JSON object like {"table": "...", "limit": 10}, got ${kind(event)}`,
        );
    }
    const record = event as Record<string, unknown>;
    const unknownKeys = Object.keys(record).filter((key) => !EVENT_KEYS.includes(key));
    if (unknownKeys.length > 0) {
        throw invalid(
            `unknown event key(s) ${unknownKeys.slice(0, 5).map(quote).join(", ")}; allowed: table, limit`,
        );
    }
    let table = settings.allowedTables[0];
    if (record.table !== undefined) {
        if (typeof record.table !== "string")
            throw invalid(`"table" must be a string, got ${kind(record.table)}`);
        if (!settings.allowedTables.includes(record.table)) {
            throw invalid(
                `table ${quote(record.table)} is not allowed; allowed tables: ${settings.allowedTables.join(", ")}`,
            );
        }
        table = record.table;
    }
    let limit = settings.maxRows;
    if (record.limit !== undefined) {
        const value = record.limit;
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > settings.maxRows) {
            throw invalid(`"limit" must be an integer from 1 to ${settings.maxRows}, got ${kind(value)}`);
        }
        limit = value;
    }
    return { table, limit };
}

/** The one statement this function runs; identifiers escaped, limit an integer already validated. */
export function selectSql(request: FetchRequest): string {
    return `SELECT * FROM ${escapeId(request.table)} LIMIT ${Math.trunc(request.limit)}`;
}

/** Plain JSON-ready objects (mysql2 rows are already typed by the pool's options). */
export function shapeResult(table: string, rows: unknown): FetchResult {
    const list = Array.isArray(rows) ? (rows as Row[]) : [];
    const plain = list.map((row) => ({ ...row }));
    return { table, rowCount: plain.length, rows: plain };
}

function quote(value: string): string {
    return JSON.stringify(value.length > 80 ? value.slice(0, 80) + "…" : value);
}

function kind(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "string") return `the string ${quote(value)}`;
    if (typeof value === "number") return `the number ${value}`;
    return `a ${typeof value}`;
}
