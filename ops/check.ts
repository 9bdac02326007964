// `npm run check`: type-check and lint on ONE TypeScript program, and the Prettier check beside them.
// `tsc --noEmit` and type-aware ESLint would each build the whole program (the real @pulumi/aws types
// included); here TypeScript builds it once, reports its diagnostics, and hands the same program to
// typescript-eslint (`parserOptions.programs`). Prettier runs meanwhile in its own process (the other core).
//   npm run check [-- --help]
import { execFile } from "child_process";
import { ESLint } from "eslint";
import * as path from "path";
import * as ts from "typescript";
import { parseArgs } from "util";

const ROOT = path.resolve(__dirname, "..");
const USAGE = `Usage: npm run check

Type-checks the project (tsconfig.json, as tsc --noEmit does) and lints it (eslint.config.mjs) on one
TypeScript program, and checks the formatting (prettier --check .) in parallel. Exits 1 on any type error,
lint error or unformatted file.`;

/** `prettier --check .` in a child process: its exit code and what it printed. */
function prettierCheck(): Promise<{ ok: boolean; output: string }> {
    const bin = path.join(ROOT, "node_modules", "prettier", "bin", "prettier.cjs");
    return new Promise((resolve) => {
        execFile(process.execPath, [bin, "--check", "."], { cwd: ROOT }, (error, stdout, stderr) => {
            resolve({ ok: error === null, output: `${stdout}${stderr}` });
        });
    });
}

function program(): ts.Program {
    const configFile = path.join(ROOT, "tsconfig.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(
        configFile,
        {},
        {
            ...ts.sys,
            onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
                throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
            },
        },
    );
    if (!parsed) {
        throw new Error(`cannot read ${configFile}`);
    }
    return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({ args: argv, options: { help: { type: "boolean", default: false } } });
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const started = Date.now();
    const formatting = prettierCheck();
    const shared = program();
    const diagnostics = ts.getPreEmitDiagnostics(shared);
    if (diagnostics.length > 0) {
        process.stdout.write(
            ts.formatDiagnosticsWithColorAndContext(diagnostics, {
                getCanonicalFileName: (f) => f,
                getCurrentDirectory: () => ROOT,
                getNewLine: () => "\n",
            }),
        );
    }
    const typed = Date.now();
    const eslint = new ESLint({
        cwd: ROOT,
        overrideConfig: { languageOptions: { parserOptions: { projectService: false, programs: [shared] } } },
    });
    const results = await eslint.lintFiles(["."]);
    const formatter = await eslint.loadFormatter("stylish");
    const report = await formatter.format(results);
    if (report) {
        process.stdout.write(report);
    }
    const lintErrors = results.reduce((n, r) => n + r.errorCount, 0);
    const format = await formatting;
    if (!format.ok) {
        process.stdout.write(format.output);
    }
    process.stdout.write(
        `check: ${diagnostics.length} type error(s) in ${typed - started} ms, ` +
            `${lintErrors} lint error(s) in ${Date.now() - typed} ms (${results.length} files, one program), ` +
            `formatting ${format.ok ? "clean" : "NOT clean: run npm run format"}\n`,
    );
    return diagnostics.length > 0 || lintErrors > 0 || !format.ok ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: Error) => {
            process.stderr.write(`check: ${err.message}\n`);
            process.exit(2);
        },
    );
}
