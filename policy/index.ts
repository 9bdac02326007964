// The policy pack the CLI runs: `pulumi preview --policy-pack policy`. The checks live in ./policies as
// pure functions; ./pack wraps them for the engine.
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies, PACK_NAME } from "./pack";

new PolicyPack(PACK_NAME, {
    policies: buildPolicies(),
    enforcementLevel: "mandatory",
    description:
        "Guardrails for cross-account RDS access: private encrypted RDS, narrow network paths, exact IAM trust.",
});
