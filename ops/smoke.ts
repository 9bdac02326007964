// `npm run smoke -- --stack engineering`: invokes the deployed function once and checks that it returns
// rows of the expected shape. `--help` says how; the work is in ops/smoke/.
import { runSmoke } from "./smoke/main";

runSmoke(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(`smoke: FAILED: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
    },
);
