// Runs one policy of the pack through the offline runner, as the engine would, and asserts on messages.
import * as assert from "assert";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

type Policy = ResourceValidationPolicy | StackValidationPolicy;
import {
    runPolicies,
    type PackConfig,
    type PolicyResourceRecord,
    type PolicyViolation,
} from "../../policy/run";

export const CONFIG: PackConfig = {
    allowedPeerCidrs: ["10.10.0.0/16", "10.20.0.0/16"],
    allowedSharePrincipals: ["333333336021", "444444449999"],
    externalShareAccounts: ["444444449999"],
};

/** Pulumi type tokens of the resources the tests declare. */
export const T = {
    rdsInstance: "aws:rds/instance:Instance",
    rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    secret: "aws:secretsmanager/secret:Secret",
    secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    kmsKey: "aws:kms/key:Key",
    lambda: "aws:lambda/function:Function",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    resourceGateway: "aws:vpclattice/resourceGateway:ResourceGateway",
    resourceConfiguration: "aws:vpclattice/resourceConfiguration:ResourceConfiguration",
    resourceShare: "aws:ram/resourceShare:ResourceShare",
    principalAssociation: "aws:ram/principalAssociation:PrincipalAssociation",
} as const;

export function resource(
    type: string,
    props: Record<string, unknown>,
    more: Partial<PolicyResourceRecord> = {},
): PolicyResourceRecord {
    return { type, name: "res", props, ...more };
}

export function violations(
    policy: Policy,
    resources: PolicyResourceRecord | PolicyResourceRecord[],
    config: PackConfig = CONFIG,
): PolicyViolation[] {
    return runPolicies([policy], Array.isArray(resources) ? resources : [resources], config);
}

/** The messages of `policy` over `resources` (mandatory violations only: nothing here is unknown). */
export function check(
    policy: Policy,
    resources: PolicyResourceRecord | PolicyResourceRecord[],
    config: PackConfig = CONFIG,
): string[] {
    const found = violations(policy, resources, config);
    assert.ok(
        found.every((v) => v.enforcementLevel === "mandatory"),
        JSON.stringify(found),
    );
    return found.map((v) => v.message);
}

/** Asserts exactly one violation whose message contains every fragment. */
export function assertOne(messages: string[], ...fragments: string[]): void {
    assert.strictEqual(messages.length, 1, `expected one violation, got ${JSON.stringify(messages)}`);
    for (const fragment of fragments) {
        assert.ok(messages[0].includes(fragment), `"${messages[0]}" should mention "${fragment}"`);
    }
}
