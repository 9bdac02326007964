// Stack config files (`Pulumi.<stack>.yaml`) read the way the Pulumi CLI reads them.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig, StackConfig } from "../infra/config";
import { InvalidValueError } from "../infra/lib/validate";

export interface StackFile {
    /** Stack name, from the file name. */
    readonly stack: string;
    readonly file: string;
    /** The `config:` map as written. */
    readonly raw: Record<string, unknown>;
    /** The validated config. */
    readonly config: StackConfig;
}

/** Raised for a stack file that is missing, unreadable or invalid; the message names file and key. */
export class StackFileError extends Error {}

export function readStackFile(file: string): StackFile {
    const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
    if (!match) {
        throw new StackFileError(`${file}: a stack config file is named Pulumi.<stack>.yaml`);
    }
    let raw: Record<string, unknown>;
    try {
        raw =
            (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ??
            {};
    } catch (err) {
        throw new StackFileError(`${file}: ${(err as Error).message}`);
    }
    return stackFromConfig(match[1], raw, file);
}

/** A stack from config already in memory (tests and benchmarks build variants this way). */
export function stackFromConfig(
    stack: string,
    raw: Record<string, unknown>,
    file = `Pulumi.${stack}.yaml`,
): StackFile {
    try {
        return { stack, file, raw, config: parseStackConfig(raw) };
    } catch (err) {
        if (err instanceof InvalidValueError) {
            throw new StackFileError(`${file}: Invalid stack configuration: ${err.message}`);
        }
        throw err;
    }
}
