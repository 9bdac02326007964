// The offline runner against the policy SDK's own server functions (what `pulumi preview --policy-pack`
// talks to over gRPC): for the same resources, both report the same violations.
import * as assert from "assert";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, packArgs } from "../../policy/pack";
import { validateResources, type PolicyResourceRecord } from "../../policy/run";
import { consumerSide, databaseSide, goodDb, mysqlRule } from "./fixtures";
import { resource, T } from "./harness";

/* eslint-disable @typescript-eslint/no-require-imports */
// The SDK's server internals and the engine's protocol messages, as the CLI drives them.
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun(...args: unknown[]): RpcFun;
    makeAnalyzeStackRpcFun(...args: unknown[]): RpcFun;
};
const proto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };
/* eslint-enable @typescript-eslint/no-require-imports */

type RpcFun = (
    call: { request: unknown },
    callback: (err: unknown, response: AnalyzeResponse) => void,
) => void;
interface AnalyzeResponse {
    getDiagnosticsList(): Array<{
        getPolicyname(): string;
        getMessage(): string;
        getDescription(): string;
        getUrn(): string;
        getEnforcementlevel(): number;
    }>;
}

/** [policy, urn, message, level]: what both sides report, in one shape. */
type Finding = [string, string, string, string];

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];
const urnOf = (r: PolicyResourceRecord) =>
    r.urn ?? `urn:pulumi:stack::cross-account-rds::${r.type}::${r.name}`;

function analyzerResource<T extends object>(message: T, r: PolicyResourceRecord, props: object): T {
    const m = message as unknown as Record<string, (value: unknown) => void>;
    m.setType(r.type);
    m.setName(r.name);
    m.setUrn(urnOf(r));
    m.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(props))));
    m.setOptions(new proto.AnalyzerResourceOptions());
    return message;
}

function call(fun: RpcFun, request: unknown): Promise<AnalyzeResponse> {
    return new Promise((resolve, reject) =>
        fun({ request }, (err, response) => (err ? reject(err) : resolve(response))),
    );
}

/** A preview message names the pack; the runner's names only the policy. */
const comparable = (message: string) => message.replace(/ from policy pack '[^']+'/, "");

async function engineFindings(resources: PolicyResourceRecord[]): Promise<Finding[]> {
    const args = [PACK_NAME, "0.1.0", PACK_ENFORCEMENT_LEVEL, packArgs.policies];
    const found: Finding[] = [];
    const collect = (response: AnalyzeResponse, urn?: string) => {
        for (const d of response.getDiagnosticsList()) {
            // The engine shows the description, then the policy's message.
            const message = d.getMessage().startsWith(`${d.getDescription()}\n`)
                ? d.getMessage().slice(d.getDescription().length + 1)
                : d.getMessage();
            found.push([
                d.getPolicyname(),
                d.getUrn() || urn || "",
                comparable(message),
                LEVELS[d.getEnforcementlevel()],
            ]);
        }
    };
    for (const r of resources) {
        collect(
            await call(
                server.makeAnalyzeRpcFun(...args),
                analyzerResource(new proto.AnalyzeRequest(), r, r.props),
            ),
            urnOf(r),
        );
    }
    const stack = new proto.AnalyzeStackRequest();
    stack.setResourcesList(
        resources.map((r) =>
            analyzerResource(new proto.AnalyzerResource(), r, {
                ...(r.id ? { id: r.id } : {}),
                ...(r.outputs ?? r.props),
            }),
        ),
    );
    collect(await call(server.makeAnalyzeStackRpcFun(...args), stack));
    return found;
}

function runnerFindings(resources: PolicyResourceRecord[]): Finding[] {
    return validateResources(resources).map((v) => [
        v.policy,
        v.urn ?? "",
        comparable(v.message),
        v.enforcementLevel,
    ]);
}

const sorted = (findings: Finding[]) => findings.map((f) => f.join(" | ")).sort();

describe("policy runner: the same findings as the policy SDK's own server", () => {
    it("over compliant PrivateLink stacks: none on either side", async () => {
        for (const stack of [databaseSide(), consumerSide()]) {
            assert.deepStrictEqual(await engineFindings(stack), []);
            assert.deepStrictEqual(runnerFindings(stack), []);
        }
    });

    it("over broken resources of every domain, values unknown at preview included", async () => {
        const resources: PolicyResourceRecord[] = [
            ...databaseSide(),
            resource(
                T.rdsInstance,
                { ...goodDb, publiclyAccessible: true, parameterGroupName: undefined },
                { name: "db" },
            ),
            resource(T.rdsInstance, { ...goodDb, kmsKeyId: unknownStringValue }, { name: "db-pending" }),
            mysqlRule(T.ingressRule, "open", "sg-db", {
                referencedSecurityGroupId: undefined,
                cidrIpv4: "0.0.0.0/0",
            }),
            mysqlRule(T.egressRule, "rgw-wide", "sg-rgw", { fromPort: 0, toPort: 65535 }),
            resource(
                T.route,
                {
                    routeTableId: "rtb-1",
                    destinationCidrBlock: "10.0.0.0/8",
                    vpcPeeringConnectionId: unknownStringValue,
                },
                { name: "wide" },
            ),
            resource(
                T.role,
                {
                    assumeRolePolicy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }],
                    }),
                },
                { name: "role" },
            ),
            resource(
                T.lambda,
                {
                    name: "fetch-rows",
                    vpcConfig: { subnetIds: [], securityGroupIds: [] },
                    environment: { variables: { DB_PASSWORD: "x" } },
                },
                { name: "fn" },
            ),
            resource(T.kmsKey, { description: "k" }, { name: "key" }),
            resource(
                T.principalAssociation,
                {
                    principal: "arn:aws:organizations::111111112974:organization/o-abc123",
                    resourceShareArn: "arn:aws:ram:us-east-1:111111112974:resource-share/other",
                },
                { name: "org" },
            ),
        ];
        const engine = await engineFindings(resources);
        assert.deepStrictEqual(sorted(runnerFindings(resources)), sorted(engine));
        // Not vacuous: each domain and the preview case are in there.
        const policies = new Set(engine.map((f) => f[0]));
        for (const name of [
            "rds-not-public",
            "rds-require-secure-transport",
            "sg-no-open-ingress",
            "privatelink-security-groups",
            "iam-trust-no-wildcard-principal",
            "lambda-no-secret-env",
            "lambda-log-retention",
            "kms-key-rotation",
            "ram-share-principal-allowed",
        ]) {
            assert.ok(policies.has(name), name);
        }
        assert.ok(
            engine.some(
                (f) =>
                    f[0] === "rds-encrypted-with-cmk" && f[3] === "advisory" && /during preview/.test(f[2]),
            ),
        );
        assert.ok(engine.some((f) => f[0] === "peering-routes-to-peer-cidr" && f[3] === "advisory"));
    });
});
