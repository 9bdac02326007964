// `npm run deploy` / `npm run preview` (and `ts-node ops/deploy.ts ready`): every stack of the project in
// dependency order through the Pulumi Automation API, each with its own account's AWS credentials and the
// policy pack. `--help` says how; the work is in ops/deploy/.
import { runAsProcess } from "./cli";
import { runDeploy } from "./deploy/main";

runAsProcess(runDeploy, "deploy");
