import * as assert from "assert";
import { defaultPackConfig } from "../../policy/config";
import { resourcePolicies, validateResource, validateStack } from "../../policy/policies";
import { Plan } from "../../plan/run";
import { planPair } from "../support/stacks";

describe("the policy pack over the offline plan of both shipped stacks", function () {
    let plan: Plan;

    before(async () => {
        plan = await planPair();
    });

    for (const role of ["database", "consumer"] as const) {
        it(`passes every resource of the ${role} stack with zero violations`, () => {
            const stack = role === "database" ? plan.database : plan.consumers[0];
            assert.ok(stack.resources.length > 20, `${stack.resources.length} resources`);
            assert.deepStrictEqual(validateStack(stack.resources, defaultPackConfig()), []);
        });
    }

    it("is not vacuous: every resource policy applies to at least one planned resource", () => {
        const resources = [...plan.database.resources, ...plan.consumers[0].resources];
        const unused = resourcePolicies.filter(
            (policy) => !resources.some((r) => policy.types.includes(r.type)),
        );
        assert.deepStrictEqual(
            unused.map((p) => p.name),
            [],
        );
    });

    it("would catch the database opened to the world in the planned stack", () => {
        const rule = plan.database.resources.find((r) => r.name === "database-mysql-from-engineering")!;
        const violations = validateResource(
            rule.type,
            "open",
            { ...rule.inputs, cidrIpv4: "0.0.0.0/0" },
            defaultPackConfig(),
        );
        assert.ok(violations.length > 0);
    });
});
