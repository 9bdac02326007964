// Step-named errors, redaction, and the one structured log line per failure.

/** The step of a call that failed. */
export type Step = "validate" | "assume-role" | "read-secret" | "connect" | "query";

const STEP_TEXT: Record<Step, string> = {
    validate: "invalid event",
    "assume-role": "assuming the database access role failed",
    "read-secret": "reading the database secret failed",
    connect: "connecting to the database failed",
    query: "querying the database failed",
};

// Plain Error objects with extra fields, made by functions: Pulumi's closure serializer rewrites a class
// that extends Error into a function calling `Error.call(this, message)`, which would lose the message.

/** A plain Error named `name` carrying `fields` (a field that is undefined is left out). */
function namedError(name: string, message: string, fields: Record<string, unknown>): Error {
    const error = new Error(message) as Error & Record<string, unknown>;
    error.name = name;
    for (const [field, value] of Object.entries(fields)) {
        if (value !== undefined) error[field] = value;
    }
    return error;
}

/** Whether `value` is an error named `name` whose `field` is a string (as `namedError` makes them). */
function isNamedError(value: unknown, name: string, field: string): boolean {
    return (
        value instanceof Error &&
        value.name === name &&
        typeof (value as Error & Record<string, unknown>)[field] === "string"
    );
}

/** A failed call: `step` names what failed; the message never contains a secret. */
export interface FetchRowsError extends Error {
    readonly name: "FetchRowsError";
    readonly step: Step;
    readonly code?: string;
    readonly errno?: number;
}

export function fetchRowsError(step: Step, detail: string, code?: string, errno?: number): FetchRowsError {
    const message = `fetch-rows: ${STEP_TEXT[step]} (step "${step}"): ${detail}`;
    return namedError("FetchRowsError", message, { step, code, errno }) as FetchRowsError;
}

export function isFetchRowsError(value: unknown): value is FetchRowsError {
    return isNamedError(value, "FetchRowsError", "step");
}

/** A setting (environment variable) that is missing or malformed. */
export interface SettingsError extends Error {
    readonly name: "SettingsError";
    readonly variable: string;
}

export function settingsError(variable: string, problem: string): SettingsError {
    return namedError("SettingsError", `fetch-rows: setting ${variable} ${problem}`, {
        variable,
    }) as SettingsError;
}

export function isSettingsError(value: unknown): value is SettingsError {
    return isNamedError(value, "SettingsError", "variable");
}

/** Replaces every occurrence of each secret (and any 4+ character one) in `text` with "[redacted]". */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
    let out = text;
    for (const secret of secrets) {
        if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
    }
    return out;
}

interface ErrorLike {
    message?: unknown;
    name?: unknown;
    code?: unknown;
    errno?: unknown;
    Code?: unknown;
}

/** Wraps any thrown value as a FetchRowsError of `step` (kept as is when it already is one). */
export function stepError(
    step: Step,
    error: unknown,
    secrets: ReadonlyArray<string | undefined>,
): FetchRowsError {
    if (isFetchRowsError(error)) return error;
    const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as ErrorLike;
    const code =
        typeof e.code === "string"
            ? e.code
            : typeof e.Code === "string"
              ? e.Code
              : typeof e.name === "string" && e.name !== "Error"
                ? e.name
                : undefined;
    const errno = typeof e.errno === "number" ? e.errno : undefined;
    const message = typeof e.message === "string" && e.message !== "" ? e.message : "no details";
    const detail = code && !message.includes(code) ? `${message} (${code})` : message;
    return fetchRowsError(step, redact(detail, secrets), code, errno);
}

/** Writes exactly one JSON line for a failed call. */
export function logFailure(error: FetchRowsError, fields: Record<string, unknown>): void {
    const line: Record<string, unknown> = { level: "error", step: error.step, message: error.message };
    if (error.code !== undefined) line.code = error.code;
    if (error.errno !== undefined) line.errno = error.errno;
    console.error(JSON.stringify({ ...line, ...fields }));
}

/** Writes one JSON line for a background secret refresh that failed (the cached secret keeps serving). */
export function logBackgroundFailure(error: FetchRowsError): void {
    const line: Record<string, unknown> = {
        level: "warn",
        step: error.step,
        message: `background secret refresh failed; serving the cached secret: ${error.message}`,
    };
    if (error.code !== undefined) line.code = error.code;
    console.error(JSON.stringify(line));
}
