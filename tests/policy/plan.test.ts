import * as assert from "assert";
import { packArgs } from "../../policy/pack";
import { validateResources, type PolicyResourceRecord } from "../../policy/run";
import type { Plan, StackPlan } from "../../plan/run";
import { planPair } from "../support/stacks";

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

    before(async () => {
        plan = await planPair();
    });

    it("passes every resource of the database and consumer stacks with zero violations", () => {
        for (const stack of [plan.database, ...plan.consumers]) {
            assert.ok(stack.resources.length > 20, `${stack.stack}: ${stack.resources.length} resources`);
            assert.deepStrictEqual(validateResources(records(stack)), [], stack.stack);
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
            (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        )!;
        const open = { ...rule, name: "open", props: { ...rule.props, cidrIpv4: "0.0.0.0/0" } };
        const found = validateResources([...stack, open]).map((v) => [v.policy, v.resource]);
        assert.deepStrictEqual(found, [
            ["sg-no-open-ingress", "open"],
            ["sg-mysql-from-peer-only", "open"],
        ]);
    });
});
