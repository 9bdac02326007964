// Each function's archive exactly as a stack deploys it: an `aws.lambda.CallbackFunction` with the
// stack's factory and `functionCodePathOptions`, declared under Pulumi mocks, its `code` asset archive
// read back file by file and zipped.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { zipSync } from "fflate";
import * as fs from "fs";
import * as path from "path";
import { createBootstrapHandler } from "../../functions/db-bootstrap";
import { createHandler } from "../../functions/fetch-rows";
import { PROJECT } from "../../infra/lib/constants";
import { functionCodePathOptions, FunctionName, LAMBDA_RUNTIME } from "../../infra/lib/lambda";
import { MockCloud } from "../../plan/mockCloud";
import { runStack } from "../../plan/runStack";

/** Every function this project deploys, with the factory its stack passes as `callbackFactory`. */
export const FUNCTION_FACTORIES: Record<FunctionName, aws.lambda.CallbackFactory<unknown, unknown>> = {
    "fetch-rows": () => createHandler(),
    "db-bootstrap": () => createBootstrapHandler(),
};

export const FUNCTION_NAMES = Object.keys(FUNCTION_FACTORIES) as FunctionName[];

/** An archive's files: path inside the archive → content, sorted by path. */
export type ArchiveFiles = Map<string, Uint8Array>;

// A fixed time for every zip entry, so the same files always give the same bytes.
const ENTRY_TIME = new Date("2020-01-01T00:00:00Z");
const FILE_MODE = 0o100644;
const ZIP_OS_UNIX = 3;

interface AssetLike {
    text?: Promise<string>;
    path?: Promise<string>;
    assets?: Promise<Record<string, AssetLike>>;
}

function readTree(root: string, prefix: string, into: ArchiveFiles): void {
    if (!fs.statSync(root).isDirectory()) {
        into.set(prefix, fs.readFileSync(root));
        return;
    }
    const pending = [root];
    for (let guard = 0; pending.length > 0 && guard < 1_000_000; guard++) {
        const dir = pending.pop() as string;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) pending.push(full);
            else if (entry.isFile())
                into.set(path.posix.join(prefix, path.relative(root, full)), fs.readFileSync(full));
        }
    }
}

/** The files of an asset archive (string assets, file assets and directory archives, nested). */
export async function archiveFiles(archive: pulumi.asset.AssetArchive): Promise<ArchiveFiles> {
    const files: ArchiveFiles = new Map();
    const add = async (prefix: string, asset: AssetLike): Promise<void> => {
        if (asset.text !== undefined) {
            files.set(prefix, Buffer.from(await asset.text, "utf8"));
        } else if (asset.assets !== undefined) {
            for (const [name, inner] of Object.entries(await asset.assets)) {
                await add(prefix === "" ? name : path.posix.join(prefix, name), inner);
            }
        } else if (asset.path !== undefined) {
            readTree(await asset.path, prefix, files);
        } else {
            throw new Error(`archive entry ${prefix} is neither text, a file nor a directory`);
        }
    };
    await add("", archive as unknown as AssetLike);
    return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Declares the function as its stack does, under mocks, and returns its archive's files. */
export async function functionArchive(fn: FunctionName): Promise<ArchiveFiles> {
    const cloud = new MockCloud({ accountId: "123456789012", region: "us-east-1" });
    await runStack(`package-${fn}`, PROJECT, {}, cloud, () => {
        new aws.lambda.CallbackFunction(fn, {
            role: "arn:aws:iam::123456789012:role/package",
            runtime: LAMBDA_RUNTIME,
            callbackFactory: FUNCTION_FACTORIES[fn],
            codePathOptions: functionCodePathOptions(fn),
        });
        return {};
    });
    const recorded = cloud.resources.find((r) => r.type === "aws:lambda/function:Function" && r.name === fn);
    if (recorded === undefined) throw new Error(`packaging ${fn}: the function was not declared`);
    return archiveFiles(recorded.inputs.code as pulumi.asset.AssetArchive);
}

/** A deterministic zip of the files (deflated, Unix mode 0644, fixed times). */
export function zipArchive(files: ArchiveFiles): Uint8Array {
    const entries: Record<string, [Uint8Array, { mtime: Date; os: number; attrs: number }]> = {};
    for (const [name, content] of files) {
        entries[name] = [content, { mtime: ENTRY_TIME, os: ZIP_OS_UNIX, attrs: FILE_MODE << 16 }];
    }
    return zipSync(entries, { level: 9 });
}

export interface WrittenPackage {
    readonly fn: FunctionName;
    readonly file: string;
    readonly zipBytes: number;
    readonly files: number;
    readonly unzippedBytes: number;
}

/** Writes `<outDir>/<function>.zip` for every function. */
export async function writePackages(outDir: string): Promise<WrittenPackage[]> {
    fs.mkdirSync(outDir, { recursive: true });
    const written: WrittenPackage[] = [];
    for (const fn of FUNCTION_NAMES) {
        const files = await functionArchive(fn);
        const zip = zipArchive(files);
        const file = path.join(outDir, `${fn}.zip`);
        fs.writeFileSync(file, zip);
        let unzippedBytes = 0;
        for (const content of files.values()) unzippedBytes += content.length;
        written.push({ fn, file, zipBytes: zip.length, files: files.size, unzippedBytes });
    }
    return written;
}
