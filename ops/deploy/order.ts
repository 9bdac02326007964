// Which stacks to run, and in which order: pure functions over the stack files (`Pulumi.<stack>.yaml`).
// Database stacks come first; each consumer waits for the database stack its `databaseStack` names;
// consumers of the same wave run in parallel.
import * as path from "path";
import { PROJECT } from "../../infra/lib/constants";
import { formatProblem, readStackFile, stackFilesIn, stackNameOf } from "../../infra/lib/stackFiles";

export type StackRole = "database" | "consumer";

export interface StackFile {
    /** The stack name, from the file name: `Pulumi.dev.yaml` is `dev`. */
    readonly name: string;
    /** The file it was read from (for messages). */
    readonly file: string;
    /** The config as the CLI hands it to the program: `namespace:name` to text. */
    readonly config: Readonly<Record<string, unknown>>;
}

export interface PlannedStack {
    readonly name: string;
    readonly role: StackRole;
    /** Consumers only: the database stack as the consumer references it (`org/project/dev`). */
    readonly databaseStack?: string;
    /** Consumers only: the name of the database stack's file among the planned ones (`dev`). */
    readonly databaseStackName?: string;
    /** Consumers only: its `consumerName`, the key of its record in the database stack's `consumers`. */
    readonly consumerName?: string;
}

export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

/**
 * Reads every `Pulumi.<stack>.yaml` of `dir`, or only the given files, the way the Pulumi CLI reads them
 * (with the project file's defaults); any problem the CLI would refuse is refused here, all at once.
 */
export function readStackFiles(dir: string, files?: readonly string[]): StackFile[] {
    const paths = files ? [...files].sort().map((f) => path.resolve(dir, f)) : stackFilesIn(dir);
    const problems: string[] = [];
    const read = paths.flatMap((full): StackFile[] => {
        if (stackNameOf(full) === undefined) {
            problems.push(
                `${path.basename(full)} is not a stack file; stack files are named Pulumi.<stack>.yaml`,
            );
            return [];
        }
        const result = readStackFile(full);
        if (!result.ok) {
            problems.push(...result.problems.map((p) => formatProblem(path.basename(result.file), p)));
            return [];
        }
        return [{ name: result.stackFile.stack, file: path.basename(full), config: result.stackFile.values }];
    });
    if (problems.length > 0) {
        throw new PlanError(problems.join("\n"));
    }
    return read;
}

/** The last segment of a stack reference: `org/project/dev` is `dev`. */
function shortName(reference: string): string {
    return reference.slice(reference.lastIndexOf("/") + 1);
}

/** Classifies each stack by `stackRole` and resolves each consumer's database stack among the files. */
export function classifyStacks(files: readonly StackFile[]): PlannedStack[] {
    const byName = new Map(files.map((f) => [f.name, f]));
    const resolve = (reference: string): StackFile | undefined =>
        byName.get(reference) ?? files.find((f) => f.name === shortName(reference));

    const planned = files.map((file): PlannedStack => {
        const role = file.config[`${PROJECT}:stackRole`];
        if (role === "database") {
            return { name: file.name, role };
        }
        if (role !== "consumer") {
            throw new PlanError(
                `${file.file}: ${PROJECT}:stackRole is ${role === undefined ? "missing" : JSON.stringify(role)}; set it to "database" or "consumer"`,
            );
        }
        const reference = file.config[`${PROJECT}:databaseStack`];
        if (typeof reference !== "string" || reference === "") {
            throw new PlanError(
                `${file.file}: a consumer stack needs ${PROJECT}:databaseStack naming its database stack (org/${PROJECT}/<stack>)`,
            );
        }
        const consumerName = file.config[`${PROJECT}:consumerName`];
        if (typeof consumerName !== "string" || consumerName === "") {
            throw new PlanError(
                `${file.file}: a consumer stack needs ${PROJECT}:consumerName, its name in the database stack's consumers`,
            );
        }
        const target = resolve(reference);
        if (!target) {
            throw new PlanError(
                `${file.file}: its database stack "${reference}" is not among the stack files (${files.map((f) => f.file).join(", ")}); add Pulumi.${shortName(reference)}.yaml or fix ${PROJECT}:databaseStack`,
            );
        }
        return {
            name: file.name,
            role,
            databaseStack: reference,
            databaseStackName: target.name,
            consumerName,
        };
    });

    refuseCycles(planned);
    const roles = new Map(planned.map((s) => [s.name, s.role]));
    for (const stack of planned) {
        if (stack.databaseStackName !== undefined && roles.get(stack.databaseStackName) !== "database") {
            throw new PlanError(
                `stack ${stack.name}: its databaseStack "${stack.databaseStack}" is the ${roles.get(stack.databaseStackName)} stack ${stack.databaseStackName}, not a database stack`,
            );
        }
    }
    return planned;
}

function refuseCycles(stacks: readonly PlannedStack[]): void {
    const next = new Map(stacks.map((s) => [s.name, s.databaseStackName]));
    for (const start of stacks) {
        const path: string[] = [];
        let current: string | undefined = start.name;
        // Each stack has at most one dependency, so a walk longer than the stack count is a cycle.
        while (current !== undefined && path.length <= stacks.length) {
            const at = path.indexOf(current);
            if (at >= 0) {
                throw new PlanError(
                    `the stacks depend on each other in a cycle: ${[...path.slice(at), current].join(" -> ")}`,
                );
            }
            path.push(current);
            current = next.get(current);
        }
    }
}

/**
 * Waves of stack names: every database stack first, then every consumer (in parallel). With `only`,
 * just those stacks (still in dependency order); an unknown name is refused.
 */
export function planWaves(stacks: readonly PlannedStack[], only: readonly string[] = []): PlannedStack[][] {
    for (const name of only) {
        if (!stacks.some((s) => s.name === name)) {
            throw new PlanError(
                `--stack ${name}: no such stack; known stacks: ${stacks.map((s) => s.name).join(", ")}`,
            );
        }
    }
    const selected = only.length === 0 ? stacks : stacks.filter((s) => only.includes(s.name));
    const waves = [
        selected.filter((s) => s.role === "database"),
        selected.filter((s) => s.role === "consumer"),
    ];
    return waves.filter((wave) => wave.length > 0);
}

/** Reads and classifies every stack file of `dir` (or `files`); refuses a directory without one. */
export function loadStacks(dir: string, files?: readonly string[]): PlannedStack[] {
    const stackFiles = readStackFiles(dir, files);
    if (stackFiles.length === 0) {
        throw new PlanError(`no stack files (Pulumi.<stack>.yaml) in ${dir}`);
    }
    return classifyStacks(stackFiles);
}

/** Reads, classifies and orders the stacks of `dir` in one call. */
export function planFromDirectory(
    dir: string,
    only: readonly string[] = [],
    files?: readonly string[],
): PlannedStack[][] {
    return planWaves(loadStacks(dir, files), only);
}
