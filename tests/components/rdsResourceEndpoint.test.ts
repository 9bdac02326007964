import { TEST_ACCOUNT_ID, cloud, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    RdsResourceEndpoint,
    RdsResourceEndpointArgs,
    validateRdsResourceEndpointArgs,
} from "../../infra/components/rdsResourceEndpoint";
import {
    assertChildren,
    assertMysqlRule,
    assertRefusedBeforeDeclaring,
    assertOwnSecurityGroup,
    assertRefuses,
    declarations,
    declaredUnder,
    itNeverDeclares,
    neverRecorded,
    observed,
    recorded,
    registeredOutputs,
    uniqueName,
} from "./support";
import { TYPE } from "../support/resourceTypes";

const COMPONENT = "cross-account-rds:privatelink:RdsResourceEndpoint";

const DATABASE = "111111112974";
const VPC = "vpc-0c0c0c0c0c0c0c0c0";
const SUBNETS = ["subnet-0c1c1c1c1c1c1c1c1", "subnet-0c2c2c2c2c2c2c2c2"];
const FUNCTION_SG = "sg-0f0f0f0f0f0f0f0f0";
const CONFIG_ARN = `arn:aws:vpc-lattice:us-east-1:${DATABASE}:resourceconfiguration/rcfg-0123456789abcdef0`;
const SHARE_ARN = `arn:aws:ram:us-east-1:${DATABASE}:resource-share/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b`;

function args(overrides: Partial<RdsResourceEndpointArgs> = {}): RdsResourceEndpointArgs {
    return {
        vpcId: VPC,
        subnetIds: SUBNETS,
        functionSecurityGroupId: FUNCTION_SG,
        resourceConfigurationArn: CONFIG_ARN,
        resourceShareArn: SHARE_ARN,
        tags: { project: "x" },
        ...overrides,
    };
}

function refuses(value: RdsResourceEndpointArgs, path: string, detail?: RegExp): void {
    assertRefuses(() => validateRdsResourceEndpointArgs(value), path, detail);
}

/** The component, noting what it passes to `registerOutputs`. */
const Observed = observed(RdsResourceEndpoint);

