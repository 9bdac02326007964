// What the deploy and smoke commands share: their surroundings passed in (so tests run them with fakes),
// util.parseArgs with every mistake reported as one sentence that names the argument and points at --help,
// one exit code per outcome, the checks made before anything runs, and the process entry point.
import { parseArgs, type ParseArgsConfig } from "util";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import type { SelectStack } from "./deploy/automation";
import { findOnPath } from "./deploy/pulumiCli";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** Nothing was run: bad arguments, stack files or credentials, no Pulumi CLI, nothing to act on. */
export const EXIT_NOT_RUN = 2;

/** A command's surroundings; tests pass fakes. */
export interface CommandDeps {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
    /** Default: `pulumi` on the PATH of `env`. */
    readonly findPulumi?: () => string | undefined;
    /** Default: `LocalWorkspace.selectStack`. */
    readonly selectStack?: SelectStack;
}

/** The Pulumi CLI a command would run (`deps.findPulumi`, default `pulumi` on the PATH of `deps.env`), or undefined. */
export function pulumiOnPath(deps: Pick<CommandDeps, "env" | "findPulumi">): string | undefined {
    return (deps.findPulumi ?? (() => findOnPath("pulumi", deps.env)))();
}

/** `deps.selectStack`, default `LocalWorkspace.selectStack`. */
export function selectStackOf(deps: { readonly selectStack?: SelectStack }): SelectStack {
    return deps.selectStack ?? ((args, opts) => LocalWorkspace.selectStack(args, opts));
}

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A problem found before anything ran (stack files, credentials, no Pulumi CLI): the command exits 2. */
export class NotRun extends Error {}

/** Turns util.parseArgs' messages into ours: the option, what is wrong, where to look. */
export function usageError(err: unknown): UsageError {
    const error = err as { code?: string; message?: string };
    const message = error.message ?? String(err);
    const option = /'(-[^' ]+)/.exec(message)?.[1];
    if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        return new UsageError(`unknown option ${option ?? message}; see --help`);
    }
    if (
        error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" &&
        /argument (missing|is ambiguous)/.test(message)
    ) {
        return new UsageError(`${option ?? "an option"} needs a value; see --help`);
    }
    return new UsageError(`${message.split("\n")[0]}; see --help`);
}

/** util.parseArgs of `argv` (strict), its mistakes thrown as `UsageError`s. */
export function parseCommandLine<const T extends Omit<ParseArgsConfig, "args" | "strict">>(
    argv: readonly string[],
    config: T,
) {
    try {
        return parseArgs({ ...config, args: [...argv], strict: true as const });
    } catch (err) {
        throw usageError(err);
    }
}

/**
 * A command as a function of its arguments and surroundings. It first `parse`s the arguments (`--help`
 * prints `usage`, exit 0) and `check`s everything it can before running anything; a `UsageError` or
 * `NotRun` from either is printed as `<name>: <message>`, exit 2. Then `run` gets what `check` found and
 * answers the exit code. Anything else thrown propagates (a crash).
 */
export function command<P extends { readonly help: boolean }, T, D extends CommandDeps>(
    name: string,
    usage: string,
    parse: (argv: readonly string[]) => P,
    check: (args: Exclude<P, { readonly help: true }>, deps: D) => T | Promise<T>,
    run: (checked: T, deps: D) => Promise<number>,
): (argv: readonly string[], deps: D) => Promise<number> {
    return async (argv, deps) => {
        let checked: T;
        try {
            const args = parse(argv);
            if (args.help) {
                deps.out(usage);
                return EXIT_OK;
            }
            checked = await check(args as Exclude<P, { readonly help: true }>, deps);
        } catch (err) {
            if (err instanceof UsageError || err instanceof NotRun) {
                deps.err(`${name}: ${err.message}`);
                return EXIT_NOT_RUN;
            }
            throw err;
        }
        return run(checked, deps);
    };
}

/**
 * Runs `command` as this process, with its arguments, environment and console: the command's answer is the
 * exit code; a crash prints `<crashLabel>: <message>` and exits 1.
 */
export function runAsProcess(
    command: (argv: readonly string[], deps: CommandDeps) => Promise<number>,
    crashLabel: string,
): void {
    command(process.argv.slice(2), {
        env: process.env,
        out: (line) => console.log(line),
        err: (line) => console.error(line),
    }).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            console.error(`${crashLabel}: ${err instanceof Error ? err.message : String(err)}`);
            process.exitCode = EXIT_FAILED;
        },
    );
}
