// `npm run deploy` / `npm run preview` (and `ts-node ops/deploy.ts ready`): every stack of the project in
// dependency order through the Pulumi Automation API, each with its own account's AWS credentials and the
// policy pack. `--help` says how; the work is in ops/deploy/.
import { runDeploy } from "./deploy/main";

runDeploy(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(`deploy: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
    },
);
