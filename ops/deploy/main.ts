// ops/deploy.ts as a function of its arguments and surroundings, so tests can run it with a fake
// Automation API. Everything that can be checked without the Pulumi CLI (arguments, stack files,
// credentials, the CLI itself) is checked before any stack is touched; such a problem exits 2.
import * as fs from "fs";
import * as path from "path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import {
    command,
    EXIT_FAILED,
    EXIT_NOT_RUN,
    EXIT_OK,
    NotRun,
    pulumiOnPath,
    selectStackOf,
    type CommandDeps,
} from "../cli";
import { DEPLOY_USAGE, parseDeployArgs, type DeployArgs } from "./args";
import { automationWorkspace } from "./automation";
import {
    CredentialsError,
    describeCredentials,
    resolveCredentials,
    type StackCredentials,
} from "./credentials";
import { loadStacks, planWaves, PlanError, type PlannedStack } from "./order";
import { PULUMI_MISSING } from "./pulumiCli";
import { checkReadiness, runWaves, type Workspace } from "./run";

export { EXIT_FAILED, EXIT_NOT_RUN, EXIT_OK };

export interface DeployDeps extends CommandDeps {
    /** The repository: default stacks directory and home of the policy pack. */
    readonly repoRoot?: string;
    /** Default: `PulumiCommand.get()` (checks the CLI's version once). */
    readonly pulumiCommand?: () => Promise<PulumiCommand | undefined>;
}

const REPO_ROOT = path.resolve(__dirname, "../..");

interface Prepared {
    readonly args: Extract<DeployArgs, { help: false }>;
    readonly dir: string;
    readonly waves: PlannedStack[][];
    /** The stacks that run with credentials of their own: all selected ones, or the consumers for `ready`. */
    readonly acting: PlannedStack[];
    readonly credentials: StackCredentials[];
    readonly policyPackConfig?: string;
}

function prepare(args: Extract<DeployArgs, { help: false }>, deps: DeployDeps): Prepared {
    const dir = path.resolve(args.stacksDir ?? deps.repoRoot ?? REPO_ROOT);
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
        throw new NotRun(`no Pulumi.yaml in ${dir}: --stacks-dir must be the project directory`);
    }
    let waves: PlannedStack[][];
    let all: PlannedStack[];
    try {
        all = loadStacks(dir);
        waves = planWaves(all, args.stacks);
    } catch (err) {
        if (err instanceof PlanError) {
            throw new NotRun(err.message);
        }
        throw err;
    }
    const selected = waves.flat();
    const acting = args.mode === "ready" ? selected.filter((s) => s.role === "consumer") : selected;
    let credentials: StackCredentials[];
    try {
        credentials = resolveCredentials(
            acting.map((s) => s.name),
            all.map((s) => s.name),
            args.profiles,
            deps.env,
        );
    } catch (err) {
        if (err instanceof CredentialsError) {
            throw new NotRun(err.message);
        }
        throw err;
    }
    let policyPackConfig: string | undefined;
    if (args.policyPackConfig !== undefined) {
        policyPackConfig = path.resolve(args.policyPackConfig);
        if (!fs.existsSync(policyPackConfig)) {
            throw new NotRun(`--policy-pack-config ${args.policyPackConfig}: no such file`);
        }
    }
    return { args, dir, waves, acting, credentials, ...(policyPackConfig ? { policyPackConfig } : {}) };
}

/** GitHub step outputs: `name=value` lines, values kept on one line. */
function githubOutput(values: Record<string, string>): string {
    return Object.entries(values)
        .map(([name, value]) => `${name}=${value.replace(/[\r\n]+/g, " ")}\n`)
        .join("");
}

