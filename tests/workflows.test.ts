import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseDeployArgs } from "../ops/deploy/args";

const root = path.resolve(__dirname, "..");
const dir = path.join(root, ".github/workflows");

interface Step {
    id?: string;
    name?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    needs?: string | string[];
    strategy?: { matrix?: Record<string, unknown> };
    env?: Record<string, string>;
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

const action = (step: Step) => step.uses?.replace(/@.*$/, "");

/** Each step of a job as a short label: `npm ci`, `pulumi preview <stack>`, `aws creds <role>`. */
function labels(job: Job): string[] {
    return job.steps.map((step) => {
        if (action(step) === "pulumi/actions") {
            return `pulumi ${String(step.with?.command)} ${String(step.with?.["stack-name"])}`;
        }
        if (action(step) === "aws-actions/configure-aws-credentials") {
            return `aws creds ${String(step.with?.["role-to-assume"])}`;
        }
        return action(step) ?? step.run?.split("\n")[0] ?? "?";
    });
}

const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((j) => j.steps);
const environmentOf = (job: Job) =>
    typeof job.environment === "object" ? job.environment.name : job.environment;

const DB = "${{ env.DATABASE_STACK }}";
const CONSUMER = "${{ env.CONSUMER_STACK }}";
const DB_PREVIEW_ROLE = "${{ vars.DATABASE_PREVIEW_ROLE_ARN }}";
const CONSUMER_PREVIEW_ROLE = "${{ vars.CONSUMER_PREVIEW_ROLE_ARN }}";
const DB_DEPLOY_ROLE = "${{ vars.DATABASE_DEPLOY_ROLE_ARN }}";
const CONSUMER_DEPLOY_ROLE = "${{ vars.CONSUMER_DEPLOY_ROLE_ARN }}";
const READY = 'npx ts-node ops/deploy.ts ready --stack "$CONSUMER_STACK" --github-output';
/** How every job that holds cloud credentials starts: no npm lifecycle script runs next to them. */
const CREDENTIALED_SETUP = ["actions/checkout", "actions/setup-node", "npm ci --ignore-scripts"];
/** One stack's steps: the credentials of `role`, then each Pulumi `command` on `stack`. */
const stackSteps = (role: string, stack: string, ...commands: string[]) => [
    `aws creds ${role}`,
    ...commands.map((command) => `pulumi ${command} ${stack}`),
];
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

    it("on pull requests: npm ci, npm test and the offline plan on Node.js 22 and 24", () => {
        const { workflow } = load("pull-request.yml");
        assert.ok("pull_request" in workflow.on);
        const test = workflow.jobs.test;
        assert.deepStrictEqual(test.strategy?.matrix, { node: ["22", "24"] });
        assert.deepStrictEqual(labels(test), [
            "actions/checkout",
            "actions/setup-node",
            "npm ci",
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends mariadb-server openssl",
            "npm test",
            "npm start",
        ]);
        const setup = test.steps.find((s) => action(s) === "actions/setup-node");
        assert.strictEqual(setup?.with?.["node-version"], "${{ matrix.node }}");
    });

    it("previews with read-only preview roles: database, then the consumer only once the database is deployed", () => {
        const { workflow } = load("pull-request.yml");
        const preview = workflow.jobs.preview;
        assert.strictEqual(preview.needs, "test");
        assert.deepStrictEqual(labels(preview), [
            ...CREDENTIALED_SETUP,
            ...stackSteps(DB_PREVIEW_ROLE, DB, "preview"),
            `aws creds ${CONSUMER_PREVIEW_ROLE}`,
            READY,
            `pulumi preview ${CONSUMER}`,
            'if [ "$READY" != "true" ]; then',
        ]);
        const ready = preview.steps.find((s) => s.run === READY);
        assert.strictEqual(ready?.id, "database");
        const skip = preview.steps[preview.steps.length - 1];
        assert.strictEqual(skip.env?.READY, "${{ steps.database.outputs.ready }}");
        assert.strictEqual(skip.env?.REASON, "${{ steps.database.outputs.reason }}");
        assert.match(
            skip.run ?? "",
            /gh pr comment "\$PR_NUMBER" --repo "\$GITHUB_REPOSITORY" --body "\$body"/,
        );
        assert.match(skip.run ?? "", /echo "\$body" >> "\$GITHUB_STEP_SUMMARY"/);
        assert.match(skip.run ?? "", /which is not deployed yet \(\$REASON\)/);
    });

    it("previews a consumer on a pull request only when its database is deployed and it is privatelink, else comments why", () => {
        const preview = load("pull-request.yml").workflow.jobs.preview;
        const consumerPreview = preview.steps.find((s) => s.with?.["stack-name"] === CONSUMER);
        assert.strictEqual(
            consumerPreview?.if,
            "steps.database.outputs.ready == 'true' && steps.database.outputs.network == 'privatelink'",
        );
        const skip = preview.steps[preview.steps.length - 1];
        assert.strictEqual(
            skip.if,
            "steps.database.outputs.ready != 'true' || steps.database.outputs.network != 'privatelink'",
            "the comment runs exactly when the preview does not",
        );
        assert.match(
            skip.run ?? "",
            /skipped\*\*: \$REASON\. Pull-request previews use read-only roles only; the deploy workflow previews this stack in the protected \\`production\\` environment/,
        );
    });

    it("checks readiness with a command the deploy script accepts", () => {
        const argv = READY.replace(/^npx ts-node ops\/deploy\.ts /, "").replace(
            /"\$CONSUMER_STACK"/,
            "engineering",
        );
        assert.deepStrictEqual(parseDeployArgs(argv.split(" ")), {
            help: false,
            mode: "ready",
            stacks: ["engineering"],
            profiles: new Map(),
            githubOutput: true,
        });
    });

