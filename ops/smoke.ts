// `npm run smoke -- --stack engineering`: invokes the deployed function once and checks that it returns
// rows of the expected shape. `--help` says how; the work is in ops/smoke/.
import { runAsProcess } from "./cli";
import { runSmoke } from "./smoke/main";

runAsProcess(runSmoke, "smoke: FAILED");
