import * as assert from "assert";
import { Plan, PlannedResource, StackPlan } from "../../plan/run";
import { consumer, planShipped } from "../support/stacks";
import { failed, failedNames, reportOn } from "./harness";

const MYSQL_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

function named(stack: StackPlan, name: string, type?: string): PlannedResource {
    const found = stack.resources.find((r) => r.name === name && (type === undefined || r.type === type));
    assert.ok(found, `${stack.stack} has ${name}`);
    return found;
}

/** A copy of `rule` under another name with changed inputs, as if the program had declared it too. */
function extraRule(
    stack: StackPlan,
    rule: PlannedResource,
    name: string,
    inputs: Record<string, unknown>,
): void {
    stack.resources.push({ ...rule, name, inputs: { ...rule.inputs, ...inputs } });
}

describe("npm start: breaking one link at a time fails the plan and names the link", function () {
    let base: Plan;
    const analytics = (p: Plan) => consumer(p, "analytics");
    const engineering = (p: Plan) => consumer(p, "engineering");
    const only = (run: ReturnType<typeof reportOn>, name: string) => {
        assert.strictEqual(run.exitCode, 1);
        assert.deepStrictEqual(failedNames(run), [name]);
    };

    /** Broken links, one row each: the change that breaks it, the one check that fails, what it says. */
    const failsOnly = (
        breaks: ReadonlyArray<{
            readonly breakage: string;
            readonly change: (p: Plan) => void;
            readonly fails: string;
            readonly detail?: RegExp;
        }>,
    ) => {
        for (const { breakage, change, fails, detail } of breaks) {
            it(breakage, () => {
                const run = reportOn(base, change);
                only(run, fails);
                if (detail) {
                    assert.match(failed(run)[0], detail);
                }
            });
        }
    };

    before(async () => {
        base = await planShipped();
        assert.deepStrictEqual(failed(reportOn(base, () => undefined)), [], "the shipped plan holds");
    });

    describe("the PrivateLink path", () => {
        failsOnly([
            {
                breakage: "a RAM share naming another account",
                change: (p) => {
                    named(p.database, "database-privatelink-share-analytics-principal").inputs.principal =
                        "444444444444";
                },
                fails: "analytics → dev: PrivateLink: the RAM share names exactly the consumer's account",
                detail: /names 444444444444; it must name only account 333333336021/,
            },
            {
                breakage: "a resource endpoint without private DNS",
                change: (p) => {
                    named(analytics(p), "database-endpoint-endpoint").inputs.privateDnsEnabled = false;
                },
                fails: "analytics → dev: PrivateLink: the consumer's endpoint is a Resource endpoint for that configuration, with private DNS",
                detail: /private DNS off: the function's DB_HOST \(the RDS name\) would not resolve/,
            },
            {
                breakage: "the endpoint's security group open to the VPC CIDR",
                change: (p) => {
                    const stack = analytics(p);
                    const rule = named(stack, "database-endpoint-endpoint-from-function");
                    extraRule(stack, rule, "endpoint-from-vpc", {
                        referencedSecurityGroupId: undefined,
                        cidrIpv4: "10.10.0.0/16",
                    });
                },
                fails: "analytics → dev: PrivateLink: the endpoint's security group admits 3306 only from the function's security group",
                detail: /SecurityGroupIngressRule endpoint-from-vpc \(tcp\/3306-3306 from 10\.10\.0\.0\/16\)/,
            },
            {
                breakage: "the resource gateway's security group sending more than 3306",
                change: (p) => {
                    named(p.database, "database-privatelink-gateway-to-db", EGRESS_RULE).inputs.toPort =
                        65535;
                },
                fails: "analytics → dev: PrivateLink: the resource gateway's security group sends only 3306, only to the RDS security group",
                detail: /database-privatelink-gateway-to-db \(tcp\/3306-65535 to sg-/,
            },
            {
                breakage: "a share carrying a resource configuration of another type",
                change: (p) => {
                    named(p.database, "database-privatelink-config").inputs.type = "SINGLE";
                },
                fails: "analytics → dev: PrivateLink: the shared resource configuration is of type ARN and points at this RDS instance",
            },
            {
                breakage: "a peering left behind for a privatelink consumer",
                change: (p) => {
                    const peering = engineering(p).resources.find(
                        (r) => r.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                    )!;
                    analytics(p).resources.push({ ...peering });
                },
                fails: "analytics → dev: PrivateLink: no peering or route carries this consumer's traffic",
            },
        ]);

        it("the RDS security group admitting the privatelink consumer's CIDR as if it peered", () => {
            const run = reportOn(base, (p) => {
                const rule = named(p.database, "database-mysql-from-engineering", MYSQL_RULE);
                extraRule(p.database, rule, "database-mysql-from-analytics", { cidrIpv4: "10.10.0.0/16" });
            });
            assert.notStrictEqual(run.exitCode, 0);
            assert.ok(
                failedNames(run).includes(
                    "analytics → dev: PrivateLink: RDS admits 3306 from the resource gateway's security group, never from the consumer's CIDR",
                ),
            );
            assert.match(
                failed(run).join("\n"),
                /RDS sees the resource gateway's addresses, never 10\.10\.0\.0\/16/,
            );
        });
    });

    describe("the peering path", () => {
        failsOnly([
            {
                breakage: "a data-access role that trusts another role",
                change: (p) => {
                    const role = named(p.database, "data-access-engineering", "aws:iam/role:Role");
                    role.inputs.assumeRolePolicy = String(role.inputs.assumeRolePolicy).replace(
                        "role/cross-account-rds-engineering-fetch-rows",
                        "role/fetch-rows-renamed",
                    );
                },
                fails: "engineering → dev: IAM: the data-access role trusts the function's role (trust policy and its conditions)",
                detail: /does not admit arn:aws:iam::222222225884:role\/cross-account-rds-engineering-fetch-rows/,
            },
            {
                breakage: "a secret policy that does not name the data-access role",
                change: (p) => {
                    const secretPolicy = p.database.resources.find(
                        (r) => r.type === "aws:secretsmanager/secretPolicy:SecretPolicy",
                    )!;
                    secretPolicy.inputs.policy = String(secretPolicy.inputs.policy).replace(
                        /data-access-engineering-[0-9a-f]+/g,
                        "someone-else",
                    );
                },
                fails: "engineering → dev: IAM: the reader secret's resource policy lets the data-access role GetSecretValue",
            },
        ]);

        it("a route table without the peering route", () => {
            let dropped = "";
            const run = reportOn(base, (p) => {
                const stack = engineering(p);
                const index = stack.resources.findIndex((r) => r.name === "database-peering-requester-1");
                dropped = stack.resources[index].inputs.routeTableId;
                stack.resources.splice(index, 1);
            });
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(failed(run), [
                "engineering → dev: Network: every route table of the function's subnets routes the database CIDR to the peering: " +
                    `route table(s) ${dropped} in engineering lack a route 10.10.0.0/16 → ${engineering(base).exports.peeringConnectionId}`,
            ]);
        });

        it("a missing STS endpoint", () => {
            const run = reportOn(base, (p) => {
                const stack = engineering(p);
                stack.resources.splice(
                    stack.resources.findIndex((r) => r.name === "consumer-sts"),
                    1,
                );
            });
            assert.deepStrictEqual(failed(run), [
                "engineering → dev: Network: the STS endpoint serves the function (private DNS, 443 from its security group): " +
                    "no interface endpoint com.amazonaws.us-east-1.sts in the function's VPC: the function would hang until timeout",
            ]);
        });
    });

    describe("the contract", () => {
        failsOnly([
            {
                breakage: "a function wired to another host than the database's",
                change: (p) => {
                    named(
                        engineering(p),
                        "fetch-rows",
                        "aws:lambda/function:Function",
                    ).inputs.environment.variables.DB_HOST = "elsewhere.example.com";
                },
                fails: "engineering → dev: Contract: the function is configured with the database's host, port, name, secret and data-access role",
            },
        ]);

        it("a database stack that stops exporting an output the consumer requires", () => {
            const run = reportOn(base, (p) => {
                delete p.database.exports.readerSecretArn;
            });
            assert.ok(
                failedNames(run).includes(
                    "engineering → dev: Contract: the database stack exports every output the consumer requires",
                ),
            );
            assert.match(failed(run).join("\n"), /dev does not export readerSecretArn/);
        });
    });

    describe("the policy pack owns the rules about one resource", () => {
        it("fails the plan on 3306 opened to a network that is no peer, with no link broken", () => {
            const run = reportOn(base, (p) => {
                const rule = named(p.database, "database-mysql-from-engineering", MYSQL_RULE);
                extraRule(p.database, rule, "database-mysql-from-anywhere", { cidrIpv4: "192.168.0.0/16" });
            });
            assert.strictEqual(run.exitCode, 1);
            assert.deepStrictEqual(failed(run), []);
            const blocking = run.violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.ok(blocking.length > 0);
            assert.ok(
                blocking.every((v) => v.stack === "dev" && v.resource === "database-mysql-from-anywhere"),
            );
            assert.match(run.output, /Policy pack:\n✗ dev: sg-/);
            assert.match(run.output, /mandatory policy violation/);
        });

        it("fails the plan on a publicly accessible RDS instance", () => {
            const run = reportOn(base, (p) => {
                named(p.database, "database", "aws:rds/instance:Instance").inputs.publiclyAccessible = true;
            });
            assert.strictEqual(run.exitCode, 1);
            assert.ok(run.violations.some((v) => v.policy === "rds-not-public" && v.resource === "database"));
        });
    });
});
