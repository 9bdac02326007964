// `npm run deploy` / `npm run preview`: runs `pulumi up` / `pulumi preview` on every stack of the project
// in dependency order through the Automation API: database stacks first, then their consumers in
// parallel. Needs the Pulumi CLI, a logged-in backend and AWS credentials for every stack's account.
//
//   npm run preview
//   npm run deploy -- --stack dev            # only the database stack
//   npm run deploy -- --stacks-dir ./project # a project directory with Pulumi.yaml + Pulumi.<stack>.yaml
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { planFromDirectory, PlanError } from "./deploy/order";
import { parseDeployArgs, runWaves, type StackOps, type Workspace } from "./deploy/run";

/** The Automation API as the runner's workspace: one LocalWorkspace stack per selection. */
function automationWorkspace(workDir: string): Workspace {
    return {
        async select(stackName: string): Promise<StackOps> {
            const stack = await LocalWorkspace.selectStack({ stackName, workDir });
            return {
                preview: (onOutput) => stack.preview({ onOutput }),
                up: (onOutput) => stack.up({ onOutput }),
                outputs: async () => stack.outputs(),
            };
        },
    };
}

async function main(): Promise<number> {
    let args;
    try {
        args = parseDeployArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`deploy: ${(err as Error).message}`);
        return 2;
    }
    const dir = path.resolve(args.stacksDir ?? path.join(__dirname, ".."));
    let waves;
    try {
        waves = planFromDirectory(dir, args.stacks);
    } catch (err) {
        if (err instanceof PlanError) {
            console.error(`deploy: ${err.message}`);
            return 2;
        }
        throw err;
    }
    console.log(`plan: ${waves.map((w) => `[${w.map((s) => s.name).join(", ")}]`).join(" -> ")}`);
    const result = await runWaves(waves, args.mode, automationWorkspace(dir), (line) => console.log(line));
    if (!result.ok) {
        for (const failure of result.failed) {
            console.error(`\nstack ${failure.stack} failed:\n${failure.message}`);
        }
        return 1;
    }
    for (const skip of result.skipped) {
        console.log(`skipped ${skip.stack}: ${skip.reason}`);
    }
    console.log(`done: ${args.mode} of ${result.completed.join(", ") || "no stacks"}`);
    return 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(`deploy: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
    },
);
