// Import this before the code under test: it installs the mock cloud every component test shares.
import * as pulumi from "@pulumi/pulumi";
import { MockCloud } from "../../plan/mockCloud";

export const TEST_ACCOUNT_ID = "111111112974";
export const OTHER_ACCOUNT_ID = "222222225884";
export const TEST_REGION = "us-east-1";

export const cloud = new MockCloud({ accountId: TEST_ACCOUNT_ID, region: TEST_REGION });
void pulumi.runtime.setMocks(cloud, "cross-account-rds", "test", false);

/** The value of an output, for assertions. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** Whether an output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}
