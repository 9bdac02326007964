// `npm run package -- --out <dir>`: writes each function's archive as a stack would deploy it, as
// <dir>/fetch-rows.zip and <dir>/db-bootstrap.zip. No cloud, no Pulumi CLI: the archive is built by
// `aws.lambda.CallbackFunction` under mocks. Exit code 0 on success, 1 on failure, 2 on bad arguments.
import * as path from "path";
import { parseArgs } from "util";
import { FUNCTION_NAMES, writePackages } from "./package/archive";

const ROOT = path.join(__dirname, "..");

const USAGE = `Usage: npm run package -- --out <dir>

Writes the deployment archive of each function (${FUNCTION_NAMES.join(", ")}) to <dir>/<function>.zip,
exactly as the stacks package it: the serialized handler and every npm package it loads.

Options:
  --out <dir>   directory to write the zips to (created if missing; relative to the current directory)
  --help        show this help`;

export function parsePackageArgs(argv: string[]): { out: string } | "help" {
    const { values, positionals } = parseArgs({
        args: argv,
        options: { out: { type: "string" }, help: { type: "boolean" } },
        allowPositionals: true,
        strict: true,
    });
    if (values.help) return "help";
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    if (values.out === undefined || values.out.trim() === "") throw new Error("--out <dir> is required");
    return { out: values.out };
}

async function main(): Promise<number> {
    let args;
    try {
        args = parsePackageArgs(process.argv.slice(2));
    } catch (error) {
        console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
        return 2;
    }
    if (args === "help") {
        console.log(USAGE);
        return 0;
    }
    // npm runs scripts in the project directory; INIT_CWD is where `npm run package` was typed.
    const invokedFrom = process.env.INIT_CWD ?? process.cwd();
    const out = path.resolve(invokedFrom, args.out);
    // Pulumi packs paths relative to the working directory: package from the project directory.
    process.chdir(ROOT);
    for (const written of await writePackages(out)) {
        console.log(
            `${path.relative(invokedFrom, written.file)}: ${written.zipBytes} bytes zipped ` +
                `(${written.files} files, ${written.unzippedBytes} bytes unzipped)`,
        );
    }
    return 0;
}

if (require.main === module) {
    // Exits explicitly: the Pulumi runtime keeps timers alive for seconds after the work is done.
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
            process.exit(1);
        },
    );
}
