// A Mermaid diagram of the two accounts, generated from the plan (never drawn by hand).
import { Plan, PlannedResource, StackPlan } from "./run";

const id = (text: string): string => text.replace(/[^A-Za-z0-9_]/g, "_");
const label = (text: string): string => text.replace(/"/g, "'");

function first(
    plan: StackPlan,
    type: string,
    where: (r: PlannedResource) => boolean = () => true,
): PlannedResource | undefined {
    return plan.resources.find((r) => r.type === type && where(r));
}

export function mermaid(plan: Plan): string {
    const db = plan.database;
    const lines = ["flowchart LR"];
    const dbVpc = first(db, "awsx:ec2:Vpc");
    const rds = first(db, "aws:rds/instance:Instance");
    const secret = first(db, "aws:secretsmanager/secret:Secret");
    const key = first(db, "aws:kms/key:Key", (k) => secret?.inputs.kmsKeyId === k.state.arn);
    const d = id(db.stack);
    lines.push(`  subgraph ${d}_account["database account ${db.accountId} (stack ${label(db.stack)})"]`);
    lines.push(`    subgraph ${d}_vpc["VPC ${dbVpc?.inputs.cidrBlock ?? "?"}"]`);
    lines.push(
        `      ${d}_rds[("RDS ${rds?.inputs.engine ?? "mysql"} ${rds?.inputs.engineVersion ?? ""}<br/>port ${rds?.inputs.port ?? 3306}, not public")]`,
    );
    lines.push("    end");
    lines.push(`    ${d}_secret["reader secret (blockPublicPolicy)"]`);
    lines.push(`    ${d}_key["KMS key (rotation ${key?.inputs.enableKeyRotation ? "on" : "off"})"]`);
    lines.push(`    ${d}_secret -- encrypted with --> ${d}_key`);
    const roleName = (arns: unknown, consumer: StackPlan) => {
        const arn = (arns as Record<string, string> | undefined)?.[consumer.consumerName ?? ""];
        return label(String(first(db, "aws:iam/role:Role", (r) => r.state.arn === arn)?.state.name ?? "?"));
    };
    for (const consumer of plan.consumers) {
        const c = id(consumer.stack);
        lines.push(
            `    ${c}_data_access["data-access role ${roleName(db.exports.dataAccessRoleArns, consumer)}"]`,
        );
        lines.push(`    ${c}_data_access -- GetSecretValue --> ${d}_secret`);
        lines.push(`    ${c}_data_access -- kms:Decrypt via Secrets Manager --> ${d}_key`);
        lines.push(
            `    ${c}_accepter["peering-accepter role ${roleName(db.exports.peeringAccepterRoleArns, consumer)}"]`,
        );
    }
    lines.push("  end");
    for (const consumer of plan.consumers) {
        const c = id(consumer.stack);
        const vpc = first(consumer, "awsx:ec2:Vpc");
        const fn = first(consumer, "aws:lambda/function:Function");
        const fnRole = first(consumer, "aws:iam/role:Role", (r) => r.state.arn === fn?.inputs.role);
        const endpoints = consumer.resources
            .filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")
            .map((e) => String(e.inputs.serviceName).split(".").pop());
        lines.push(
            `  subgraph ${c}_account["consumer account ${consumer.accountId} (stack ${label(consumer.stack)})"]`,
        );
        lines.push(`    subgraph ${c}_vpc["VPC ${vpc?.inputs.cidrBlock ?? "?"}"]`);
        lines.push(
            `      ${c}_fn["Lambda ${label(String(fn?.inputs.name ?? "?"))}<br/>${fn?.inputs.runtime ?? ""}"]`,
        );
        lines.push(`      ${c}_endpoints["VPC endpoints: ${endpoints.join(", ")}"]`);
        lines.push("    end");
        lines.push(`    ${c}_role["role ${label(String(fnRole?.state.name ?? "?"))}"]`);
        lines.push(`    ${c}_deployer["deployer (pulumi up)"]`);
        lines.push("  end");
        const peering = first(consumer, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
        lines.push(`  ${c}_peering{{"VPC peering ${peering?.id ?? "?"}"}}`);
        lines.push(`  ${c}_fn -. runs as .-> ${c}_role`);
        lines.push(`  ${c}_role -- sts:AssumeRole --> ${c}_data_access`);
        lines.push(`  ${c}_fn -- "tcp/3306" --> ${c}_peering -- "tcp/3306" --> ${d}_rds`);
        lines.push(`  ${c}_fn -- "443" --> ${c}_endpoints`);
        lines.push(`  ${c}_deployer -- "sts:AssumeRole, accepts" --> ${c}_accepter -.-> ${c}_peering`);
    }
    return `${lines.join("\n")}\n`;
}
