// The pack: every policy of every domain, mandatory. Kept apart from index.ts (which starts the pack's
// server) so the offline runner and the tests load the same policies without a server.
import type { EnforcementLevel, PolicyPackArgs } from "@pulumi/policy";
import { iamPolicies } from "./iam";
import { lambdaPolicies } from "./lambda";
import { networkPolicies } from "./network";
import { privatelinkPolicies } from "./privatelink";
import { rdsPolicies } from "./rds";
import { secretsPolicies } from "./secrets";

export const PACK_NAME = "cross-account-rds-guardrails";

/** Every policy applies to every stack; a violation stops `pulumi preview` and `pulumi up`. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

export const packArgs: PolicyPackArgs = {
    description:
        "Guardrails for cross-account RDS access: private encrypted RDS, narrow network paths (peering or PrivateLink), exact IAM trust.",
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
    policies: [
        ...rdsPolicies,
        ...networkPolicies,
        ...privatelinkPolicies,
        ...iamPolicies,
        ...secretsPolicies,
        ...lambdaPolicies,
    ],
};
