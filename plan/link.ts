// One consumer's access path as the link checks see it: both stacks, the consumer's record in the
// database stack's exports, and the pieces every check starts from (the function, its security groups,
// the RDS instance and its security groups).
import type { ConsumerRecord } from "../infra/contract";
import { asList } from "../infra/lib/iam";
import { Checks, of, Rule, rulesOf, T } from "./query";
import { PlannedResource, StackPlan } from "./run";

export interface Link {
    readonly db: StackPlan;
    readonly consumer: StackPlan;
    readonly c: Checks;
    /** This consumer's record in the database stack's `consumers` export. */
    readonly record?: ConsumerRecord;
    /** The consumer side: the fetch-rows function, its environment and security groups, its VPC, every rule. */
    readonly fn: PlannedResource;
    readonly env: Readonly<Record<string, string>>;
    readonly functionSgs: readonly string[];
    readonly consumerVpc?: PlannedResource;
    readonly consumerRules: readonly Rule[];
    /** The database side: its VPC, the RDS instance and its security groups, every rule. */
    readonly dbVpc?: PlannedResource;
    readonly rds?: PlannedResource;
    readonly dbSgs: readonly string[];
    readonly dbRules: readonly Rule[];
}

/** The consumer's function: the one whose environment names a data-access role. */
export function fetchRowsFunction(consumer: StackPlan): PlannedResource | undefined {
    return of(consumer, T.fn).find((f) => (f.inputs.environment?.variables ?? {}).DB_ACCESS_ROLE_ARN);
}

export function linkOf(db: StackPlan, consumer: StackPlan, fn: PlannedResource, c: Checks): Link {
    const records = (db.exports.consumers ?? {}) as Record<string, ConsumerRecord>;
    const rds = of(db, T.rds)[0];
    return {
        db,
        consumer,
        c,
        record: records[consumer.consumerName ?? ""],
        fn,
        env: fn.inputs.environment?.variables ?? {},
        functionSgs: asList<string>(fn.inputs.vpcConfig?.securityGroupIds),
        consumerVpc: of(consumer, T.vpc)[0],
        consumerRules: rulesOf(consumer),
        dbVpc: of(db, T.vpc)[0],
        rds,
        dbSgs: asList<string>(rds?.inputs.vpcSecurityGroupIds),
        dbRules: rulesOf(db),
    };
}
