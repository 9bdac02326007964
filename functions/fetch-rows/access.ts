// Credentials (assumed role, refreshed by the SDK before expiry) and the reader secret (cached with a TTL).
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { stepError } from "./errors";
import type { Settings } from "./settings";

/** The reader secret in the RDS format (host/port/dbname are optional and informative only). */
export interface DbSecret {
    readonly username: string;
    readonly password: string;
    /** The whole SecretString, kept only so it can be redacted from messages. */
    readonly raw: string;
}

export interface Access {
    /** The cached secret, fetched when absent or older than the TTL. */
    secret(): Promise<DbSecret>;
    /** Fetches the secret again now (the database rejected the cached one). */
    refreshSecret(): Promise<DbSecret>;
    /** Values to redact from any message: the current password and whole secret string. */
    secrets(): string[];
}

const ASSUMED_ROLE_SECONDS = 3600;

/** Parses the SecretString; the error never includes the value. */
export function parseSecret(value: string | undefined): DbSecret {
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
 * `fromTemporaryCredentials` (AssumeRole; the client memoizes them and refreshes before expiry).
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
    let cached: { secret: DbSecret; fetchedAt: number } | undefined;
    let pending: Promise<DbSecret> | undefined;
    // Values that ever were secret in this container: redacted from every message.
    const known = new Set<string>();

    const fetchSecret = async (): Promise<DbSecret> => {
        try {
            // The client's memoized provider: AssumeRole only when there are no valid credentials.
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
        cached = { secret, fetchedAt: now() };
        return secret;
    };

    const coalesced = (): Promise<DbSecret> => {
        pending ??= fetchSecret().finally(() => (pending = undefined));
        return pending;
    };

    return {
        secret(): Promise<DbSecret> {
            if (cached && now() - cached.fetchedAt < settings.secretTtlMs)
                return Promise.resolve(cached.secret);
            return coalesced();
        },
        refreshSecret(): Promise<DbSecret> {
            cached = undefined;
            return coalesced();
        },
        secrets(): string[] {
            return [...known];
        },
    };
}
