// ops/smoke.ts as a function of its arguments and surroundings (tests pass fakes). Finds the function and
// region, invokes it once and checks the rows; problems found before the invocation exit 2.
import * as path from "path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { fromIni } from "@aws-sdk/credential-providers";
import { command, EXIT_FAILED, EXIT_OK, NotRun, pulumiOnPath, selectStackOf, type CommandDeps } from "../cli";
import { isStackNotFound } from "../deploy/automation";
import { profileEnvVars, profileFromEnv } from "../deploy/credentials";
import { PlanError, readStackFiles } from "../deploy/order";
import { PULUMI_MISSING } from "../deploy/pulumiCli";
import { parseSmokeArgs, SMOKE_USAGE } from "./args";
import { checkInvocation, SMOKE_EVENT, type InvokeOutcome } from "./checks";

const INVOKE_TIMEOUT_MS = 60_000;
const REPO_ROOT = path.resolve(__dirname, "../..");

export interface SmokeTarget {
    readonly functionName: string;
    readonly region: string;
    /** The consumer account's AWS profile; the ambient credential chain when absent. */
    readonly profile?: string;
}

export interface SmokeDeps extends CommandDeps {
    /** Where Pulumi.yaml and the stack files are; default: the repository. */
    readonly repoRoot?: string;
    /** Default: Lambda `Invoke` with the SDK. */
    readonly invoke?: (target: SmokeTarget) => Promise<InvokeOutcome>;
}

async function lambdaInvoke(target: SmokeTarget): Promise<InvokeOutcome> {
    const client = new LambdaClient({
        region: target.region,
        // An explicit profile only: never mixed with ambient keys (the SDK would prefer them otherwise).
        ...(target.profile !== undefined ? { credentials: fromIni({ profile: target.profile }) } : {}),
    });
    const response = await client.send(
        new InvokeCommand({
            FunctionName: target.functionName,
            Payload: Buffer.from(JSON.stringify(SMOKE_EVENT)),
        }),
        { abortSignal: AbortSignal.timeout(INVOKE_TIMEOUT_MS) },
    );
    return {
        statusCode: response.StatusCode,
        functionError: response.FunctionError,
        payload: response.Payload,
    };
}

/** The stack file's `aws:region` (read as the Pulumi CLI reads it), or undefined when it sets none. */
function stackRegion(root: string, stack: string): string | undefined {
    try {
        const [file] = readStackFiles(root, [`Pulumi.${stack}.yaml`]);
        const region = file.config["aws:region"];
        return typeof region === "string" && region !== "" ? region : undefined;
    } catch (err) {
        if (err instanceof PlanError) {
            throw new NotRun(`${err.message} (or pass --region)`);
        }
        throw err;
    }
}

async function resolveTarget(
    args: Extract<ReturnType<typeof parseSmokeArgs>, { help: false }>,
    deps: SmokeDeps,
): Promise<SmokeTarget> {
    const root = deps.repoRoot ?? REPO_ROOT;
    const profile =
        args.profile ?? (args.stack !== undefined ? profileFromEnv(args.stack, deps.env) : undefined);
    const region =
        args.region ??
        (args.stack !== undefined ? stackRegion(root, args.stack) : undefined) ??
        (deps.env.AWS_REGION || deps.env.AWS_DEFAULT_REGION || undefined);
    if (region === undefined) {
        throw new NotRun("no region: pass --region, or set aws:region in the stack's Pulumi.<stack>.yaml");
    }
    let functionName = args.functionName;
    if (functionName === undefined && args.stack !== undefined) {
        if (pulumiOnPath(deps) === undefined) {
            throw new NotRun(`${PULUMI_MISSING} (or pass --function-name and --region instead of --stack)`);
        }
        let outputs;
        try {
            const stack = await selectStackOf(deps)(
                { stackName: args.stack, workDir: root },
                { envVars: profile !== undefined ? profileEnvVars(profile) : {} },
            );
            outputs = await stack.outputs();
        } catch (err) {
            if (isStackNotFound(err)) {
                throw new NotRun(`there is no stack ${args.stack} in the Pulumi backend: deploy it first`);
            }
            throw err;
        }
        const value = outputs.functionName?.value;
        if (typeof value !== "string" || value === "") {
            throw new NotRun(
                `stack ${args.stack} has no functionName output: is it the consumer stack, and is it deployed?`,
            );
        }
        functionName = value;
    }
    if (functionName === undefined) {
        throw new NotRun("no function: pass --function-name or --stack");
    }
    return { functionName, region, ...(profile !== undefined ? { profile } : {}) };
}

/** ops/smoke.ts: finds the function (exit 2 on a problem), then invokes it once and checks the rows. */
export const runSmoke = command("smoke", SMOKE_USAGE, parseSmokeArgs, resolveTarget, invokeAndCheck);

async function invokeAndCheck(target: SmokeTarget, deps: SmokeDeps): Promise<number> {
    deps.out(
        `smoke: invoking ${target.functionName} in ${target.region}${target.profile !== undefined ? ` as AWS profile ${target.profile}` : ""} with ${JSON.stringify(SMOKE_EVENT)}`,
    );
    const started = Date.now();
    const result = checkInvocation(await (deps.invoke ?? lambdaInvoke)(target));
    const ms = Date.now() - started;
    if (!result.ok) {
        deps.err(`smoke: FAILED after ${ms} ms:\n${result.problems.map((p) => `  - ${p}`).join("\n")}`);
        return EXIT_FAILED;
    }
    deps.out(`smoke: OK in ${ms} ms: ${result.summary}`);
    return EXIT_OK;
}
