// A Mermaid diagram of the accounts, generated from the plan (never drawn by hand): the database account
// with its RDS instance, reader secret and key, and per consumer its data-access role and its network
// path (a VPC peering accepted through the peering-accepter role, or a PrivateLink resource endpoint on
// the database's resource gateway, shared by RAM); each consumer account with its function.
import type { ConsumerRecord } from "../infra/contract";
import { T } from "./query";
import { Plan, PlannedResource, StackPlan } from "./run";

const id = (text: string): string => text.replace(/[^A-Za-z0-9_]/g, "_");
const label = (text: unknown): string => String(text ?? "?").replace(/"/g, "'");

function first(
    plan: StackPlan,
    type: string,
    where: (r: PlannedResource) => boolean = () => true,
): PlannedResource | undefined {
    return plan.resources.find((r) => r.type === type && where(r));
}

export function mermaid(plan: Plan): string {
    const db = plan.database;
    const d = id(db.stack);
    const records = (db.exports.consumers ?? {}) as Record<string, ConsumerRecord>;
    const recordOf = (consumer: StackPlan) => records[consumer.consumerName ?? ""];
    const roleName = (arn: string | undefined) =>
        label(first(db, T.role, (r) => r.state.arn === arn)?.state.name);
    const rds = first(db, T.rds);
    const secret = first(db, T.secret);
    const key = first(db, T.key, (k) => secret?.inputs.kmsKeyId === k.state.arn);
    const gateway = first(db, T.gateway);
    const privatelink = plan.consumers.filter((c) => recordOf(c)?.network === "privatelink");

    const lines = ["flowchart LR"];
    lines.push(`  subgraph ${d}_account["database account ${db.accountId} (stack ${label(db.stack)})"]`);
    lines.push(`    subgraph ${d}_vpc["VPC ${label(first(db, T.vpc)?.inputs.cidrBlock)}"]`);
    lines.push(
        `      ${d}_rds[("RDS ${label(rds?.inputs.engine)} ${label(rds?.inputs.engineVersion)}<br/>port ${label(rds?.inputs.port)}, not public")]`,
    );
    if (gateway && privatelink.length > 0) {
        lines.push(`      ${d}_gateway["resource gateway ${label(gateway.id)}"]`);
    }
    lines.push("    end");
    lines.push(`    ${d}_secret["reader secret (blockPublicPolicy)"]`);
    lines.push(`    ${d}_key["KMS key (rotation ${key?.inputs.enableKeyRotation ? "on" : "off"})"]`);
    lines.push(`    ${d}_secret -- encrypted with --> ${d}_key`);
    if (gateway && privatelink.length > 0) {
        const configuration = first(db, T.resourceConfiguration);
        lines.push(`    ${d}_configuration["resource configuration ${label(configuration?.id)} (type ARN)"]`);
        lines.push(`    ${d}_configuration -. describes .-> ${d}_rds`);
        lines.push(`    ${d}_gateway -- "tcp/3306" --> ${d}_rds`);
    }
    for (const consumer of plan.consumers) {
        const c = id(consumer.stack);
        const record = recordOf(consumer);
        lines.push(`    ${c}_data_access["data-access role ${roleName(record?.dataAccessRoleArn)}"]`);
        lines.push(`    ${c}_data_access -- GetSecretValue --> ${d}_secret`);
        lines.push(`    ${c}_data_access -- kms:Decrypt via Secrets Manager --> ${d}_key`);
        if (record?.network === "privatelink") {
            lines.push(`    ${c}_share["RAM share to account ${consumer.accountId}"]`);
            lines.push(`    ${c}_share -. shares .-> ${d}_configuration`);
        } else {
            lines.push(
                `    ${c}_accepter["peering-accepter role ${roleName(record?.peeringAccepterRoleArn)}"]`,
            );
        }
    }
    lines.push("  end");
    for (const consumer of plan.consumers) {
        lines.push(...consumerLines(consumer, d, recordOf(consumer)));
    }
    return `${lines.join("\n")}\n`;
}

function consumerLines(consumer: StackPlan, d: string, record: ConsumerRecord | undefined): string[] {
    const c = id(consumer.stack);
    const fn = first(consumer, T.fn);
    const fnRole = first(consumer, T.role, (r) => r.state.arn === fn?.inputs.role);
    const services = consumer.resources
        .filter((r) => r.type === T.endpoint && r.inputs.vpcEndpointType === "Interface")
        .map((e) => String(e.inputs.serviceName).split(".").pop());
    const peering = record?.network !== "privatelink";
    const lines = [
        `  subgraph ${c}_account["consumer account ${consumer.accountId} (stack ${label(consumer.stack)})"]`,
        `    subgraph ${c}_vpc["VPC ${label(first(consumer, T.vpc)?.inputs.cidrBlock)}"]`,
        `      ${c}_fn["Lambda ${label(fn?.inputs.name)}<br/>${label(fn?.inputs.runtime)}"]`,
        `      ${c}_endpoints["VPC endpoints: ${services.join(", ")}"]`,
    ];
    if (!peering) {
        const endpoint = first(consumer, T.endpoint, (e) => e.inputs.vpcEndpointType === "Resource");
        lines.push(
            `      ${c}_resource_endpoint["resource endpoint ${label(endpoint?.id)}<br/>private DNS"]`,
        );
    }
    lines.push("    end", `    ${c}_role["role ${label(fnRole?.state.name)}"]`);
    if (peering) {
        lines.push(`    ${c}_deployer["deployer (pulumi up)"]`);
    }
    lines.push("  end");
    lines.push(`  ${c}_fn -. runs as .-> ${c}_role`);
    lines.push(`  ${c}_role -- sts:AssumeRole --> ${c}_data_access`);
    lines.push(`  ${c}_fn -- "443" --> ${c}_endpoints`);
    if (peering) {
        const connection = first(consumer, T.peering);
        lines.push(`  ${c}_peering{{"VPC peering ${label(connection?.id)}"}}`);
        lines.push(`  ${c}_fn -- "tcp/3306" --> ${c}_peering -- "tcp/3306" --> ${d}_rds`);
        lines.push(`  ${c}_deployer -- "sts:AssumeRole, accepts" --> ${c}_accepter -.-> ${c}_peering`);
    } else {
        lines.push(`  ${c}_fn -- "tcp/3306" --> ${c}_resource_endpoint -- "PrivateLink" --> ${d}_gateway`);
        lines.push(`  ${c}_resource_endpoint -. uses .-> ${c}_share`);
    }
    return lines;
}