async function ready(prepared: Prepared, workspace: Workspace, deps: DeployDeps): Promise<number> {
    const results = await checkReadiness(prepared.acting, workspace);
    for (const r of results) {
        const network = r.network !== undefined ? `; network: ${r.network}` : "";
        const preview = !r.ready
            ? ""
            : r.readOnlyPreview.run
              ? "; read-only preview: run"
              : `; read-only preview: skip (${r.readOnlyPreview.reason})`;
        deps.out(
            `${r.stack}: ${r.error ? "ERROR" : r.ready ? "ready" : "NOT READY"}: ${r.detail}${network}${preview}`,
        );
    }
    if (results.length === 0) {
        deps.out("no consumer stack selected: nothing waits for a database stack");
    }
    const notReady = results.filter((r) => !r.ready);
    const skipped = results.flatMap((r) =>
        r.readOnlyPreview.run ? [] : [`${r.stack}: ${r.readOnlyPreview.reason}`],
    );
    if (prepared.args.githubOutput) {
        const file = deps.env.GITHUB_OUTPUT;
        if (file === undefined || file === "") {
            deps.err("deploy: --github-output needs $GITHUB_OUTPUT (set by GitHub Actions)");
            return EXIT_NOT_RUN;
        }
        fs.appendFileSync(
            file,
            githubOutput({
                ready: String(notReady.length === 0),
                network: [...new Set(results.flatMap((r) => (r.network !== undefined ? [r.network] : [])))]
                    .sort()
                    .join(","),
                preview: skipped.length === 0 ? "run" : "skip",
                reason: skipped.join("; "),
            }),
        );
    }
    return results.some((r) => r.error) ? EXIT_FAILED : EXIT_OK;
}

/** ops/deploy.ts: checks everything it can (exit 2 on a problem), then runs the stacks. */
export const runDeploy = command("deploy", DEPLOY_USAGE, parseDeployArgs, prepare, deploy);

async function deploy(prepared: Prepared, deps: DeployDeps): Promise<number> {
    if (pulumiOnPath(deps) === undefined) {
        deps.err(`deploy: ${PULUMI_MISSING}`);
        return EXIT_NOT_RUN;
    }
    let pulumiCommand: PulumiCommand | undefined;
    try {
        pulumiCommand = await (deps.pulumiCommand ?? (() => PulumiCommand.get()))();
    } catch (err) {
        deps.err(`deploy: the Pulumi CLI cannot be used: ${(err as Error).message.split("\n")[0]}`);
        return EXIT_NOT_RUN;
    }
    const { args, waves, credentials } = prepared;
    const workspace = automationWorkspace({
        workDir: prepared.dir,
        policyPack: path.join(deps.repoRoot ?? REPO_ROOT, "policy"),
        ...(prepared.policyPackConfig !== undefined ? { policyPackConfig: prepared.policyPackConfig } : {}),
        credentials,
        ...(pulumiCommand !== undefined ? { pulumiCommand } : {}),
        selectStack: selectStackOf(deps),
    });
    for (const c of credentials) {
        deps.out(`[${c.stack}] AWS credentials: ${describeCredentials(c)}`);
    }
    if (args.mode === "ready") {
        return ready(prepared, workspace, deps);
    }
    deps.out(`plan: ${waves.map((w) => `[${w.map((s) => s.name).join(", ")}]`).join(" -> ")}`);
    const result = await runWaves(waves, args.mode, workspace, deps.out);
    for (const failure of result.failed) {
        deps.err(`\nstack ${failure.stack} failed:\n${failure.message}`);
    }
    // In plan order, whichever consumer finished first.
    const planOrder = waves.flat().map((s) => s.name);
    const skipped = [...result.skipped].sort(
        (a, b) => planOrder.indexOf(a.stack) - planOrder.indexOf(b.stack),
    );
    for (const skip of skipped) {
        deps.out(`skipped ${skip.stack}: ${skip.reason}`);
    }
    deps.out(
        `${result.ok ? "done" : "FAILED"}: ${args.mode} of ${result.completed.join(", ") || "no stack"}` +
            (skipped.length > 0 ? `; skipped ${skipped.map((s) => s.stack).join(", ")}` : "") +
            (result.failed.length > 0 ? `; failed ${result.failed.map((f) => f.stack).join(", ")}` : ""),
    );
    return result.ok ? EXIT_OK : EXIT_FAILED;
}
