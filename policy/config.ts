// The pack's default config, derived from the project's stack files so `--policy-pack policy` works
// without a config file: the peer CIDRs are the VPC CIDRs the stacks peer with each other.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { isIpv4Cidr } from "./cidr";
import type { PackConfig } from "./policies";

const PROJECT = "cross-account-rds";

/**
 * Every VPC CIDR of the project's stack files: each stack's `vpcCidr` and each consumer listed by a
 * database stack. These are the two ends of every peering, so the only 3306 sources and peering routes
 * the stacks legitimately declare.
 */
export function peerCidrsFromStackConfigs(configs: ReadonlyArray<Record<string, unknown>>): string[] {
    const cidrs = new Set<string>();
    for (const config of configs) {
        const own = config[`${PROJECT}:vpcCidr`];
        if (typeof own === "string" && isIpv4Cidr(own)) {
            cidrs.add(own);
        }
        const consumers = config[`${PROJECT}:consumers`];
        for (const consumer of Array.isArray(consumers) ? consumers : []) {
            const cidr = (consumer as { vpcCidr?: unknown } | null)?.vpcCidr;
            if (typeof cidr === "string" && isIpv4Cidr(cidr)) {
                cidrs.add(cidr);
            }
        }
    }
    return [...cidrs].sort();
}

/** Reads `Pulumi.<stack>.yaml` files of `projectDir` (the repository root by default). */
export function defaultPackConfig(projectDir: string = path.resolve(__dirname, "..")): PackConfig {
    const configs = fs
        .readdirSync(projectDir)
        .filter((file) => /^Pulumi\.[^.]+\.ya?ml$/.test(file))
        .sort()
        .map((file) => {
            const doc: unknown = parse(fs.readFileSync(path.join(projectDir, file), "utf8"));
            const config = (doc as { config?: unknown } | null)?.config;
            return typeof config === "object" && config !== null ? (config as Record<string, unknown>) : {};
        });
    return { allowedPeerCidrs: peerCidrsFromStackConfigs(configs) };
}
