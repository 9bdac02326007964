// `npm start`: the offline plan. Runs the database program and then each consumer program under
// mocks with their real stack config, prints what each would create, and verifies the access path.
//   npm start -- [--database-stack Pulumi.dev.yaml] [--consumer-stack Pulumi.engineering.yaml ...]
//                [--out plan.json] [--diagram plan.mmd] [--quiet]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { mermaid } from "./diagram";
import { planJson, renderChecks, renderStack } from "./render";
import { Plan, planAll } from "./run";
import { readStackFile, StackFile, StackFileError } from "./stackFiles";
import { Check, verifyPlan } from "./verify";

const ROOT = path.join(__dirname, "..");

export interface PlanOptions {
    /** Change the plan before it is verified (tests break one link at a time this way). */
    readonly mutate?: (plan: Plan) => void;
    readonly write?: (text: string) => void;
}

export interface PlanOutcome {
    readonly exitCode: number;
    readonly plan?: Plan;
    readonly checks: Check[];
}

export async function main(argv: string[], options: PlanOptions = {}): Promise<PlanOutcome> {
    const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
    const { values } = parseArgs({
        args: argv,
        options: {
            "database-stack": { type: "string", default: path.join(ROOT, "Pulumi.dev.yaml") },
            "consumer-stack": { type: "string", multiple: true },
            out: { type: "string" },
            diagram: { type: "string" },
            quiet: { type: "boolean", default: false },
        },
    });
    let database: StackFile;
    let consumers: StackFile[];
    try {
        database = readStackFile(values["database-stack"]!);
        consumers = (values["consumer-stack"] ?? [path.join(ROOT, "Pulumi.engineering.yaml")]).map(
            readStackFile,
        );
        const wrongRole = [database, ...consumers].find(
            (s, i) => s.config.stackRole !== (i === 0 ? "database" : "consumer"),
        );
        if (wrongRole) {
            throw new StackFileError(
                `${wrongRole.file}: cross-account-rds:stackRole is "${wrongRole.config.stackRole}" here`,
            );
        }
    } catch (err) {
        if (err instanceof StackFileError) {
            write(`✗ ${err.message}`);
            return { exitCode: 2, checks: [] };
        }
        throw err;
    }

    let plan: Plan;
    try {
        plan = await planAll(database, consumers);
    } catch (err) {
        write(`✗ The program failed under mocks: ${(err as Error).message}`);
        return { exitCode: 1, checks: [] };
    }
    options.mutate?.(plan);
    const checks = verifyPlan(plan);

    if (!values.quiet) {
        for (const stack of [plan.database, ...plan.consumers]) {
            write(`${renderStack(stack)}\n`);
        }
    }
    write("Access path:");
    write(renderChecks(checks));
    if (values.out) {
        fs.writeFileSync(values.out, planJson(plan, checks));
        write(`Plan written to ${values.out}`);
    }
    if (values.diagram) {
        fs.writeFileSync(values.diagram, mermaid(plan));
        write(`Diagram written to ${values.diagram}`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    write(failed ? `\n${failed} of ${checks.length} checks failed.` : `\nAll ${checks.length} checks hold.`);
    return { exitCode: failed ? 1 : 0, plan, checks };
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
