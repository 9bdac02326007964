import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const dir = path.resolve(__dirname, "../.github/workflows");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    permissions?: Record<string, string> | string;
    needs?: string | string[];
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

function load(file: string): { text: string; workflow: Workflow } {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    return { text, workflow: parse(text) as Workflow };
}

/** The steps of every job, in order, each as a short label: `npm ci`, `pulumi preview dev`, `aws creds <role var>`. */
function labels(workflow: Workflow): string[] {
    return Object.values(workflow.jobs).flatMap((job) =>
        job.steps.map((step) => {
            const action = step.uses?.replace(/@.*$/, "");
            if (action === "pulumi/actions") {
                return `pulumi ${String(step.with?.command)} ${String(step.with?.["stack-name"])}`;
            }
            if (action === "aws-actions/configure-aws-credentials") {
                return `aws creds ${String(step.with?.["role-to-assume"])}`;
            }
            return action ?? step.run ?? "?";
        }),
    );
}

const DB = "${{ env.DATABASE_STACK }}";
const CONSUMER = "${{ env.CONSUMER_STACK }}";
const DB_ROLE = "${{ vars.DATABASE_DEPLOY_ROLE_ARN }}";
const CONSUMER_ROLE = "${{ vars.CONSUMER_DEPLOY_ROLE_ARN }}";
const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@([0-9a-f]{40}|v\d+\.\d+\.\d+)$/;
const ALLOWED_PERMISSIONS: Record<string, string> = {
    contents: "read",
    "id-token": "write",
    "pull-requests": "write",
};

describe("GitHub workflows", () => {
    const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

    it("are the pull-request and deploy workflows, and parse as YAML", () => {
        assert.deepStrictEqual(files.sort(), ["deploy.yml", "pull-request.yml"]);
        for (const file of files) {
            const { workflow } = load(file);
            assert.ok(workflow.jobs && Object.keys(workflow.jobs).length > 0, `${file} has jobs`);
        }
    });

    it("on pull requests: npm ci, npm test, npm start, then preview database and consumer with the policy pack", () => {
        const { workflow } = load("pull-request.yml");
        assert.ok("pull_request" in workflow.on);
        assert.deepStrictEqual(labels(workflow), [
            "actions/checkout",
            "actions/setup-node",
            "npm ci",
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends mariadb-server openssl",
            "npm test",
            "npm start",
            "actions/checkout",
            "actions/setup-node",
            "npm ci",
            `aws creds ${DB_ROLE}`,
            `pulumi preview ${DB}`,
            `aws creds ${CONSUMER_ROLE}`,
            `pulumi preview ${CONSUMER}`,
        ]);
        assert.deepStrictEqual(workflow.jobs.preview.needs, "test");
        const previews = workflow.jobs.preview.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
        for (const step of previews) {
            assert.strictEqual(step.with?.policyPacks, "policy");
            assert.strictEqual(step.with?.["comment-on-pr"], true);
        }
    });

    it("on main: pulumi up database, then consumer, then the smoke test", () => {
        const { workflow } = load("deploy.yml");
        assert.deepStrictEqual(workflow.on, { push: { branches: ["main"] } });
        assert.deepStrictEqual(labels(workflow), [
            "actions/checkout",
            "actions/setup-node",
            "npm ci",
            `aws creds ${DB_ROLE}`,
            `pulumi up ${DB}`,
            `aws creds ${CONSUMER_ROLE}`,
            `pulumi up ${CONSUMER}`,
            'npm run smoke -- --stack "$CONSUMER_STACK"',
        ]);
        for (const step of workflow.jobs.deploy.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"))) {
            assert.strictEqual(step.with?.policyPacks, "policy");
        }
    });

    it("take stack names from repository variables, with the example stacks as defaults", () => {
        for (const file of files) {
            const { workflow } = load(file);
            assert.strictEqual(workflow.env?.DATABASE_STACK, "${{ vars.DATABASE_STACK || 'dev' }}", file);
            assert.strictEqual(
                workflow.env?.CONSUMER_STACK,
                "${{ vars.CONSUMER_STACK || 'engineering' }}",
                file,
            );
        }
    });

    it("pass the Pulumi token from secrets to the jobs that run Pulumi", () => {
        for (const [file, job] of [
            ["pull-request.yml", "preview"],
            ["deploy.yml", "deploy"],
        ]) {
            const { text } = load(file);
            assert.match(
                text,
                /PULUMI_ACCESS_TOKEN: \$\{\{ secrets\.PULUMI_ACCESS_TOKEN \}\}/,
                `${file} ${job}`,
            );
            assert.doesNotMatch(
                text,
                /aws-access-key-id|aws-secret-access-key/,
                "AWS credentials come only through OIDC",
            );
        }
    });

    it("pin every action to a full commit SHA (with its version as a comment) or an exact version", () => {
        for (const file of files) {
            const { text, workflow } = load(file);
            for (const step of Object.values(workflow.jobs).flatMap((j) => j.steps)) {
                if (step.uses === undefined) {
                    continue;
                }
                assert.match(step.uses, PINNED, `${file}: ${step.uses}`);
                if (/@[0-9a-f]{40}$/.test(step.uses)) {
                    const line = text.split("\n").find((l) => l.includes(step.uses!));
                    assert.match(
                        line ?? "",
                        /# v\d+\.\d+\.\d+$/,
                        `${file}: ${step.uses} carries its version as a comment`,
                    );
                }
            }
        }
    });

    it("grant least permissions: read-only by default, OIDC and PR comments only where needed", () => {
        for (const file of files) {
            const { workflow } = load(file);
            assert.deepStrictEqual(workflow.permissions, { contents: "read" }, `${file} top-level`);
            for (const [name, job] of Object.entries(workflow.jobs)) {
                assert.ok(typeof job.permissions === "object", `${file} ${name} declares its permissions`);
                const permissions = job.permissions as Record<string, string>;
                for (const [scope, level] of Object.entries(permissions)) {
                    assert.strictEqual(
                        level,
                        ALLOWED_PERMISSIONS[scope],
                        `${file} ${name}: ${scope}: ${level}`,
                    );
                }
                const usesOidc = job.steps.some((s) =>
                    s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
                );
                assert.strictEqual(
                    permissions["id-token"] === "write",
                    usesOidc,
                    `${file} ${name}: id-token only with OIDC`,
                );
                const comments = job.steps.some((s) => s.with?.["comment-on-pr"] === true);
                assert.strictEqual(
                    permissions["pull-requests"] === "write",
                    comments,
                    `${file} ${name}: pull-requests only when commenting`,
                );
            }
        }
    });
});
