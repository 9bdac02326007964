// The cross-stack links of a plan, per consumer: the contract (what the consumer requires, the database
// exports, and the function wired to it), the IAM chain and the network chain of its path. Each check
// names what is missing and where, so a ✗ says which link to fix. Rules about one resource alone (RDS
// settings, open security groups, ...) belong to the policy pack, which `npm start` runs alongside.
import { DATABASE_EXPORT_NAMES } from "../infra/contract";
import { fetchRowsFunction, Link, linkOf } from "./link";
import { Check, Checks, of, T } from "./query";
import { Plan, StackPlan } from "./run";
import { verifyIam } from "./verifyIam";
import { verifyEndpoints, verifyPeering } from "./verifyNetwork";
import { verifyPrivatelink } from "./verifyPrivatelink";

export type { Check };

export function verifyPlan(plan: Plan): Check[] {
    return plan.consumers.flatMap((consumer) => verifyConsumer(plan, consumer));
}

function verifyConsumer(plan: Plan, consumer: StackPlan): Check[] {
    const db = plan.database;
    const c = new Checks(`${consumer.stack} → ${db.stack}: `);
    const missing = DATABASE_EXPORT_NAMES.filter((name) => !(name in db.exports));
    const reference = of(consumer, T.stackReference).find((r) =>
        String(r.inputs.name).endsWith(`/${db.stack}`),
    );
    c.add(
        "Contract: the database stack exports every output the consumer requires",
        missing.length === 0 && !!reference,
        !reference
            ? `${consumer.stack} does not read stack ${db.stack} by StackReference`
            : `${db.stack} does not export ${missing.join(", ")}`,
    );
    const fn = fetchRowsFunction(consumer);
    if (!fn) {
        c.add(
            "Contract: the consumer declares the fetch-rows function",
            false,
            `no aws.lambda.Function with DB_ACCESS_ROLE_ARN in ${consumer.stack}`,
        );
        return c.list;
    }
    const link = linkOf(db, consumer, fn, c);
    verifyContract(link);
    verifyIam(link);
    verifyEndpoints(link);
    if (link.record?.network === "privatelink") {
        verifyPrivatelink(link);
    } else {
        verifyPeering(link);
    }
    return c.list;
}

function verifyContract({ db, consumer, c, record, env }: Link): void {
    c.add(
        "Contract: the database stack admits this consumer, in its account, by the network path it built",
        !!record && record.accountId === consumer.accountId && record.network === consumer.exports.network,
        !record
            ? `${db.stack} has no consumers[name=${consumer.consumerName}] record`
            : `the record says account ${record.accountId} over ${record.network}; ${consumer.stack} deploys into ` +
                  `${consumer.accountId} over ${String(consumer.exports.network)}`,
    );
    const expected: Record<string, unknown> = {
        DB_HOST: db.exports.dbHost,
        DB_PORT: String(db.exports.dbPort),
        DB_NAME: db.exports.dbName,
        DB_SECRET_ARN: db.exports.readerSecretArn,
        DB_ACCESS_ROLE_ARN: record?.dataAccessRoleArn,
    };
    const wrong = Object.entries(expected).filter(([name, value]) => env[name] !== value);
    c.add(
        "Contract: the function is configured with the database's host, port, name, secret and data-access role",
        wrong.length === 0,
        wrong
            .map(([name, value]) => `${name} is ${env[name]}, the database stack says ${String(value)}`)
            .join("; "),
    );
}
