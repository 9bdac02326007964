import type { DatabaseStackConfig } from "../config";

export async function databaseStack(config: DatabaseStackConfig): Promise<Record<string, unknown>> {
    return { accountId: config.accountId, region: config.region, vpcCidr: config.vpcCidr };
}
