// The one way a component refuses an argument: the SDK's InputPropertyError, naming the property path, so
// the engine reports it against the component and nothing is declared.
import * as pulumi from "@pulumi/pulumi";

/** Throws `pulumi.InputPropertyError` for `propertyPath` when `problem` (from an infra/lib check) is set. */
export function requireValid(propertyPath: string, problem: string | undefined): void {
    if (problem !== undefined) {
        throw new pulumi.InputPropertyError({ propertyPath, reason: `${propertyPath}: ${problem}` });
    }
}