describe("RdsResourceEndpoint", () => {
    describe("argument checks", () => {
        it("accepts the shared configuration's ARN, with or without accepting the share", () => {
            assert.doesNotThrow(() => validateRdsResourceEndpointArgs(args()));
            assert.doesNotThrow(() => validateRdsResourceEndpointArgs(args({ acceptShareInvitation: true })));
            assert.doesNotThrow(() => validateRdsResourceEndpointArgs(args({ resourceShareArn: undefined })));
        });

        it("accepts ARNs and subnets that are still outputs (checked once known)", () => {
            assert.doesNotThrow(() =>
                validateRdsResourceEndpointArgs(
                    args({
                        subnetIds: pulumi.output(SUBNETS),
                        resourceConfigurationArn: pulumi.output("later"),
                        resourceShareArn: pulumi.output("later"),
                        acceptShareInvitation: true,
                    }),
                ),
            );
        });

        it("refuses a missing or malformed resource configuration ARN", () => {
            refuses(
                args({ resourceConfigurationArn: undefined as unknown as string }),
                "resourceConfigurationArn",
            );
            for (const bad of [
                `arn:aws:vpc-lattice:us-east-1:${DATABASE}:resourcegateway/rgw-0123456789abcdef0`,
                `arn:aws:rds:us-east-1:${DATABASE}:db:fruits`,
                "rcfg-0123456789abcdef0",
            ]) {
                refuses(
                    args({ resourceConfigurationArn: bad }),
                    "resourceConfigurationArn",
                    /resource configuration ARN/,
                );
            }
        });

        it("refuses to accept an invitation without the share's ARN, and a malformed share ARN", () => {
            refuses(
                args({ acceptShareInvitation: true, resourceShareArn: undefined }),
                "resourceShareArn",
                /missing/,
            );
            refuses(
                args({ resourceShareArn: `arn:aws:ram:us-east-1:${DATABASE}:resource-share/x` }),
                "resourceShareArn",
            );
            refuses(args({ acceptShareInvitation: "yes" as unknown as boolean }), "acceptShareInvitation");
        });

        it("refuses no subnets, a subnet listed twice and a malformed subnet id", () => {
            refuses(args({ subnetIds: [] }), "subnetIds", /at least one subnet/);
            refuses(args({ subnetIds: [SUBNETS[1], SUBNETS[1]] }), "subnetIds[1]", /listed twice/);
            refuses(args({ subnetIds: ["vpc-0123456789abcdef0"] }), "subnetIds[0]");
        });

        it("refuses a missing VPC or function security group", () => {
            refuses(args({ vpcId: "" }), "vpcId");
            refuses(
                args({ functionSecurityGroupId: undefined as unknown as string }),
                "functionSecurityGroupId",
            );
        });
    });

    describe("resources", () => {
        it("creates a Resource endpoint for the configuration, with private DNS, in the given subnets", async () => {
            const name = uniqueName("rre-endpoint");
            const component = new RdsResourceEndpoint(name, args());
            const endpoint = await recorded(TYPE.vpcEndpoint, `${name}-endpoint`);
            assert.strictEqual(endpoint.inputs.vpcEndpointType, "Resource");
            assert.strictEqual(endpoint.inputs.resourceConfigurationArn, CONFIG_ARN);
            assert.strictEqual(endpoint.inputs.privateDnsEnabled, true);
            assert.strictEqual(endpoint.inputs.vpcId, VPC);
            assert.deepStrictEqual(endpoint.inputs.subnetIds, SUBNETS);
            assert.strictEqual(endpoint.inputs.ipAddressType, "ipv4");
            // Exactly one target: neither an AWS service nor a service network.
            assert.strictEqual(endpoint.inputs.serviceName, undefined);
            assert.strictEqual(endpoint.inputs.serviceNetworkArn, undefined);
            assert.deepStrictEqual(endpoint.inputs.securityGroupIds, [
                await promiseOf(component.endpointSecurityGroupId),
            ]);
            assert.deepStrictEqual(endpoint.inputs.tags, { project: "x" });
            assert.strictEqual(await promiseOf(component.endpointId), endpoint.id);
            assert.strictEqual(await promiseOf(component.endpointArn), endpoint.state.arn);
            assert.deepStrictEqual(await promiseOf(component.dnsEntries), []);
        });

        it("admits MySQL into the endpoint from the function's security group only", async () => {
            const name = uniqueName("rre-in");
            const component = new RdsResourceEndpoint(name, args());
            const sgId = await promiseOf(component.endpointSecurityGroupId);
            assertMysqlRule(
                await recorded(TYPE.ingressRule, `${name}-endpoint-from-function`),
                sgId,
                FUNCTION_SG,
            );
            assertOwnSecurityGroup(await recorded(TYPE.securityGroup, `${name}-endpoint-sg`), sgId, VPC, [
                `${name}-endpoint-from-function`,
            ]);
        });

        it("lets the function send MySQL to the endpoint's security group", async () => {
            const name = uniqueName("rre-out");
            const component = new RdsResourceEndpoint(name, args());
            assertMysqlRule(
                await recorded(TYPE.egressRule, `${name}-function-to-endpoint`),
                FUNCTION_SG,
                await promiseOf(component.endpointSecurityGroupId),
            );
        });

        it("accepts no invitation by default (inside one organization there is none)", async () => {
            const name = uniqueName("rre-noaccept");
            const component = new RdsResourceEndpoint(name, args());
            await promiseOf(component.endpointId);
            assert.ok(await neverRecorded(TYPE.resourceShareAccepter, `${name}-accepter`));
            assert.strictEqual(
                declaredUnder(name).filter((r) => r.type === TYPE.resourceShareAccepter).length,
                0,
            );
        });

        it("accepts the share's invitation by its ARN when asked", async () => {
            const name = uniqueName("rre-accept");
            const component = new RdsResourceEndpoint(name, args({ acceptShareInvitation: true }));
            await promiseOf(component.endpointId);
            const accepter = await recorded(TYPE.resourceShareAccepter, `${name}-accepter`);
            assert.deepStrictEqual(accepter.inputs, { shareArn: SHARE_ARN });
            const order = (type: string, n: string) =>
                cloud.resources.findIndex((r) => r.type === type && r.name === n);
            assert.ok(
                order(TYPE.vpcEndpoint, `${name}-endpoint`) >
                    order(TYPE.resourceShareAccepter, `${name}-accepter`),
                "the endpoint was registered before the accepter",
            );
        });

        it("makes the endpoint depend on the accepter", async () => {
            const name = uniqueName("rre-depends");
            const { opts, declared } = declarations();
            const seen: pulumi.Resource[][] = [];
            const recordDependsOn: pulumi.ResourceTransformation = (a) => {
                if (a.type === TYPE.vpcEndpoint) {
                    seen.push([...((a.opts.dependsOn as pulumi.Resource[] | undefined) ?? [])]);
                }
                return undefined;
            };
            const component = new RdsResourceEndpoint(name, args({ acceptShareInvitation: true }), {
                transformations: [...(opts.transformations ?? []), recordDependsOn],
            });
            await promiseOf(component.endpointId);
            const accepter = declared.find((d) => d.type === TYPE.resourceShareAccepter);
            assert.ok(accepter);
            assert.strictEqual(seen.length, 1);
            assert.strictEqual(seen[0].length, 1);
            assert.strictEqual(seen[0][0], accepter.resource);
        });

        it("declares every child with the component as its parent, under the component's name", async () => {
            const name = uniqueName("rre-tree");
            const { opts, declared } = declarations();
            const component = new RdsResourceEndpoint(name, args({ acceptShareInvitation: true }), opts);
            await promiseOf(component.endpointId);
            assertChildren(declared, component, COMPONENT, [
                `${TYPE.securityGroup} ${name}-endpoint-sg`,
                `${TYPE.ingressRule} ${name}-endpoint-from-function`,
                `${TYPE.egressRule} ${name}-function-to-endpoint`,
                `${TYPE.resourceShareAccepter} ${name}-accepter`,
                `${TYPE.vpcEndpoint} ${name}-endpoint`,
            ]);
        });

        it("registers the endpoint, its security group and its DNS entries as its outputs", async () => {
            const name = uniqueName("rre-out");
            const component = new Observed(name, args());
            const outputs = registeredOutputs(component);
            const endpoint = await recorded(TYPE.vpcEndpoint, `${name}-endpoint`);
            assert.deepStrictEqual(await promiseOf(pulumi.output(outputs)), {
                endpointId: endpoint.id,
                endpointArn: endpoint.state.arn,
                endpointSecurityGroupId: await promiseOf(component.endpointSecurityGroupId),
                dnsEntries: [],
            });
        });

        it("takes the subnets and the configuration ARN as outputs, as stack references hand them over", async () => {
            const name = uniqueName("rre-late-ok");
            new RdsResourceEndpoint(
                name,
                args({
                    subnetIds: pulumi.output(SUBNETS),
                    resourceConfigurationArn: pulumi.output(CONFIG_ARN),
                }),
            );
            const endpoint = await recorded(TYPE.vpcEndpoint, `${name}-endpoint`);
            assert.deepStrictEqual(endpoint.inputs.subnetIds, SUBNETS);
            assert.strictEqual(endpoint.inputs.resourceConfigurationArn, CONFIG_ARN);
        });

        itNeverDeclares<RdsResourceEndpoint>("rre-late", [
            {
                requirement:
                    "never creates an endpoint for an ARN output that is not a resource configuration",
                make: (name) =>
                    new RdsResourceEndpoint(
                        name,
                        args({
                            resourceConfigurationArn: pulumi.output(
                                `arn:aws:rds:us-east-1:${TEST_ACCOUNT_ID}:db:x`,
                            ),
                        }),
                    ),
                settled: (component) => component.endpointSecurityGroupId,
                never: [[TYPE.vpcEndpoint, "endpoint"]],
            },
            {
                requirement: "never accepts a share output that is not a RAM share ARN",
                make: (name) =>
                    new RdsResourceEndpoint(
                        name,
                        args({ acceptShareInvitation: true, resourceShareArn: pulumi.output("share") }),
                    ),
                settled: (component) => component.endpointSecurityGroupId,
                never: [
                    [TYPE.resourceShareAccepter, "accepter"],
                    [TYPE.vpcEndpoint, "endpoint"],
                ],
            },
        ]);

        it("refuses a bad argument with an InputPropertyError and declares nothing, not even itself", async () => {
            await assertRefusedBeforeDeclaring(COMPONENT, "rre-bad", [
                {
                    build: (name) =>
                        new RdsResourceEndpoint(
                            name,
                            args({ acceptShareInvitation: true, resourceShareArn: undefined }),
                        ),
                    path: "resourceShareArn",
                },
                {
                    build: (name) =>
                        new RdsResourceEndpoint(name, args({ resourceConfigurationArn: "rcfg" })),
                    path: "resourceConfigurationArn",
                },
            ]);
        });
    });
});
