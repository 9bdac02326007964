// The stacks a plan runs: stack files read as the Pulumi CLI reads them (infra/lib/stackFiles), each
// config checked by the program's own check, the set ordered (the database stack first) and cross-checked
// offline (each consumer names exactly the database stack planned with it). Every problem of every file is
// collected before anything runs.
import * as path from "path";
import { stringify } from "yaml";
import { checkStackConfig, StackConfig } from "../infra/config";
import { PROJECT } from "../infra/lib/constants";
import {
    formatProblem,
    parseStackFile,
    ProjectConfig,
    readProjectFile,
    readStackFile,
    StackFile,
    StackFileResult,
    stackFilesIn,
    stackNameOf,
} from "../infra/lib/stackFiles";

/** The repository: its Pulumi.yaml and shipped stack files. */
export const ROOT = path.join(__dirname, "..");

/** A stack file with its checked config. */
export interface PlanStack extends StackFile {
    readonly config: StackConfig;
}

export interface StackSet {
    readonly database: PlanStack;
    readonly consumers: readonly PlanStack[];
    /** The Pulumi organization the stacks belong to. */
    readonly organization: string;
}

/** Stack files or config that cannot be planned; each line names the file and the key. */
export class StackFileError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "StackFileError";
    }
}

let project: ProjectConfig | undefined;

/** The repository's project file, whose `config:` applies to every stack file planned. */
function projectConfig(): ProjectConfig {
    if (!project) {
        const read = readProjectFile(path.join(ROOT, "Pulumi.yaml"));
        if (!read.ok) {
            throw new StackFileError(read.problems.map((p) => formatProblem(read.file, p)));
        }
        project = read.project;
    }
    return project;
}

/** Reads and checks one stack file; its problems, each naming file and key, when it cannot be planned. */
function loadStack(file: string): PlanStack | string[] {
    return checked(readStackFile(file, projectConfig()));
}

/** A stack from config already in memory, as its stack file would hold it (tests build variants this way). */
export function stackFromConfig(
    stack: string,
    config: Record<string, unknown>,
    file = `Pulumi.${stack}.yaml`,
): PlanStack {
    const loaded = checked(parseStackFile(stringify({ config }), file, projectConfig()));
    if (Array.isArray(loaded)) {
        throw new StackFileError(loaded);
    }
    return loaded;
}

/**
 * The set to plan: every stack file of the repository, with `files` replacing the repository's file of
 * the same stack (or, with `only`, just `files`). Throws one StackFileError listing every problem.
 */
export function loadStackSet(
    files: readonly string[] = [],
    options: { only?: boolean; organization: string },
): StackSet {
    const given = new Map(files.map((file) => [stackNameOf(file) ?? file, file]));
    const shipped = options.only ? [] : stackFilesIn(ROOT).filter((f) => !given.has(stackNameOf(f)!));
    const stacks: PlanStack[] = [];
    const problems: string[] = [];
    for (const file of [...shipped, ...given.values()]) {
        const loaded = loadStack(file);
        if (Array.isArray(loaded)) {
            problems.push(...loaded);
        } else {
            stacks.push(loaded);
        }
    }
    if (problems.length > 0) {
        throw new StackFileError(problems);
    }
    return stackSet(stacks, options.organization);
}

/** Orders `stacks` (the one database stack first) and checks that every consumer names it. */
export function stackSet(stacks: readonly PlanStack[], organization: string): StackSet {
    const databases = stacks.filter((s) => s.config.stackRole === "database");
    if (databases.length !== 1) {
        throw new StackFileError([
            `${databases.length === 0 ? "no" : databases.length} stack files with ${PROJECT}:stackRole ` +
                `"database" (${databases.map((s) => s.file).join(", ") || "none"}); a plan runs exactly one ` +
                "database stack and its consumers",
        ]);
    }
    const database = databases[0];
    const consumers = stacks.filter((s) => s.config.stackRole === "consumer");
    const problems = consumers.flatMap((consumer) => referenceProblems(consumer, database, organization));
    const names = new Map<string, string>();
    for (const consumer of consumers) {
        const name = consumer.config.stackRole === "consumer" ? consumer.config.consumerName : "";
        if (names.has(name)) {
            problems.push(
                `${consumer.file}: ${PROJECT}:consumerName: "${name}" is also the consumer of ${names.get(name)}; ` +
                    "each consumer has one stack",
            );
        }
        names.set(name, consumer.file);
    }
    if (problems.length > 0) {
        throw new StackFileError(problems);
    }
    return { database, consumers, organization };
}

/** The fully qualified name of a stack of this project. */
export function qualifiedName(organization: string, stack: string): string {
    return `${organization}/${PROJECT}/${stack}`;
}

/** Whether a consumer's `databaseStack` names, in all three parts, the database stack planned with it. */
function referenceProblems(consumer: PlanStack, database: PlanStack, organization: string): string[] {
    if (consumer.config.stackRole !== "consumer") {
        return [];
    }
    const named = consumer.config.databaseStack;
    const [org, projectName, stack] = named.split("/");
    const expected = { organization, project: PROJECT, stack: database.stack };
    const wrong = [
        org !== expected.organization ? `organization "${org}" (the plan's is "${organization}")` : undefined,
        projectName !== expected.project
            ? `project "${projectName}" (this project is "${PROJECT}")`
            : undefined,
        stack !== expected.stack ? `stack "${stack}" (the database stack is "${database.stack}")` : undefined,
    ].filter((part): part is string => part !== undefined);
    if (wrong.length === 0) {
        return [];
    }
    return [
        `${consumer.file}: ${PROJECT}:databaseStack: "${named}" names ${wrong.join(", ")}; set it to ` +
            `"${qualifiedName(organization, database.stack)}"`,
    ];
}

function checked(read: StackFileResult): PlanStack | string[] {
    if (!read.ok) {
        return read.problems.map((p) => formatProblem(read.file, p));
    }
    const check = checkStackConfig(read.stackFile.values);
    if (!check.ok) {
        return check.problems.map((p) => formatProblem(read.stackFile.file, p));
    }
    return { ...read.stackFile, config: check.config };
}
