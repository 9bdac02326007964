import * as assert from "assert";
import * as aws from "@pulumi/aws";
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { rdsBackupRetention, rdsNotPublic } from "../../policy/rds";
import { runPolicies, validateResources } from "../../policy/run";
import { goodDb } from "./fixtures";
import { CONFIG, resource, T } from "./harness";

// The SDK's own sentinel for a string unknown at preview (what the engine sends for such a value).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownNumberValue } = require("@pulumi/policy/proxy") as { unknownNumberValue: string };

describe("policy runner: the pack run as the engine runs it", () => {
    it("hands resource policies the SDK's arguments: type checks, the URN, the provider and the config", () => {
        const seen: ResourceValidationArgs[] = [];
        const spy = (configSchema?: object): ResourceValidationPolicy => ({
            name: configSchema ? "with-config" : "without-config",
            description: "records its arguments",
            ...(configSchema ? { configSchema: configSchema as never } : {}),
            validateResource: (args) => void seen.push(args),
        });
        const db = resource(T.rdsInstance, goodDb, {
            name: "db",
            provider: "urn:pulumi:dev::cross-account-rds::pulumi:providers:aws::database::provider-1",
        });
        runPolicies([spy(), spy({ properties: {} })], [db], CONFIG);
        const [plain, configured] = seen;
        assert.strictEqual(plain.isType(aws.rds.Instance), true);
        assert.strictEqual(plain.isType(aws.kms.Key), false);
        assert.strictEqual(plain.asType(aws.rds.Instance)?.engine, "mysql");
        assert.strictEqual(plain.asType(aws.kms.Key), undefined);
        assert.strictEqual(plain.urn, "urn:pulumi:stack::cross-account-rds::aws:rds/instance:Instance::db");
        assert.deepStrictEqual(
            { type: plain.provider?.type, name: plain.provider?.name },
            { type: "pulumi:providers:aws", name: "database" },
        );
        // As the engine: a policy without a config schema gets no config.
        assert.deepStrictEqual(plain.getConfig(), {});
        assert.deepStrictEqual(configured.getConfig(), CONFIG);
    });

    it("skips typed policies for other resource types, as validateResourceOfType asks", () => {
        assert.deepStrictEqual(
            runPolicies([rdsNotPublic], [resource(T.kmsKey, { publiclyAccessible: true })], CONFIG),
            [],
        );
    });

    it("reports a policy that reads a value unknown at preview as advisory, and runs the others", () => {
        const db = resource(
            T.rdsInstance,
            { ...goodDb, backupRetentionPeriod: unknownNumberValue },
            { name: "db" },
        );
        const found = runPolicies([rdsBackupRetention, rdsNotPublic], [db], CONFIG);
        assert.deepStrictEqual(
            found.map((v) => [v.policy, v.resource, v.enforcementLevel]),
            [["rds-backup-retention", "db", "advisory"]],
        );
        assert.match(
            found[0].message,
            /can't run policy 'rds-backup-retention' during preview: .*backupRetentionPeriod/,
        );
    });

    it("hands stack policies every resource's outputs (with its id) and maps reports to resources by URN", () => {
        const stackPolicy: StackValidationPolicy = {
            name: "ids",
            description: "reports each resource's id",
            validateStack: (args, report) => {
                for (const r of args.resources) {
                    report(`${r.props.id}:${r.props.state}`, r.urn);
                }
                report("stack-wide");
            },
        };
        const resources = [
            resource(
                T.kmsKey,
                { description: "k" },
                { name: "key", id: "key-1", outputs: { state: "created" } },
            ),
            resource(T.logGroup, { state: "input" }, { name: "logs", urn: "urn:custom" }),
        ];
        const found = runPolicies([stackPolicy], resources, CONFIG);
        assert.deepStrictEqual(
            found.map((v) => [v.resource, v.urn, v.message]),
            [
                ["key", "urn:pulumi:stack::cross-account-rds::aws:kms/key:Key::key", "key-1:created"],
                ["logs", "urn:custom", "undefined:input"],
                [undefined, undefined, "stack-wide"],
            ],
        );
    });

    it("keeps each policy's enforcement level, skips disabled ones and refuses asynchronous ones", () => {
        const db = resource(T.rdsInstance, { ...goodDb, publiclyAccessible: true });
        const advisory = { ...rdsNotPublic, enforcementLevel: "advisory" as const };
        assert.deepStrictEqual(
            runPolicies([advisory], [db], CONFIG).map((v) => v.enforcementLevel),
            ["advisory"],
        );
        assert.deepStrictEqual(
            runPolicies([{ ...rdsNotPublic, enforcementLevel: "disabled" }], [db], CONFIG),
            [],
        );
        const asynchronous: ResourceValidationPolicy = {
            name: "async",
            description: "returns a promise",
            validateResource: async () => undefined,
        };
        assert.throws(() => runPolicies([asynchronous], [db], CONFIG), /policy async is asynchronous/);
    });

    it("validateResources runs the whole pack: a broken instance fails each of its policies", () => {
        const broken = resource(
            T.rdsInstance,
            { ...goodDb, publiclyAccessible: true, deletionProtection: false, parameterGroupName: undefined },
            { name: "db" },
        );
        assert.deepStrictEqual(
            validateResources([broken], CONFIG).map((v) => [v.policy, v.resource, v.enforcementLevel]),
            [
                ["rds-not-public", "db", "mandatory"],
                ["rds-deletion-protection", "db", "mandatory"],
                ["rds-require-secure-transport", "db", "mandatory"],
            ],
        );
    });
});
