// Physical names the stacks give AWS resources, derived from the stack name in one place.
import { PROJECT } from "../lib/constants";

/** `cross-account-rds-<stack>-<suffix>` in the letters, digits and single hyphens AWS names accept. */
export function nameFor(stack: string, suffix: string, maxLength: number): string {
    const stackPart = stack.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return `${PROJECT}-${stackPart}`.slice(0, maxLength - suffix.length - 1).replace(/-$/, "") + `-${suffix}`;
}
