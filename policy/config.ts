// The pack's config: which CIDRs are peers and which accounts a RAM share may name. Derived from the
// project's stack files, so `--policy-pack policy` works without a policy config file; a policy config
// (per policy, as the Pulumi CLI passes it) overrides each key.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";
import { parseCidr } from "../infra/lib/cidr";
import { PROJECT } from "../infra/lib/constants";
import { isAccountId } from "../infra/lib/validate";

export interface PackConfig {
    /** IPv4 CIDRs of peered VPCs: the only 3306 sources and peering-route destinations. */
    readonly allowedPeerCidrs: readonly string[];
    /** Principals a RAM share may name: the privatelink consumers' account ids (or a listed org/OU ARN). */
    readonly allowedSharePrincipals: readonly string[];
    /** Accounts outside the organization: the only ones a share with allowExternalPrincipals may name. */
    readonly externalShareAccounts: readonly string[];
}

const KEYS = ["allowedPeerCidrs", "allowedSharePrincipals", "externalShareAccounts"] as const;

const stringList = (description: string) => ({
    type: "array" as const,
    items: { type: "string" as const },
    description,
});

/** The schema of every policy that reads the config (the CLI validates a policy config against it). */
export const packConfigSchema: PolicyConfigSchema = {
    properties: {
        allowedPeerCidrs: stringList(
            "IPv4 CIDRs of peered VPCs (default: the database VPC and its peering consumers' VPCs, from the stack files).",
        ),
        allowedSharePrincipals: stringList(
            "Principals RAM shares may name (default: the privatelink consumers' account ids, from the stack files).",
        ),
        externalShareAccounts: stringList(
            "Accounts outside the organization that a share may admit (default: privatelink consumers with outsideOrganization: true).",
        ),
    },
};

/** The config a policy runs with: each key from the policy config when given, else from the stack files. */
export function packConfig(args: Pick<ResourceValidationArgs, "getConfig">): PackConfig {
    const given = args.getConfig<Partial<PackConfig>>();
    if (KEYS.every((key) => Array.isArray(given[key]))) {
        return given as PackConfig;
    }
    const defaults = defaultPackConfig();
    return Object.fromEntries(
        KEYS.map((key) => [key, Array.isArray(given[key]) ? given[key] : defaults[key]]),
    ) as unknown as PackConfig;
}

/**
 * The pack config of a project from its stacks' `config:` maps (as written in `Pulumi.<stack>.yaml`).
 * Only database stacks speak for the network: their VPC and each consumer they list with
 * `network: peering` (the default) are peers; a `network: privatelink` consumer is reached through a
 * resource endpoint, so its CIDR is no peer, and its account is the one its RAM share may name.
 */
export function packConfigFromStackConfigs(configs: ReadonlyArray<Record<string, unknown>>): PackConfig {
    const peers = new Set<string>();
    const principals = new Set<string>();
    const external = new Set<string>();
    for (const config of configs.filter((c) => c[`${PROJECT}:stackRole`] === "database")) {
        addCidr(peers, config[`${PROJECT}:vpcCidr`]);
        const consumers = config[`${PROJECT}:consumers`];
        for (const consumer of (Array.isArray(consumers) ? consumers : []) as Array<
            Record<string, unknown>
        >) {
            if ((consumer.network ?? "peering") === "peering") {
                addCidr(peers, consumer.vpcCidr);
            } else if (consumer.network === "privatelink" && isAccountId(consumer.accountId)) {
                principals.add(consumer.accountId);
                if (consumer.outsideOrganization === true) {
                    external.add(consumer.accountId);
                }
            }
        }
    }
    const sorted = (set: Set<string>) => [...set].sort();
    return {
        allowedPeerCidrs: sorted(peers),
        allowedSharePrincipals: sorted(principals),
        externalShareAccounts: sorted(external),
    };
}

function addCidr(cidrs: Set<string>, value: unknown): void {
    if (typeof value === "string" && parseCidr(value)) {
        cidrs.add(value);
    }
}

const cache = new Map<string, PackConfig>();

/** The pack config of the stack files in `projectDir` (the repository root by default); read once. */
export function defaultPackConfig(projectDir: string = path.resolve(__dirname, "..")): PackConfig {
    let config = cache.get(projectDir);
    if (!config) {
        config = packConfigFromStackConfigs(readStackConfigs(projectDir));
        cache.set(projectDir, config);
    }
    return config;
}

/** The `config:` maps of `Pulumi.<stack>.yaml` in `projectDir`, in file-name order. */
function readStackConfigs(projectDir: string): Array<Record<string, unknown>> {
    return fs
        .readdirSync(projectDir)
        .filter((file) => /^Pulumi\.[^.]+\.ya?ml$/.test(file))
        .sort()
        .map((file) => {
            const doc = parse(fs.readFileSync(path.join(projectDir, file), "utf8")) as {
                config?: Record<string, unknown>;
            } | null;
            return doc?.config ?? {};
        });
}
