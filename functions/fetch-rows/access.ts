// Credentials (assumed role, refreshed before expiry) and the reader secret (cached with a TTL and refreshed
// in the background before it ends: stale-while-revalidate).
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { logBackgroundFailure, stepError } from "./errors";
import type { Settings } from "./settings";

/** The reader secret in the RDS format (host/port/dbname are optional and informative only). */
export interface DbSecret {
    readonly username: string;
    readonly password: string;
    /** The whole SecretString, kept only so it can be redacted from messages. */
    readonly raw: string;
}

export interface Access {
    /**
     * The secret: fetched (and waited for) only when there is none yet. Once one is cached it is returned
     * at once; when it is older than `REFRESH_AT` of the TTL a background refresh starts (one at a time;
     * after a failure, again no sooner than the retry delay), and its result replaces the cached secret.
     */
    secret(): Promise<DbSecret>;
    /** Fetches the secret again now and waits for it (the database rejected the cached one: rotation). */
    refreshSecret(): Promise<DbSecret>;
    /** Values to redact from any message: the current password and whole secret string. */
    secrets(): string[];
}

const ASSUMED_ROLE_SECONDS = 3600;
/** Share of the TTL after which a warm call starts a background refresh. */
const REFRESH_AT = 0.8;
/** Longest wait before retrying a failed background refresh (shorter for short TTLs). */
const MAX_RETRY_DELAY_MS = 5000;

/** Parses the SecretString; the error never includes the value. */
function parseSecret(value: string | undefined): DbSecret {
    if (value === undefined) throw new Error("the secret has no SecretString");
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        throw new Error("the secret is not JSON (expected the RDS format with username and password)");
    }
    const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof record.username !== "string" || record.username === "") {
        throw new Error('the secret has no "username" string');
    }
    if (typeof record.password !== "string" || record.password === "") {
        throw new Error('the secret has no "password" string');
    }
    return { username: record.username, password: record.password, raw: value };
}

/**
 * Builds the per-container access: one Secrets Manager client whose credentials come from
 * `fromTemporaryCredentials` (AssumeRole; the client memoizes them and assumes the role again when they
 * are within five minutes of expiry). Only secret fetches use them, and once warm those run in the
 * background, so no call waits on STS or Secrets Manager unless the database refuses the password.
 */
export function createAccess(settings: Settings, now: () => number = Date.now): Access {
    const credentials = fromTemporaryCredentials({
        params: {
            RoleArn: settings.roleArn,
            RoleSessionName: settings.roleSessionName,
            DurationSeconds: ASSUMED_ROLE_SECONDS,
            ...(settings.externalId === undefined ? {} : { ExternalId: settings.externalId }),
        },
    });
    const client = new SecretsManagerClient({ credentials });
    const refreshAfterMs = Math.floor(settings.secretTtlMs * REFRESH_AT);
    const retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, Math.floor(settings.secretTtlMs / 10));
    let cached: { secret: DbSecret; fetchedAt: number; fetch: number } | undefined;
    // Fetches are numbered in the order they start; a result older than the cached one is not kept.
    let fetches = 0;
    let waited: Promise<DbSecret> | undefined;
    let background: Promise<void> | undefined;
    let lastFailureAt: number | undefined;
    // Values that ever were secret in this container: redacted from every message.
    const known = new Set<string>();

    const fetchSecret = async (): Promise<DbSecret> => {
        const fetch = ++fetches;
        const startedAt = now();
        try {
            // The client's memoized provider: AssumeRole only when there are no fresh credentials.
            await client.config.credentials();
        } catch (error) {
            throw stepError("assume-role", error, [...known]);
        }
        let secret: DbSecret;
        try {
            const out = await client.send(new GetSecretValueCommand({ SecretId: settings.secretArn }));
            if (out.SecretString !== undefined) known.add(out.SecretString);
            secret = parseSecret(out.SecretString);
        } catch (error) {
            throw stepError("read-secret", error, [...known]);
        }
        known.add(secret.password);
        if (cached === undefined || fetch > cached.fetch) cached = { secret, fetchedAt: startedAt, fetch };
        return secret;
    };

    /** A fetch the caller waits for; concurrent waiting callers share it. */
    const waitedFetch = (): Promise<DbSecret> => {
        waited ??= fetchSecret().finally(() => (waited = undefined));
        return waited;
    };

    const startBackgroundRefresh = (): void => {
        background = fetchSecret().then(
            () => {
                lastFailureAt = undefined;
            },
            (error: unknown) => {
                // The cached secret keeps serving; the failure is logged once and retried later.
                lastFailureAt = now();
                logBackgroundFailure(stepError("read-secret", error, [...known]));
            },
        );
        void background.finally(() => (background = undefined));
    };

    return {
        secret(): Promise<DbSecret> {
            if (cached === undefined) return waitedFetch();
            const at = now();
            if (
                at - cached.fetchedAt >= refreshAfterMs &&
                background === undefined &&
                waited === undefined &&
                (lastFailureAt === undefined || at - lastFailureAt >= retryDelayMs)
            ) {
                startBackgroundRefresh();
            }
            return Promise.resolve(cached.secret);
        },
        refreshSecret(): Promise<DbSecret> {
            // A background fetch may have started before the rotation: fetch anew rather than join it.
            return waitedFetch();
        },
        secrets(): string[] {
            return [...known];
        },
    };
}
