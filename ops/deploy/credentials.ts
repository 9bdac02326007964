// Which AWS credentials each stack runs with. Every stack lives in its own account (`aws:allowedAccountIds`),
// so a run over several stacks needs one AWS profile per stack: from `--profile <stack>=<aws-profile>` or
// the environment variable `CROSS_ACCOUNT_RDS_AWS_PROFILE_<STACK>`. A run over one stack may use the
// ambient credentials instead. The variables go to that stack's Pulumi process only (the Automation API's
// `envVars`), and a profile also blanks the ambient credential variables there, because the AWS SDKs prefer
// static keys from the environment over a profile and would otherwise mix the two accounts.
export const PROFILE_ENV_PREFIX = "CROSS_ACCOUNT_RDS_AWS_PROFILE_";

/** Credential variables that would outrank `AWS_PROFILE`; emptied (empty is "unset" to the SDKs) per stack. */
export const AMBIENT_CREDENTIAL_VARIABLES = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
] as const;

export interface StackCredentials {
    readonly stack: string;
    /** Where they come from: a `--profile` flag, the stack's environment variable, or the ambient chain. */
    readonly source: "flag" | "environment" | "ambient";
    /** The AWS profile, unless ambient. */
    readonly profile?: string;
    /** Exactly what this stack's Pulumi process gets on top of the parent environment. */
    readonly envVars: Readonly<Record<string, string>>;
}

export class CredentialsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CredentialsError";
    }
}

/** `CROSS_ACCOUNT_RDS_AWS_PROFILE_<STACK>`: the stack name upper-cased, anything but A-Z and 0-9 as `_`. */
export function profileVariable(stack: string): string {
    return PROFILE_ENV_PREFIX + stack.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Parses `--profile <stack>=<aws-profile>` values into a map, refusing malformed or repeated ones. */
export function parseProfileFlags(values: readonly string[]): Map<string, string> {
    const profiles = new Map<string, string>();
    for (const value of values) {
        const at = value.indexOf("=");
        const stack = at > 0 ? value.slice(0, at).trim() : "";
        const profile = at > 0 ? value.slice(at + 1).trim() : "";
        if (stack === "" || profile === "" || /\s/.test(profile)) {
            throw new CredentialsError(
                `--profile ${JSON.stringify(value)}: write --profile <stack>=<aws-profile>, e.g. --profile dev=database-admin`,
            );
        }
        if (profiles.has(stack) && profiles.get(stack) !== profile) {
            throw new CredentialsError(
                `--profile names two AWS profiles for stack ${stack} (${profiles.get(stack)}, ${profile}); give one`,
            );
        }
        profiles.set(stack, profile);
    }
    return profiles;
}

/** The AWS profile `env` names for `stack` (its `profileVariable`, trimmed), or undefined when unset or blank. */
export function profileFromEnv(
    stack: string,
    env: Readonly<Record<string, string | undefined>>,
): string | undefined {
    return env[profileVariable(stack)]?.trim() || undefined;
}

/** The variables a stack's Pulumi process gets for `profile`: the profile, and no other credentials. */
export function profileEnvVars(profile: string): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const name of AMBIENT_CREDENTIAL_VARIABLES) {
        vars[name] = "";
    }
    vars.AWS_PROFILE = profile;
    return vars;
}

/**
 * Credentials for each of `selected` (in order). `known` are all stacks of the project, so a profile for a
 * stack that does not exist is refused rather than silently ignored. Flags win over the environment.
 */
export function resolveCredentials(
    selected: readonly string[],
    known: readonly string[],
    flags: ReadonlyMap<string, string>,
    env: Readonly<Record<string, string | undefined>>,
): StackCredentials[] {
    for (const stack of flags.keys()) {
        if (!known.includes(stack)) {
            throw new CredentialsError(
                `--profile ${stack}=...: no stack ${stack}; the stacks are ${known.join(", ")}`,
            );
        }
    }
    const resolved = selected.map((stack): StackCredentials => {
        const fromFlag = flags.get(stack);
        if (fromFlag !== undefined) {
            return { stack, source: "flag", profile: fromFlag, envVars: profileEnvVars(fromFlag) };
        }
        const fromEnv = profileFromEnv(stack, env);
        if (fromEnv !== undefined) {
            return { stack, source: "environment", profile: fromEnv, envVars: profileEnvVars(fromEnv) };
        }
        return { stack, source: "ambient", envVars: {} };
    });
    const ambient = resolved.filter((c) => c.source === "ambient");
    if (selected.length > 1 && ambient.length > 0) {
        throw new CredentialsError(
            [
                `stacks ${selected.join(", ")} each deploy into their own AWS account (aws:allowedAccountIds), so each needs its own AWS profile; missing for ${ambient.map((c) => c.stack).join(", ")}.`,
                `Give them as ${ambient.map((c) => `--profile ${c.stack}=<aws-profile>`).join(" ")}`,
                `or set ${ambient.map((c) => `${profileVariable(c.stack)}=<aws-profile>`).join(" ")},`,
                `or run one stack at a time with --stack <name> and that account's credentials in the environment.`,
            ].join("\n"),
        );
    }
    return resolved;
}

/** One line for the log: which credentials a stack uses (never their values). */
export function describeCredentials(credentials: StackCredentials): string {
    switch (credentials.source) {
        case "flag":
            return `AWS profile ${credentials.profile} (from --profile; other AWS credential variables cleared for this stack)`;
        case "environment":
            return `AWS profile ${credentials.profile} (from ${profileVariable(credentials.stack)}; other AWS credential variables cleared for this stack)`;
        case "ambient":
            return "the ambient AWS credentials (a single stack, and no profile given for it)";
    }
}
