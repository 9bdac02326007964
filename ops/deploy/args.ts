// The command line of ops/deploy.ts (`npm run deploy`, `npm run preview`): parsed with util.parseArgs,
// every mistake reported as one sentence that names the argument and points at --help.
import { parseCommandLine, UsageError } from "../cli";
import { parseProfileFlags, PROFILE_ENV_PREFIX } from "./credentials";

export type Mode = "up" | "preview" | "ready";
const MODES: readonly Mode[] = ["up", "preview", "ready"];

export type DeployArgs =
    | { readonly help: true }
    | {
          readonly help: false;
          readonly mode: Mode;
          /** `--stack`: only these stacks; empty means every stack file. */
          readonly stacks: string[];
          /** `--profile <stack>=<aws-profile>`, by stack. */
          readonly profiles: Map<string, string>;
          /** `--stacks-dir`: the project directory; the repository when absent. */
          readonly stacksDir?: string;
          /** `--policy-pack-config`: a JSON file with the policy pack's configuration. */
          readonly policyPackConfig?: string;
          /** `--github-output`: `ready` writes its answers to the file named by $GITHUB_OUTPUT. */
          readonly githubOutput: boolean;
      };

export const DEPLOY_USAGE = `Usage: npm run deploy -- [options]         pulumi up, every stack in order
       npm run preview -- [options]        pulumi preview, every stack in order
       ts-node ops/deploy.ts <up|preview|ready> [options]

Runs the project's stacks through the Pulumi Automation API: database stacks (stackRole: database) first,
then their consumer stacks in parallel, each with the policy pack in policy/ and with its own account's AWS
credentials. preview skips a consumer whose database stack has no outputs yet (deploy that first); up
refuses it. ready only reports, for each consumer, whether its database stack is deployed, its network path
(from that stack's consumers.<consumerName>.network output) and whether a preview with read-only
credentials may run: not for a peering consumer, whose preview assumes the database stack's
peering-accepter role.

Options:
  --stack <name>                   only this stack (repeatable); default: every Pulumi.<stack>.yaml
  --profile <stack>=<aws-profile>  the AWS profile that stack runs with (repeatable)
  --stacks-dir <dir>               the project directory (Pulumi.yaml and stack files); default: this repository
  --policy-pack-config <file>      a JSON configuration file for the policy pack
  --github-output                  ready only: append ready=true|false, network=peering|privatelink,
                                   preview=run|skip and reason=... to $GITHUB_OUTPUT
  -h, --help                       show this text

AWS credentials, per stack: --profile dev=<aws-profile> or ${PROFILE_ENV_PREFIX}<STACK>=<aws-profile>
(the stack name upper-cased, other characters as _, e.g. ${PROFILE_ENV_PREFIX}DEV). The profile goes to that
stack's Pulumi process only, with the other AWS credential variables cleared there. A run over several
stacks needs a profile for each; a single stack (--stack <name>) may use the ambient credentials.

Needs the Pulumi CLI (https://www.pulumi.com/docs/install/) and a logged-in backend (pulumi login).

Exit codes: 0 done (skipped consumers included), 1 a stack failed, 2 nothing was run (bad arguments, stack
files or credentials, or no Pulumi CLI).`;

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
    const { values, positionals } = parseCommandLine(argv, {
        allowPositionals: true,
        options: {
            stack: { type: "string", multiple: true },
            profile: { type: "string", multiple: true },
            "stacks-dir": { type: "string" },
            "policy-pack-config": { type: "string" },
            "github-output": { type: "boolean" },
            help: { type: "boolean", short: "h" },
        },
    });
    if (values.help) {
        return { help: true };
    }
    const [mode, ...extra] = positionals;
    if (!MODES.includes(mode as Mode)) {
        throw new UsageError(
            `the first argument must be up, preview or ready, got ${mode === undefined ? "nothing" : JSON.stringify(mode)}; see --help`,
        );
    }
    if (extra.length > 0) {
        throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}; see --help`);
    }
    const empty = [
        ...(values.stack ?? []).map((v) => ["--stack", v]),
        ["--stacks-dir", values["stacks-dir"]],
        ["--policy-pack-config", values["policy-pack-config"]],
    ].find(([, v]) => v !== undefined && v.trim() === "");
    if (empty) {
        throw new UsageError(`${empty[0]} needs a value; see --help`);
    }
    if (values["github-output"] && mode !== "ready") {
        throw new UsageError("--github-output goes with ready only; see --help");
    }
    let profiles: Map<string, string>;
    try {
        profiles = parseProfileFlags(values.profile ?? []);
    } catch (err) {
        throw new UsageError(`${(err as Error).message}; see --help`);
    }
    return {
        help: false,
        mode: mode as Mode,
        stacks: [...new Set(values.stack ?? [])],
        profiles,
        ...(values["stacks-dir"] !== undefined ? { stacksDir: values["stacks-dir"] } : {}),
        ...(values["policy-pack-config"] !== undefined
            ? { policyPackConfig: values["policy-pack-config"] }
            : {}),
        githubOutput: values["github-output"] === true,
    };
}
