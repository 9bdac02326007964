// `npm start`: the offline plan. Reads every stack file of the repository as the Pulumi CLI would, runs
// the database program and then each consumer program under mocks with that config, prints what each
// would create, verifies every consumer's access path across the stacks and runs the policy pack.
//   npm start -- [Pulumi.<stack>.yaml ...] [--only] [--organization <org>]
//                [--out plan.json] [--diagram plan.mmd] [--quiet]
// A file given replaces the repository's stack file of the same stack; with --only, just the files given
// are planned. Exit 0: all holds; 1: a link or a policy fails, or a program fails; 2: stack config refused.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { parseArgs } from "util";
import { mermaid } from "./diagram";
import { runPack, Violation } from "./pack";
import { planJson, redact, renderChecks, renderStack, renderViolations } from "./render";
import { Plan, planAll, StackRunFailure } from "./run";
import { DEFAULT_ORGANIZATION } from "./runStack";
import { loadStackSet, StackFileError, StackSet } from "./stackFiles";
import { Check, verifyPlan } from "./verify";

export interface PlanOptions {
    /** Change the plan before it is verified (tests break one link at a time this way). */
    readonly mutate?: (plan: Plan) => void;
    readonly write?: (text: string) => void;
}

export interface PlanOutcome {
    readonly exitCode: number;
    readonly plan?: Plan;
    readonly checks: Check[];
    readonly violations: Violation[];
}

const USAGE =
    "usage: npm start -- [Pulumi.<stack>.yaml ...] [--only] [--organization <org>] [--out plan.json] " +
    "[--diagram plan.mmd] [--quiet] [--help]";

const HELP = `${USAGE}

The offline plan: runs every stack file of the repository (the database stack first, then each consumer)
under a mock cloud with its config read as the Pulumi CLI reads it, prints what each would create, runs
the policy pack over each stack and checks the access path across stacks. No cloud, no Pulumi CLI.

  Pulumi.<stack>.yaml   use this file for that stack instead of the repository's (with --only: plan only these)
  --organization <org>  the Pulumi organization of the stacks (default ${DEFAULT_ORGANIZATION})
  --out <file>          write plan.json: resources with ids, ARNs and options, checks, violations
  --diagram <file>      write a Mermaid diagram of the access path
  --quiet               print only the checks and violations

Exit codes: 0 every check holds and no policy is violated; 1 a link or a policy fails; 2 config refused.`;

export async function main(argv: string[], options: PlanOptions = {}): Promise<PlanOutcome> {
    const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
    const refused = (lines: readonly string[]): PlanOutcome => {
        lines.forEach((line) => write(`✗ ${line}`));
        write(
            `\nStack config refused (${lines.length} problem${lines.length === 1 ? "" : "s"}); nothing was planned.`,
        );
        return { exitCode: 2, checks: [], violations: [] };
    };
    let args: ReturnType<typeof parseCommandLine>;
    let set: StackSet;
    try {
        args = parseCommandLine(argv);
        if (args.values.help) {
            write(HELP);
            return { exitCode: 0, checks: [], violations: [] };
        }
        set = loadStackSet(args.positionals, {
            only: args.values.only,
            organization: args.values.organization,
        });
    } catch (err) {
        if (err instanceof StackFileError) {
            return refused(err.problems);
        }
        if ((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
            return refused([(err as Error).message, USAGE]);
        }
        throw err;
    }

    let plan: Plan;
    try {
        plan = await planAll(set);
    } catch (err) {
        const { file, reason } = err instanceof StackRunFailure ? err : { file: "", reason: err };
        const where = file ? `${file}: ` : "";
        if (pulumi.RunError.isInstance(reason as Error)) {
            // The program refused its config (or its database stack's record), as `pulumi up` would.
            return refused((reason as Error).message.split("\n").map((line) => `${where}${line}`));
        }
        write(`✗ ${where}the program failed under mocks: ${(reason as Error).stack ?? String(reason)}`);
        return { exitCode: 1, checks: [], violations: [] };
    }
    options.mutate?.(plan);
    return report(plan, { ...args.values, write });
}

export interface ReportOptions {
    readonly write: (text: string) => void;
    readonly quiet?: boolean;
    /** Where to write plan.json. */
    readonly out?: string;
    /** Where to write the Mermaid diagram. */
    readonly diagram?: string;
}

/** Verifies a plan (links and policies), prints it and writes the files asked for. */
export function report(plan: Plan, { write: print, quiet, out, diagram }: ReportOptions): PlanOutcome {
    // Whatever a line holds (a trust policy's condition, an error detail), no secret value is printed.
    const secrets = new Set([plan.database, ...plan.consumers].flatMap((s) => [...s.secretValues]));
    const write = (text: string) => print(String(redact(text, secrets)));
    const checks = verifyPlan(plan);
    const violations = runPack(plan);
    if (!quiet) {
        for (const stack of [plan.database, ...plan.consumers]) {
            write(`${renderStack(stack)}\n`);
        }
    }
    write("Access path:");
    write(renderChecks(checks));
    write("\nPolicy pack:");
    write(violations.length ? renderViolations(violations) : "✓ no violations");
    if (out) {
        fs.writeFileSync(out, planJson(plan, checks, violations));
        write(`Plan written to ${out}`);
    }
    if (diagram) {
        fs.writeFileSync(diagram, mermaid(plan));
        write(`Diagram written to ${diagram}`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    const blocking = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    write(
        failed || blocking
            ? `\n${failed} of ${checks.length} checks failed; ${blocking} mandatory policy violation${blocking === 1 ? "" : "s"}.`
            : `\nAll ${checks.length} checks hold; no policy violations.`,
    );
    return { exitCode: failed || blocking ? 1 : 0, plan, checks, violations };
}

function parseCommandLine(argv: string[]) {
    return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            only: { type: "boolean", default: false },
            organization: { type: "string", default: DEFAULT_ORGANIZATION },
            out: { type: "string" },
            diagram: { type: "string" },
            quiet: { type: "boolean", default: false },
            help: { type: "boolean", default: false },
        },
    });
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (outcome) => process.exit(outcome.exitCode),
        (err: Error) => {
            process.stderr.write(`✗ ${err.stack ?? err.message}\n`);
            process.exit(1);
        },
    );
}
