import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackArgs } from "@pulumi/policy";
import { checkStackConfig, type StackConfig } from "../../infra/config";
import { readStackFile } from "../../infra/lib/stackFiles";
import { defaultPackConfig, packConfig, packConfigFromStacks } from "../../policy/config";
import { iamPolicies } from "../../policy/iam";
import { lambdaPolicies } from "../../policy/lambda";
import { networkPolicies } from "../../policy/network";
import { PACK_NAME, packArgs } from "../../policy/pack";
import { privatelinkPolicies } from "../../policy/privatelink";
import { rdsPolicies } from "../../policy/rds";
import { secretsPolicies } from "../../policy/secrets";
import { CONFIG } from "./harness";

const root = path.resolve(__dirname, "../..");
const policies = packArgs.policies;

describe("policy pack: the registered pack", () => {
    it("registers every policy of every domain, each once, under a unique name", () => {
        const domains = [
            rdsPolicies,
            networkPolicies,
            privatelinkPolicies,
            iamPolicies,
            secretsPolicies,
            lambdaPolicies,
        ];
        assert.deepStrictEqual(new Set(policies), new Set(domains.flat()));
        assert.strictEqual(policies.length, domains.flat().length);
        assert.strictEqual(new Set(policies.map((p) => p.name)).size, policies.length);
        assert.strictEqual(policies.length, 26);
    });

    it("makes every policy mandatory, through the pack's level, and describes each", () => {
        assert.strictEqual(packArgs.enforcementLevel, "mandatory");
        for (const p of policies) {
            assert.strictEqual(p.enforcementLevel, undefined, `${p.name} overrides the pack's level`);
            assert.ok(p.description.length > 20, p.name);
        }
    });

    it("declares the config schema on exactly the policies that read the config", () => {
        const withConfig = policies.filter((p) => p.configSchema).map((p) => p.name);
        assert.deepStrictEqual(withConfig.sort(), [
            "peering-routes-to-peer-cidr",
            "ram-share-external-only-outside-organization",
            "ram-share-principal-allowed",
            "sg-mysql-from-peer-only",
        ]);
        for (const p of policies.filter((p) => p.configSchema)) {
            assert.deepStrictEqual(
                Object.keys(p.configSchema!.properties).sort(),
                Object.keys(CONFIG).sort(),
            );
        }
    });

    it("index.ts registers the pack's name and policies with new PolicyPack", () => {
        // Intercept the SDK's PolicyPack (which would start the pack's gRPC server) while index.ts loads.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdk = require("@pulumi/policy/policy") as { PolicyPack: unknown };
        const original = sdk.PolicyPack;
        const registered: Array<[string, PolicyPackArgs]> = [];
        sdk.PolicyPack = class {
            constructor(name: string, args: PolicyPackArgs) {
                registered.push([name, args]);
            }
        };
        const index = require.resolve("../../policy/index");
        try {
            delete require.cache[index];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require(index);
        } finally {
            sdk.PolicyPack = original;
            delete require.cache[index];
        }
        assert.deepStrictEqual(registered, [[PACK_NAME, packArgs]]);
    });
});

describe("policy pack: config from the stack files", () => {
    const shipped = readStackFile(path.join(root, "Pulumi.dev.yaml"));
    const deployer = (account: string) => [`arn:aws:iam::${account}:role/pulumi-deployer`];

    /** The shipped database stack with other consumers, validated as the program validates it. */
    function database(consumers: object[]): StackConfig {
        assert.ok(shipped.ok);
        const checked = checkStackConfig({
            ...shipped.stackFile.values,
            "cross-account-rds:consumers": JSON.stringify(consumers),
        });
        assert.ok(checked.ok, JSON.stringify(checked));
        return checked.config;
    }

    it("takes the database VPC and its peering consumers as peers, privatelink consumers as share principals", () => {
        const config = packConfigFromStacks([
            database([
                {
                    name: "a",
                    accountId: "222222225884",
                    vpcCidr: "10.20.0.0/16",
                    deployerPrincipalArns: deployer("222222225884"),
                },
                {
                    name: "b",
                    accountId: "555555550001",
                    network: "peering",
                    vpcCidr: "10.30.0.0/16",
                    deployerPrincipalArns: deployer("555555550001"),
                    retiring: true,
                },
                { name: "c", accountId: "333333336021", network: "privatelink", vpcCidr: "10.40.0.0/16" },
                {
                    name: "d",
                    accountId: "444444449999",
                    network: "privatelink",
                    vpcCidr: "10.10.0.0/16",
                    outsideOrganization: true,
                },
            ]),
        ]);
        assert.deepStrictEqual(config, {
            allowedPeerCidrs: ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"],
            allowedSharePrincipals: ["333333336021", "444444449999"],
            externalShareAccounts: ["444444449999"],
        });
    });

    it("lets only database stacks speak: a consumer stack's config adds nothing", () => {
        const consumer = readStackFile(path.join(root, "Pulumi.engineering.yaml"));
        assert.ok(consumer.ok);
        const checked = checkStackConfig(consumer.stackFile.values);
        assert.ok(checked.ok && checked.config.stackRole === "consumer");
        assert.deepStrictEqual(packConfigFromStacks([checked.config]), {
            allowedPeerCidrs: [],
            allowedSharePrincipals: [],
            externalShareAccounts: [],
        });
    });

    it("derives the default from the repository's stack files: engineering peers, analytics shares", () => {
        assert.deepStrictEqual(defaultPackConfig(root), {
            allowedPeerCidrs: ["10.10.0.0/16", "10.20.0.0/16"],
            allowedSharePrincipals: ["333333336021"],
            externalShareAccounts: [],
        });
    });

    it("a policy config overrides each key it gives; the others come from the stack files", () => {
        const given = { allowedPeerCidrs: ["10.99.0.0/16"] };
        const merged = packConfig({ getConfig: <T>() => given as T });
        assert.deepStrictEqual(merged, { ...defaultPackConfig(), ...given });
        assert.deepStrictEqual(packConfig({ getConfig: <T>() => CONFIG as T }), CONFIG);
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

    it("resolves its dependencies and the CLI's policy runner from the pack's directory", () => {
        const from = { paths: [path.join(root, "policy")] };
        for (const module of [
            "@pulumi/policy",
            "@pulumi/aws",
            "@pulumi/pulumi/cmd/run-policy-pack",
            "yaml",
        ]) {
            assert.ok(require.resolve(module, from), module);
        }
    });
});
