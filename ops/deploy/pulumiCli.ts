// Finds the Pulumi CLI the way the Automation API will run it (`pulumi` on PATH), so that a missing CLI
// is one clear sentence before anything starts rather than `spawn pulumi ENOENT` half-way through.
import * as fs from "fs";
import * as path from "path";

export const PULUMI_MISSING = "the Pulumi CLI is not installed: see https://www.pulumi.com/docs/install/";

/** The first executable `name` on `env.PATH` (with `PATHEXT` on Windows), or undefined. */
export function findOnPath(
    name: string,
    env: Readonly<Record<string, string | undefined>>,
    platform: NodeJS.Platform = process.platform,
): string | undefined {
    const delimiter = platform === "win32" ? ";" : ":";
    const extensions = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
    for (const dir of (env.PATH ?? env.Path ?? "").split(delimiter)) {
        if (dir === "") {
            continue;
        }
        for (const extension of extensions) {
            const candidate = path.join(dir, name + extension.toLowerCase());
            try {
                if (fs.statSync(candidate).isFile()) {
                    fs.accessSync(candidate, fs.constants.X_OK);
                    return candidate;
                }
            } catch {
                // Not here (or not executable): the next PATH entry may have it.
            }
        }
    }
    return undefined;
}
