// The one program of the project: the stack's `stackRole` picks what it builds, never the stack's name.
import { loadConfig } from "./config";
import { consumerStack } from "./stacks/consumer";
import { databaseStack } from "./stacks/database";

export async function program(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    return config.stackRole === "database" ? databaseStack(config) : consumerStack(config);
}
