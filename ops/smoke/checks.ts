// Pure checks of the smoke test: is what the deployed function returned the rows we expect?

/** What `InvokeCommand` returned, reduced to what the checks read. */
export interface InvokeOutcome {
    readonly statusCode?: number;
    /** Set by Lambda when the handler threw ("Unhandled") or the runtime failed. */
    readonly functionError?: string;
    /** The response payload, as bytes or already decoded. */
    readonly payload?: Uint8Array | string;
}

/** Column types of the `vegetables` table as the function returns them (see functions/db-bootstrap). */
export type ColumnType = "integer" | "number" | "string" | "decimal-string" | "date-string";

export interface ColumnSpec {
    readonly type: ColumnType;
    /** The column must be present in every row. */
    readonly required?: boolean;
    readonly nullable?: boolean;
}

export const VEGETABLE_COLUMNS: Readonly<Record<string, ColumnSpec>> = {
    id: { type: "integer" },
    name: { type: "string", required: true },
    color: { type: "string", nullable: true },
    // DECIMAL arrives as a JSON number, as in the article's script.
    price_per_kg: { type: "number", nullable: true },
    // BIGINT arrives as a decimal string, so it is never silently rounded.
    stock: { type: "decimal-string", nullable: true },
    harvested: { type: "date-string", nullable: true },
};

export const SMOKE_EVENT = { table: "vegetables", limit: 10 } as const;

export type SmokeResult =
    | { readonly ok: true; readonly rowCount: number; readonly summary: string }
    | { readonly ok: false; readonly problems: string[] };

const MAX_PROBLEMS = 10;

function describeType(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
}

function checkValue(column: string, spec: ColumnSpec, value: unknown): string | undefined {
    if (value === null) {
        return spec.nullable ? undefined : `${column} is null`;
    }
    switch (spec.type) {
        case "integer":
            return typeof value === "number" && Number.isInteger(value)
                ? undefined
                : `${column} should be a whole number, got ${describeType(value)}`;
        case "number":
            return typeof value === "number" && Number.isFinite(value)
                ? undefined
                : `${column} should be a number, got ${describeType(value)}`;
        case "string":
            return typeof value === "string" && value !== ""
                ? undefined
                : `${column} should be a non-empty string, got ${describeType(value)}`;
        case "decimal-string":
            return typeof value === "string" && /^-?\d+$/.test(value)
                ? undefined
                : `${column} should be a whole number as a decimal string, got ${describeType(value)}`;
        case "date-string":
            return typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value)
                ? undefined
                : `${column} should be a date string (YYYY-MM-DD), got ${describeType(value)}`;
    }
}

function decode(payload: Uint8Array | string | undefined): string {
    if (payload === undefined) {
        return "";
    }
    return typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
}

/** Checks an invocation's outcome against `{ table, rowCount, rows }` with rows of `columns`. */
export function checkInvocation(
    outcome: InvokeOutcome,
    table: string = SMOKE_EVENT.table,
    columns: Readonly<Record<string, ColumnSpec>> = VEGETABLE_COLUMNS,
): SmokeResult {
    const text = decode(outcome.payload);
    if (outcome.functionError !== undefined) {
        let detail: string;
        try {
            const error = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
            detail = [error.errorType, error.errorMessage].filter((v) => typeof v === "string").join(": ");
        } catch {
            detail = text.slice(0, 300);
        }
        return {
            ok: false,
            problems: [
                `the function failed (${outcome.functionError})${detail ? `: ${detail}` : ""}; see its CloudWatch logs`,
            ],
        };
    }
    if (outcome.statusCode !== undefined && outcome.statusCode !== 200) {
        return {
            ok: false,
            problems: [`the invocation returned status ${outcome.statusCode}, expected 200`],
        };
    }
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        return {
            ok: false,
            problems: [`the function's response is not JSON: ${JSON.stringify(text.slice(0, 200))}`],
        };
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return {
            ok: false,
            problems: [
                `the response should be an object { table, rowCount, rows }, got ${describeType(body)}`,
            ],
        };
    }
    const {
        table: gotTable,
        rowCount,
        rows,
    } = body as { table?: unknown; rowCount?: unknown; rows?: unknown };
    const problems: string[] = [];
    if (gotTable !== table) {
        problems.push(`table should be ${JSON.stringify(table)}, got ${JSON.stringify(gotTable)}`);
    }
    if (!Array.isArray(rows)) {
        problems.push(`rows should be a list, got ${describeType(rows)}`);
        return { ok: false, problems };
    }
    if (typeof rowCount !== "number" || !Number.isInteger(rowCount)) {
        problems.push(`rowCount should be a whole number, got ${describeType(rowCount)}`);
    } else if (rowCount !== rows.length) {
        problems.push(`rowCount is ${rowCount} but ${rows.length} rows came back`);
    }
    if (rows.length === 0) {
        problems.push(
            `no rows came back from ${table}; is the table seeded (config seedSampleRows) and readable by the reader user?`,
        );
    }
    rows.forEach((row, index) => {
        if (typeof row !== "object" || row === null || Array.isArray(row)) {
            problems.push(`row ${index} should be an object, got ${describeType(row)}`);
            return;
        }
        for (const [column, spec] of Object.entries(columns)) {
            if (!(column in row)) {
                if (spec.required) {
                    problems.push(`row ${index} has no column ${column}`);
                }
                continue;
            }
            const problem = checkValue(column, spec, (row as Record<string, unknown>)[column]);
            if (problem !== undefined) {
                problems.push(`row ${index}: ${problem}`);
            }
        }
    });
    if (problems.length > 0) {
        const shown = problems.slice(0, MAX_PROBLEMS);
        if (problems.length > MAX_PROBLEMS) {
            shown.push(`... and ${problems.length - MAX_PROBLEMS} more`);
        }
        return { ok: false, problems: shown };
    }
    const names = rows.slice(0, 3).map((r) => String((r as Record<string, unknown>).name));
    return {
        ok: true,
        rowCount: rows.length,
        summary: `${rows.length} row(s) of ${table}, e.g. ${names.join(", ")}${rows.length > 3 ? ", ..." : ""}`,
    };
}
