// The pack's config: which CIDRs are peers and which accounts a RAM share may name. Derived from the
// project's stack files, so `--policy-pack policy` works without a policy config file; a policy config
// (per policy, as the Pulumi CLI passes it) overrides each key.
import * as path from "path";
import type { PolicyConfigSchema, ResourceValidationArgs } from "@pulumi/policy";
import { checkStackConfig, type StackConfig } from "../infra/config";
import { readStackFile, stackFilesIn } from "../infra/lib/stackFiles";

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
    // The CLI has checked the given keys against packConfigSchema.
    return KEYS.every((key) => given[key] !== undefined)
        ? (given as PackConfig)
        : { ...defaultPackConfig(), ...given };
}

/**
 * The pack config of a project from its stacks' validated config. Only database stacks speak for the
 * network: their VPC and each consumer they list with `network: peering` are peers; a `privatelink`
 * consumer is reached through a resource endpoint, so its CIDR is no peer, and its account is the one its
 * RAM share may name. Retiring consumers still count: their paths stay until their stacks are destroyed.
 */
export function packConfigFromStacks(configs: readonly StackConfig[]): PackConfig {
    const peers = new Set<string>();
    const principals = new Set<string>();
    const external = new Set<string>();
    for (const config of configs) {
        if (config.stackRole !== "database") {
            continue;
        }
        peers.add(config.vpcCidr);
        for (const consumer of config.consumers) {
            if (consumer.network === "peering") {
                peers.add(consumer.vpcCidr);
            } else {
                principals.add(consumer.accountId);
                if (consumer.outsideOrganization) {
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

const cache = new Map<string, PackConfig>();

/**
 * The pack config of the stack files in `projectDir` (the repository root by default), read once, as the
 * CLI reads them. A file the CLI or the program would refuse is left out: no stack deploys from it.
 */
export function defaultPackConfig(projectDir: string = path.resolve(__dirname, "..")): PackConfig {
    let config = cache.get(projectDir);
    if (!config) {
        const stacks = stackFilesIn(projectDir).flatMap((file) => {
            const read = readStackFile(file);
            const checked = read.ok ? checkStackConfig(read.stackFile.values) : undefined;
            return checked?.ok ? [checked.config] : [];
        });
        config = packConfigFromStacks(stacks);
        cache.set(projectDir, config);
    }
    return config;
}
