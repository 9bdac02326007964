// `npm run smoke -- --stack engineering`: invokes the deployed function once and checks that it returns
// rows of the expected shape. Exit code 0 on success, 1 on a failed check, 2 on bad arguments.
//
// The function name comes from the consumer stack's `functionName` output and the region from its
// `aws:region` config (Automation API), or directly from --function-name / --region. Credentials of the
// consumer account come from the usual AWS SDK chain.
import * as path from "path";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { checkInvocation, parseSmokeArgs, SMOKE_EVENT, type SmokeArgs } from "./smoke/checks";

const INVOKE_TIMEOUT_MS = 60_000;

async function resolveTarget(args: SmokeArgs): Promise<{ functionName: string; region: string }> {
    let functionName = args.functionName;
    let region = args.region;
    if (args.stack !== undefined && (functionName === undefined || region === undefined)) {
        const stack = await LocalWorkspace.selectStack({
            stackName: args.stack,
            workDir: path.join(__dirname, ".."),
        });
        if (functionName === undefined) {
            const outputs = await stack.outputs();
            const value = outputs.functionName?.value;
            if (typeof value !== "string" || value === "") {
                throw new Error(
                    `stack ${args.stack} has no functionName output: is it the consumer stack, and is it deployed?`,
                );
            }
            functionName = value;
        }
        if (region === undefined) {
            region = (await stack.getConfig("aws:region")).value;
        }
    }
    region ??= process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (functionName === undefined || region === undefined || region === "") {
        throw new Error("no region: pass --region or set aws:region in the stack config");
    }
    return { functionName, region };
}

async function main(): Promise<number> {
    let args: SmokeArgs;
    try {
        args = parseSmokeArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`smoke: ${(err as Error).message}`);
        return 2;
    }
    const { functionName, region } = await resolveTarget(args);
    console.log(`smoke: invoking ${functionName} in ${region} with ${JSON.stringify(SMOKE_EVENT)}`);
    const client = new LambdaClient({ region });
    const started = Date.now();
    const response = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(SMOKE_EVENT)) }),
        { abortSignal: AbortSignal.timeout(INVOKE_TIMEOUT_MS) },
    );
    const result = checkInvocation({
        statusCode: response.StatusCode,
        functionError: response.FunctionError,
        payload: response.Payload,
    });
    const ms = Date.now() - started;
    if (!result.ok) {
        console.error(`smoke: FAILED after ${ms} ms:\n${result.problems.map((p) => `  - ${p}`).join("\n")}`);
        return 1;
    }
    console.log(`smoke: OK in ${ms} ms: ${result.summary}`);
    return 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(`smoke: FAILED: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
    },
);
