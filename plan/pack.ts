// The policy pack over each planned stack, as `pulumi preview --policy-pack policy` would run it: the
// pack owns every rule about one resource (RDS settings, open security groups, IAM wildcards, ...), the
// plan's link checks own what joins the stacks. A mandatory violation fails the plan like a broken link.
import { PROJECT } from "../infra/lib/constants";
import { packConfigFromStacks } from "../policy/config";
import { validateResources } from "../policy/run";
import { Plan } from "./run";

export interface Violation {
    /** The stack the offending resource belongs to. */
    readonly stack: string;
    readonly policy: string;
    readonly resource?: string;
    readonly type?: string;
    readonly message: string;
    readonly enforcementLevel: "mandatory" | "advisory";
}

/** Every violation of the pack, stack by stack, with the pack's config derived from the planned stacks. */
export function runPack(plan: Plan): Violation[] {
    const stacks = [plan.database, ...plan.consumers];
    const config = packConfigFromStacks(stacks.map((s) => s.config));
    return stacks.flatMap((stack) =>
        validateResources(
            stack.resources.map((r) => ({
                type: r.type,
                name: r.name,
                urn: `urn:pulumi:${stack.stack}::${PROJECT}::${r.type}::${r.name}`,
                ...(r.id !== undefined ? { id: r.id } : {}),
                props: r.inputs,
                outputs: r.state,
                ...(r.provider ? { provider: r.provider } : {}),
            })),
            config,
        ).map((v) => ({
            stack: stack.stack,
            policy: v.policy,
            ...(v.resource ? { resource: v.resource, type: v.type } : {}),
            message: v.message,
            enforcementLevel: v.enforcementLevel,
        })),
    );
}
