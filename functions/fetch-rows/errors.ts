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

/** A failed call: `step` names what failed; the message never contains a secret. */
export class FetchRowsError extends Error {
    readonly step: Step;
    readonly code?: string;
    readonly errno?: number;

    constructor(step: Step, detail: string, code?: string, errno?: number) {
        super(`fetch-rows: ${STEP_TEXT[step]} (step "${step}"): ${detail}`);
        this.name = "FetchRowsError";
        this.step = step;
        if (code !== undefined) this.code = code;
        if (errno !== undefined) this.errno = errno;
    }
}

/** A setting (environment variable) that is missing or malformed. */
export class SettingsError extends Error {
    readonly variable: string;

    constructor(variable: string, problem: string) {
        super(`fetch-rows: setting ${variable} ${problem}`);
        this.name = "SettingsError";
        this.variable = variable;
    }
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
    if (error instanceof FetchRowsError) return error;
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
    return new FetchRowsError(step, redact(detail, secrets), code, errno);
}

/** Writes exactly one JSON line for a failed call. */
export function logFailure(error: FetchRowsError, fields: Record<string, unknown>): void {
    const line: Record<string, unknown> = { level: "error", step: error.step, message: error.message };
    if (error.code !== undefined) line.code = error.code;
    if (error.errno !== undefined) line.errno = error.errno;
    console.error(JSON.stringify({ ...line, ...fields }));
}
