import type { ConsumerStackConfig } from "../config";

export async function consumerStack(config: ConsumerStackConfig): Promise<Record<string, unknown>> {
    return { accountId: config.accountId, region: config.region, vpcCidr: config.vpcCidr };
}
