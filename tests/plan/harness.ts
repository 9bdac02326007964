// Running `npm start` in-process for the plan tests: with stack files written to a temp directory, or over
// a copy of an already computed plan (so a test can break one link without re-running the programs).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { main, PlanOutcome, report } from "../../plan/main";
import { Plan, StackPlan } from "../../plan/run";

export interface Run extends PlanOutcome {
    readonly output: string;
}

/** `npm start -- ...args`, its output captured. */
export async function plan(args: string[] = [], mutate?: (plan: Plan) => void): Promise<Run> {
    const lines: string[] = [];
    const outcome = await main(args, { mutate, write: (text) => lines.push(text) });
    return { ...outcome, output: lines.join("\n") };
}

/** Verifies a copy of `base` changed by `mutate`, as `npm start` would report it. */
export function reportOn(base: Plan, mutate: (plan: Plan) => void): Run {
    const copy = clonePlan(base);
    mutate(copy);
    const lines: string[] = [];
    const outcome = report(copy, { quiet: true, write: (text) => lines.push(text) });
    return { ...outcome, output: lines.join("\n") };
}

/** The names (and details) of the checks that fail. */
export function failed(run: Pick<Run, "checks">): string[] {
    return run.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}

export function failedNames(run: Pick<Run, "checks">): string[] {
    return run.checks.filter((c) => !c.ok).map((c) => c.name);
}

/** A temp directory for one test file's stack files, removed after it. */
export function tempDir(): { readonly dir: () => string } {
    let dir = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return { dir: () => dir };
}

/** Writes `Pulumi.<stack>.yaml` with `config` into `dir`. */
export function writeStackFile(dir: string, stack: string, config: Record<string, unknown> | string): string {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, typeof config === "string" ? config : stringify({ config }));
    return file;
}

/** A copy whose resources can be changed freely: plain objects and lists are copied, anything else shared. */
export function clonePlan(plan: Plan): Plan {
    const stack = (s: StackPlan): StackPlan => ({
        ...s,
        resources: s.resources.map((r) => copy(r) as StackPlan["resources"][number]),
        exports: copy(s.exports) as Record<string, unknown>,
    });
    return { ...plan, database: stack(plan.database), consumers: plan.consumers.map(stack) };
}

function copy(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(copy);
    }
    if (value !== null && typeof value === "object" && value.constructor === Object) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
    }
    return value;
}