    it("never gives pull-request code a deploy role or the deploy token, and skips forks", () => {
        const { text, workflow } = load("pull-request.yml");
        assert.doesNotMatch(text, /DEPLOY_ROLE_ARN/);
        assert.doesNotMatch(text, /secrets\.PULUMI_ACCESS_TOKEN\b/);
        assert.strictEqual(
            workflow.jobs.preview.env?.PULUMI_ACCESS_TOKEN,
            "${{ secrets.PULUMI_PREVIEW_ACCESS_TOKEN }}",
        );
        assert.strictEqual(
            workflow.jobs.preview.if,
            "github.event.pull_request.head.repo.full_name == github.repository",
        );
        for (const [name, job] of Object.entries(workflow.jobs)) {
            assert.strictEqual(job.environment, undefined, `${name} runs outside the deploy environment`);
        }
    });

    it("on main: in the protected environment, preview then up the database, then the consumer, then the smoke test", () => {
        const { text, workflow } = load("deploy.yml");
        assert.deepStrictEqual(workflow.on, { push: { branches: ["main"] } });
        const deploy = workflow.jobs.deploy;
        assert.strictEqual(environmentOf(deploy), "production");
        assert.deepStrictEqual(labels(deploy), [
            ...CREDENTIALED_SETUP,
            ...stackSteps(DB_DEPLOY_ROLE, DB, "preview", "up"),
            ...stackSteps(CONSUMER_DEPLOY_ROLE, CONSUMER, "preview", "up"),
            'npm run smoke -- --stack "$CONSUMER_STACK"',
        ]);
        assert.strictEqual(deploy.env?.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.doesNotMatch(text, /PREVIEW_ROLE_ARN/);
    });

    it("run the policy pack on every Pulumi preview and update", () => {
        for (const file of files) {
            const pulumiSteps = steps(load(file).workflow).filter((s) => action(s) === "pulumi/actions");
            assert.ok(pulumiSteps.length >= 2, file);
            for (const step of pulumiSteps) {
                assert.strictEqual(step.with?.policyPacks, "policy", `${file}: ${step.name}`);
            }
        }
    });

    it("use Node.js from .nvmrc (22) outside the test matrix", () => {
        assert.strictEqual(fs.readFileSync(path.join(root, ".nvmrc"), "utf8").trim(), "22");
        for (const file of files) {
            for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
                if (job.strategy?.matrix !== undefined) {
                    continue;
                }
                const setup = job.steps.find((s) => action(s) === "actions/setup-node");
                assert.strictEqual(setup?.with?.["node-version-file"], ".nvmrc", `${file} ${name}`);
                assert.strictEqual(setup?.with?.["node-version"], undefined, `${file} ${name}`);
            }
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

    it("get AWS credentials only through OIDC", () => {
        for (const file of files) {
            assert.doesNotMatch(
                load(file).text,
                /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/,
                file,
            );
        }
    });

    it("pin every action to a full commit SHA with its version as a comment, one SHA per action", () => {
        const shaOf = new Map<string, string>();
        for (const file of files) {
            const { text, workflow } = load(file);
            for (const step of steps(workflow).filter((s) => s.uses !== undefined)) {
                assert.match(
                    step.uses!,
                    /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/,
                    `${file}: ${step.uses}`,
                );
                const line = text.split("\n").find((l) => l.includes(step.uses!));
                assert.match(line ?? "", / # v\d+\.\d+\.\d+$/, `${file}: ${step.uses} carries its version`);
                const [name, sha] = step.uses!.split("@");
                assert.strictEqual(shaOf.get(name) ?? sha, sha, `${name} is pinned to one commit everywhere`);
                shaOf.set(name, sha);
            }
        }
        assert.deepStrictEqual([...shaOf.keys()].sort(), [
            "actions/checkout",
            "actions/setup-node",
            "aws-actions/configure-aws-credentials",
            "pulumi/actions",
        ]);
    });

    it("keep tokens out of reach: no persisted git credentials, no cache or install scripts next to OIDC", () => {
        for (const file of files) {
            for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
                const checkout = job.steps.find((s) => action(s) === "actions/checkout");
                assert.strictEqual(checkout?.with?.["persist-credentials"], false, `${file} ${name}`);
                if ((job.permissions as Record<string, string>)["id-token"] !== "write") {
                    continue;
                }
                const setup = job.steps.find((s) => action(s) === "actions/setup-node");
                assert.strictEqual(setup?.with?.cache, undefined, `${file} ${name}: no dependency cache`);
                assert.strictEqual(setup?.with?.["package-manager-cache"], false, `${file} ${name}`);
                for (const step of job.steps.filter((s) => /\bnpm ci\b/.test(s.run ?? ""))) {
                    assert.strictEqual(step.run, "npm ci --ignore-scripts", `${file} ${name}`);
                }
            }
        }
    });

    it("pass expressions to scripts through env, never into the script text", () => {
        for (const file of files) {
            for (const step of steps(load(file).workflow).filter((s) => s.run !== undefined)) {
                assert.doesNotMatch(step.run!, /\$\{\{/, `${file}: ${step.name}`);
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
                const usesOidc = job.steps.some((s) => action(s) === "aws-actions/configure-aws-credentials");
                assert.strictEqual(
                    permissions["id-token"] === "write",
                    usesOidc,
                    `${file} ${name}: id-token only with OIDC`,
                );
                const comments = job.steps.some(
                    (s) => s.with?.["comment-on-pr"] === true || /gh pr comment/.test(s.run ?? ""),
                );
                assert.strictEqual(
                    permissions["pull-requests"] === "write",
                    comments,
                    `${file} ${name}: pull-requests only when commenting`,
                );
            }
        }
    });
});
