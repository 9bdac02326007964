// The command line of ops/smoke.ts (`npm run smoke`), parsed with util.parseArgs.
import { parseCommandLine, UsageError } from "../cli";
import { PROFILE_ENV_PREFIX } from "../deploy/credentials";
import { SMOKE_EVENT } from "./checks";

export type SmokeArgs =
    | { readonly help: true }
    | {
          readonly help: false;
          /** The consumer stack: its `functionName` output and its `aws:region` config. */
          readonly stack?: string;
          /** The function, instead of reading the stack's output. */
          readonly functionName?: string;
          /** The region, instead of the stack's `aws:region`. */
          readonly region?: string;
          /** The AWS profile of the consumer account; default: the stack's variable, then the ambient chain. */
          readonly profile?: string;
      };

export const SMOKE_USAGE = `Usage: npm run smoke -- --stack <consumer stack> [--profile <aws-profile>]
       npm run smoke -- --function-name <name> --region <region> [--profile <aws-profile>]

Invokes the deployed function once with ${JSON.stringify(SMOKE_EVENT)} and checks that rows of the
vegetables table come back in the expected shape.

Options:
  --stack <name>            the consumer stack: the function from its functionName output (Pulumi CLI and
                            backend needed) and the region from aws:region in Pulumi.<name>.yaml
  --function-name <name>    the function to invoke (no Pulumi CLI needed)
  --region <region>         its region; default: the stack's aws:region, then AWS_REGION
  --profile <aws-profile>   the consumer account's AWS profile; default: ${PROFILE_ENV_PREFIX}<STACK>
                            when set, else the ambient AWS credentials
  -h, --help                show this text

Exit codes: 0 rows as expected, 1 the invocation or a check failed, 2 nothing was invoked (bad arguments,
no Pulumi CLI, no such stack output).`;

export function parseSmokeArgs(argv: readonly string[]): SmokeArgs {
    const { values } = parseCommandLine(argv, {
        allowPositionals: false,
        options: {
            stack: { type: "string" },
            "function-name": { type: "string" },
            region: { type: "string" },
            profile: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    });
    if (values.help) {
        return { help: true };
    }
    for (const flag of ["stack", "function-name", "region", "profile"] as const) {
        if (values[flag] !== undefined && values[flag].trim() === "") {
            throw new UsageError(`--${flag} needs a value; see --help`);
        }
    }
    if (values.stack === undefined && values["function-name"] === undefined) {
        throw new UsageError(
            "name the consumer stack (--stack engineering) or the function (--function-name <name> --region <region>); see --help",
        );
    }
    return {
        help: false,
        ...(values.stack !== undefined ? { stack: values.stack } : {}),
        ...(values["function-name"] !== undefined ? { functionName: values["function-name"] } : {}),
        ...(values.region !== undefined ? { region: values.region } : {}),
        ...(values.profile !== undefined ? { profile: values.profile } : {}),
    };
}
