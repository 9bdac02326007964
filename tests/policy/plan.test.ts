import * as assert from "assert";
import { packArgs } from "../../policy/pack";
import {
    packConfigFromStacks,
    validateResources,
    type PackConfig,
    type PolicyResourceRecord,
} from "../../policy/run";
import type { Plan, StackPlan } from "../../plan/run";
import { planShipped } from "../support/stacks";

const records = (stack: StackPlan): PolicyResourceRecord[] =>
    stack.resources.map((r) => ({
        type: r.type,
        name: r.name,
        id: r.id,
        props: r.inputs,
        outputs: r.state,
        provider: r.provider,
    }));

describe("the policy pack over the offline plan of the shipped stacks", function () {
    let plan: Plan;
    let config: PackConfig;

    before(async () => {
        plan = await planShipped();
        config = packConfigFromStacks([plan.database, ...plan.consumers].map((s) => s.config));
    });

    it("passes every resource of the database stack and of the peering and privatelink consumers", () => {
        assert.deepStrictEqual(
            plan.consumers.map((c) => c.stack),
            ["analytics", "engineering"],
        );
        for (const stack of [plan.database, ...plan.consumers]) {
            assert.ok(stack.resources.length > 10, `${stack.stack}: ${stack.resources.length} resources`);
            assert.deepStrictEqual(validateResources(records(stack), config), [], stack.stack);
        }
    });

    it("is not vacuous: every typed resource policy applies to a planned resource", () => {
        const types = new Set(
            [plan.database, ...plan.consumers].flatMap((s) => s.resources.map((r) => r.type)),
        );
        // A typed validation carries the type token it applies to.
        const unused = packArgs.policies.filter((p) => {
            const validations = "validateResource" in p ? [p.validateResource].flat() : [];
            const tokens = validations.map((v) => (v as { __pulumiType?: string }).__pulumiType);
            return validations.length > 0 && !tokens.some((t) => t !== undefined && types.has(t));
        });
        assert.deepStrictEqual(
            unused.map((p) => p.name),
            [],
        );
    });

    it("would catch the database opened to the world in the planned stack", () => {
        const stack = records(plan.database);
        const rule = stack.find(
            (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.props.cidrIpv4,
        )!;
        const open = { ...rule, name: "open", props: { ...rule.props, cidrIpv4: "0.0.0.0/0" } };
        const found = validateResources([...stack, open], config).map((v) => [v.policy, v.resource]);
        assert.deepStrictEqual(found, [
            ["sg-no-open-ingress", "open"],
            ["sg-mysql-from-peer-only", "open"],
        ]);
    });

    it("would catch the resource gateway's security group opened to the world, by its planned id", () => {
        const stack = records(plan.database);
        const gateway = stack.find((r) => r.type === "aws:vpclattice/resourceGateway:ResourceGateway")!;
        const [groupId] = gateway.props.securityGroupIds as string[];
        assert.ok(stack.some((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.id === groupId));
        const props = { securityGroupId: groupId, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" };
        const open = {
            type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            name: "anywhere",
            props,
        };
        const found = validateResources([...stack, open], config).map((v) => [v.policy, v.resource]);
        assert.deepStrictEqual(found, [["privatelink-security-groups", "anywhere"]]);
    });
});
