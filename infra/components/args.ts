// The one way a component refuses an argument: the SDK's InputPropertyError, naming the property path, so
// the engine reports it against the component and nothing is declared.
import * as pulumi from "@pulumi/pulumi";

/** Where an argument is wrong and why, for checks that also run on resolved outputs (at apply time). */
export interface ArgumentProblem {
    readonly propertyPath: string;
    readonly problem: string;
}

/** Throws `pulumi.InputPropertyError` for `propertyPath` when `problem` (from an infra/lib check) is set. */
export function requireValid(propertyPath: string, problem: string | undefined): void {
    if (problem !== undefined) {
        throw new pulumi.InputPropertyError({ propertyPath, reason: `${propertyPath}: ${problem}` });
    }
}

/** Throws `pulumi.InputPropertyError` for the problem a check found, if it found one. */
export function requireNoProblem(found: ArgumentProblem | undefined): void {
    if (found !== undefined) {
        requireValid(found.propertyPath, found.problem);
    }
}
