import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type {
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { defaultPackConfig, peerCidrsFromStackConfigs } from "../../policy/config";
import { materialize } from "../../policy/materialize";
import { buildPolicies } from "../../policy/pack";
import { T, UNKNOWN } from "../../policy/policies";

// The engine's own proxy: reading an unknown value throws, as in `pulumi preview`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T };
const ENGINE_UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";

const root = path.resolve(__dirname, "../..");
const policies = buildPolicies({ allowedPeerCidrs: ["10.20.0.0/16"] });

function resourcePolicy(name: string): ResourceValidationPolicy {
    const found = policies.find((p) => p.name === name);
    assert.ok(found && "validateResource" in found, `no resource policy ${name}`);
    return found as ResourceValidationPolicy;
}

function runResource(
    name: string,
    type: string,
    props: Record<string, unknown>,
    config: object = {},
): string[] {
    const messages: string[] = [];
    const args = {
        type,
        name: "res",
        urn: `urn:pulumi:dev::p::${type}::res`,
        props,
        getConfig: () => config,
    };
    const validate = resourcePolicy(name).validateResource;
    for (const v of Array.isArray(validate) ? validate : [validate!]) {
        // The pack's validations are synchronous; a promise here would be a bug.
        assert.strictEqual(
            v(args as unknown as ResourceValidationArgs, (message) => messages.push(message)),
            undefined,
        );
    }
    return messages;
}

describe("policy pack: the engine-facing pack", () => {
    it("makes every policy mandatory, with a description", () => {
        assert.strictEqual(policies.length, 19);
        for (const p of policies) {
            assert.strictEqual(p.enforcementLevel, "mandatory", p.name);
            assert.ok(p.description.length > 10, p.name);
        }
    });

    it("declares allowedPeerCidrs in the config schema of the policies that read it", () => {
        const withConfig = policies.filter((p) => p.configSchema).map((p) => p.name);
        assert.deepStrictEqual(withConfig.sort(), ["peering-routes-to-peer-cidr", "sg-mysql-from-peer-only"]);
        const schema = policies.find((p) => p.name === "sg-mysql-from-peer-only")!.configSchema!;
        assert.deepStrictEqual(schema.properties.allowedPeerCidrs.default, ["10.20.0.0/16"]);
    });

    it("uses the policy config's allowedPeerCidrs over the defaults", () => {
        const rule = { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.30.0.0/16" };
        assert.strictEqual(runResource("sg-mysql-from-peer-only", T.ingressRule, rule).length, 1);
        assert.deepStrictEqual(
            runResource("sg-mysql-from-peer-only", T.ingressRule, rule, {
                allowedPeerCidrs: ["10.30.0.0/16"],
            }),
            [],
        );
    });

    it("reports through reportViolation and skips other resource types", () => {
        const db = { publiclyAccessible: true };
        assert.match(runResource("rds-not-public", T.rdsInstance, db)[0], /publiclyAccessible: false/);
        assert.deepStrictEqual(runResource("rds-not-public", T.kmsKey, db), []);
    });

    it("treats values unknown during preview as not yet checkable instead of failing", () => {
        const props = unknownCheckingProxy({
            backupRetentionPeriod: ENGINE_UNKNOWN_NUMBER,
            publiclyAccessible: false,
        });
        assert.deepStrictEqual(runResource("rds-backup-retention", T.rdsInstance, props), []);
        assert.deepStrictEqual(materialize(props), {
            backupRetentionPeriod: UNKNOWN,
            publiclyAccessible: false,
        });
    });

    it("materialize turns unknowns nested in lists and objects into UNKNOWN", () => {
        const props = unknownCheckingProxy({
            vpcConfig: { subnetIds: ["subnet-1", UNKNOWN] },
            ingress: [{ cidrBlocks: UNKNOWN }],
        });
        assert.deepStrictEqual(materialize(props), {
            vpcConfig: { subnetIds: ["subnet-1", UNKNOWN] },
            ingress: [{ cidrBlocks: UNKNOWN }],
        });
    });

    it("stack policies report against the offending resource's URN", async () => {
        const policy = policies.find(
            (p) => p.name === "peering-routes-to-peer-cidr",
        ) as StackValidationPolicy;
        const reports: Array<[string, string | undefined]> = [];
        const args = {
            resources: [
                {
                    type: T.route,
                    name: "wide",
                    urn: "urn:wide",
                    props: unknownCheckingProxy({
                        destinationCidrBlock: "10.0.0.0/8",
                        vpcPeeringConnectionId: UNKNOWN,
                    }),
                },
            ],
            getConfig: () => ({}),
        };
        await policy.validateStack(args as unknown as StackValidationArgs, (message, urn) =>
            reports.push([message, urn]),
        );
        assert.strictEqual(reports.length, 1);
        assert.strictEqual(reports[0][1], "urn:wide");
        assert.match(reports[0][0], /10\.0\.0\.0\/8/);
    });
});

describe("policy pack: default config from the stack files", () => {
    it("allows the VPC CIDRs of the repository's stacks as peer CIDRs", () => {
        assert.deepStrictEqual(defaultPackConfig(root).allowedPeerCidrs, ["10.10.0.0/16", "10.20.0.0/16"]);
    });

    it("collects each stack's vpcCidr and each consumer a database stack lists, once", () => {
        const cidrs = peerCidrsFromStackConfigs([
            {
                "cross-account-rds:vpcCidr": "10.10.0.0/16",
                "cross-account-rds:consumers": [{ vpcCidr: "10.20.0.0/16" }, { vpcCidr: "10.30.0.0/16" }],
            },
            { "cross-account-rds:vpcCidr": "10.20.0.0/16" },
            { "cross-account-rds:vpcCidr": "not-a-cidr" },
        ]);
        assert.deepStrictEqual(cidrs, ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"]);
    });
});

describe("policy pack: runnable by the CLI", () => {
    it("has PulumiPolicy.yaml with the nodejs runtime and a package.json with a version", () => {
        const yaml = fs.readFileSync(path.join(root, "policy/PulumiPolicy.yaml"), "utf8");
        assert.match(yaml, /^runtime: nodejs$/m);
        assert.match(yaml, /^description: \S/m);
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "policy/package.json"), "utf8")) as {
            version?: string;
            main?: string;
        };
        assert.match(pkg.version ?? "", /^\d+\.\d+\.\d+$/);
        assert.ok(fs.existsSync(path.join(root, "policy", pkg.main ?? "index.ts")));
    });

    it("resolves @pulumi/policy and the CLI's policy runner from the pack's directory", () => {
        const from = { paths: [path.join(root, "policy")] };
        assert.ok(require.resolve("@pulumi/policy", from));
        assert.ok(require.resolve("@pulumi/pulumi/cmd/run-policy-pack", from));
        assert.ok(require.resolve("yaml", from));
    });
});
