import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, cloud, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    PeeredVpcPair,
    PeeredVpcPairArgs,
    validatePeeredVpcPairArgs,
} from "../../infra/components/peeredVpcPair";
import { assertRefuses, providerRef, recorded, uniqueName } from "./support";
import { TYPE } from "../support/resourceTypes";

const CONSUMER = OTHER_ACCOUNT_ID;
const DATABASE = TEST_ACCOUNT_ID;
const COMPONENT = "cross-account-rds:network:PeeredVpcPair";

interface Providers {
    requester: aws.Provider;
    accepter: aws.Provider;
}

function providers(name: string): Providers {
    return {
        requester: new aws.Provider(`${name}-consumer`, {
            region: "us-east-1",
            assumeRoles: [{ roleArn: `arn:aws:iam::${CONSUMER}:role/deployer` }],
        }),
        accepter: new aws.Provider(`${name}-database`, {
            region: "eu-west-1",
            assumeRoles: [{ roleArn: `arn:aws:iam::${DATABASE}:role/peering-accepter` }],
        }),
    };
}

function args(p?: Partial<Providers>, overrides: Partial<PeeredVpcPairArgs> = {}): PeeredVpcPairArgs {
    return {
        requester: {
            vpcId: "vpc-0aaaaaaaaaaaaaaaa",
            cidrBlock: "10.20.0.0/16",
            routeTableIds: ["rtb-0a1a1a1a1a1a1a1a1", "rtb-0a2a2a2a2a2a2a2a2"],
            accountId: CONSUMER,
            provider: p?.requester,
        },
        accepter: {
            vpcId: "vpc-0bbbbbbbbbbbbbbbb",
            cidrBlock: "10.10.0.0/16",
            routeTableIds: ["rtb-0b1b1b1b1b1b1b1b1", "rtb-0b2b2b2b2b2b2b2b2", "rtb-0b3b3b3b3b3b3b3b3"],
            accountId: DATABASE,
            region: "eu-west-1",
            provider: p?.accepter,
        },
        ...overrides,
    };
}

/** Plain-argument variants for the validator, which never touches providers. */
function plain(
    requester: Partial<PeeredVpcPairArgs["requester"]> = {},
    accepter: Partial<PeeredVpcPairArgs["accepter"]> = {},
): PeeredVpcPairArgs {
    const base = args({ accepter: {} as aws.Provider });
    return {
        ...base,
        requester: { ...base.requester, ...requester },
        accepter: { ...base.accepter, ...accepter },
    };
}

/** Asserts `value` is refused at `key`, with a reason matching `detail` when given. */
function refuses(value: PeeredVpcPairArgs, key: string, detail?: RegExp): void {
    assertRefuses(() => validatePeeredVpcPairArgs(value), key, detail);
}

describe("PeeredVpcPair", () => {
    describe("argument checks", () => {
        it("accepts a cross-account pair with both providers", () => {
            assert.doesNotThrow(() => validatePeeredVpcPairArgs(plain()));
        });

        it("refuses overlapping CIDR blocks", () => {
            refuses(
                plain({ cidrBlock: "10.10.128.0/17" }),
                "accepter.cidrBlock",
                /overlaps requester\.cidrBlock/,
            );
            refuses(plain({ cidrBlock: "10.0.0.0/8" }), "accepter.cidrBlock");
        });

        it("refuses an empty route table list on either side", () => {
            refuses(plain({ routeTableIds: [] }), "requester.routeTableIds");
            refuses(plain({}, { routeTableIds: [] }), "accepter.routeTableIds");
        });

        it("refuses a route table listed twice or a malformed route table id", () => {
            refuses(
                plain({}, { routeTableIds: ["rtb-0b1b1b1b1b1b1b1b1", "rtb-0b1b1b1b1b1b1b1b1"] }),
                "accepter.routeTableIds[1]",
            );
            refuses(plain({ routeTableIds: ["subnet-0123456789abcdef0"] }), "requester.routeTableIds[0]");
        });

        it("refuses a cross-account pair without an accepter provider", () => {
            refuses(
                plain({}, { provider: undefined }),
                "accepter.provider",
                new RegExp(`account ${DATABASE}`),
            );
            refuses(
                plain({ accountId: undefined }, { provider: undefined }),
                "accepter.provider",
                /requester\.accountId/,
            );
        });

        it("allows a same-account pair without an accepter provider", () => {
            assert.doesNotThrow(() =>
                validatePeeredVpcPairArgs(plain({ accountId: DATABASE }, { provider: undefined })),
            );
        });

        it("refuses a peer CIDR of 0.0.0.0/0 or any /0", () => {
            refuses(plain({}, { cidrBlock: "0.0.0.0/0" }), "accepter.cidrBlock", /all traffic/);
            refuses(plain({ cidrBlock: "0.0.0.0/0" }), "requester.cidrBlock", /all traffic/);
        });

        it("refuses malformed CIDRs, account ids, regions and VPC ids", () => {
            refuses(plain({ cidrBlock: "10.20.0.1/16" }), "requester.cidrBlock");
            refuses(plain({}, { cidrBlock: "10.10.0.0" }), "accepter.cidrBlock");
            refuses(plain({}, { accountId: "1234" }), "accepter.accountId");
            refuses(plain({ accountId: "abc" }), "requester.accountId");
            refuses(plain({}, { region: "Europe" }), "accepter.region");
            refuses(plain({}, { vpcId: "10.10.0.0/16" }), "accepter.vpcId");
        });
    });

    describe("resources", () => {
        it("requests the peering from the requester's account without auto-accepting", async () => {
            const name = uniqueName("pair-request");
            const p = providers(name);
            const pair = new PeeredVpcPair(name, args(p, { tags: { project: "x" } }));
            const peering = await recorded(TYPE.peeringConnection, name);
            assert.strictEqual(peering.provider, await providerRef(p.requester));
            assert.strictEqual(peering.accountId, CONSUMER);
            assert.strictEqual(peering.inputs.vpcId, "vpc-0aaaaaaaaaaaaaaaa");
            assert.strictEqual(peering.inputs.peerVpcId, "vpc-0bbbbbbbbbbbbbbbb");
            assert.strictEqual(peering.inputs.peerOwnerId, DATABASE);
            assert.strictEqual(peering.inputs.peerRegion, "eu-west-1");
            assert.strictEqual(peering.inputs.autoAccept, false);
            assert.deepStrictEqual(peering.inputs.tags, { project: "x", Name: name, Side: "requester" });
            assert.match(await promiseOf(pair.peeringConnectionId), /^pcx-[0-9a-f]{17}$/);
        });

        it("accepts it from the accepter's account", async () => {
            const name = uniqueName("pair-accept");
            const p = providers(name);
            const pair = new PeeredVpcPair(name, args(p));
            const accepter = await recorded(TYPE.peeringAccepter, `${name}-accepter`);
            assert.strictEqual(accepter.provider, await providerRef(p.accepter));
            assert.strictEqual(accepter.accountId, DATABASE);
            assert.strictEqual(accepter.inputs.autoAccept, true);
            assert.strictEqual(
                accepter.inputs.vpcPeeringConnectionId,
                await promiseOf(pair.peeringConnectionId),
            );
            assert.strictEqual(await promiseOf(pair.accepterStatus), "active");
        });

        it("routes every given table on each side to exactly the other side's CIDR, with that side's provider", async () => {
            const name = uniqueName("pair-routes");
            const p = providers(name);
            const pair = new PeeredVpcPair(name, args(p));
            const pcx = await promiseOf(pair.peeringConnectionId);
            assert.strictEqual(pair.requesterRoutes.length, 2);
            assert.strictEqual(pair.accepterRoutes.length, 3);
            const expectations = [
                {
                    side: "requester",
                    tables: args().requester.routeTableIds,
                    to: "10.10.0.0/16",
                    provider: p.requester,
                    account: CONSUMER,
                },
                {
                    side: "accepter",
                    tables: args().accepter.routeTableIds,
                    to: "10.20.0.0/16",
                    provider: p.accepter,
                    account: DATABASE,
                },
            ];
            for (const { side, tables, to, provider, account } of expectations) {
                const ref = await providerRef(provider);
                for (const [i, table] of tables.entries()) {
                    const route = await recorded(TYPE.route, `${name}-${side}-${i}`);
                    assert.strictEqual(route.inputs.routeTableId, table);
                    assert.strictEqual(route.inputs.destinationCidrBlock, to);
                    assert.strictEqual(route.inputs.vpcPeeringConnectionId, pcx);
                    assert.strictEqual(route.provider, ref);
                    assert.strictEqual(route.accountId, account);
                }
            }
        });

        it("sets DNS resolution on each side with that side's provider", async () => {
            const name = uniqueName("pair-dns");
            const p = providers(name);
            const pair = new PeeredVpcPair(name, args(p));
            const pcx = await promiseOf(pair.peeringConnectionId);
            const requester = await recorded(TYPE.peeringOptions, `${name}-requester-dns`);
            const accepter = await recorded(TYPE.peeringOptions, `${name}-accepter-dns`);
            assert.strictEqual(requester.provider, await providerRef(p.requester));
            assert.strictEqual(accepter.provider, await providerRef(p.accepter));
            assert.deepStrictEqual(requester.inputs.requester, { allowRemoteVpcDnsResolution: true });
            assert.strictEqual(requester.inputs.accepter, undefined);
            assert.deepStrictEqual(accepter.inputs.accepter, { allowRemoteVpcDnsResolution: true });
            assert.strictEqual(accepter.inputs.requester, undefined);
            assert.strictEqual(requester.inputs.vpcPeeringConnectionId, pcx);
            assert.strictEqual(accepter.inputs.vpcPeeringConnectionId, pcx);
        });

        it("turns DNS resolution off when asked", async () => {
            const name = uniqueName("pair-nodns");
            new PeeredVpcPair(name, args(providers(name), { allowRemoteVpcDnsResolution: false }));
            const requester = await recorded(TYPE.peeringOptions, `${name}-requester-dns`);
            assert.deepStrictEqual(requester.inputs.requester, { allowRemoteVpcDnsResolution: false });
        });

        it("creates routes and DNS options only after the accepter (they depend on it)", async () => {
            const name = uniqueName("pair-order");
            const pair = new PeeredVpcPair(name, args(providers(name)));
            await recorded(TYPE.peeringOptions, `${name}-accepter-dns`);
            await Promise.all(pair.accepterRoutes.map((r) => promiseOf(r.id)));
            const order = (type: string, n: string) => registrationIndex(type, n);
            const accepted = order(TYPE.peeringAccepter, `${name}-accepter`);
            for (const [type, child] of [
                [TYPE.route, `${name}-requester-0`],
                [TYPE.route, `${name}-accepter-2`],
                [TYPE.peeringOptions, `${name}-requester-dns`],
                [TYPE.peeringOptions, `${name}-accepter-dns`],
            ]) {
                assert.ok(order(type, child) > accepted, `${child} registered before the accepter`);
            }
        });

        it("uses the requester's provider on both sides of a same-account pair", async () => {
            const name = uniqueName("pair-same");
            const p = providers(name);
            const same = args(p);
            new PeeredVpcPair(name, {
                ...same,
                requester: { ...same.requester, accountId: CONSUMER },
                accepter: { ...same.accepter, accountId: CONSUMER, provider: undefined },
            });
            const accepter = await recorded(TYPE.peeringAccepter, `${name}-accepter`);
            assert.strictEqual(accepter.provider, await providerRef(p.requester));
        });

        it("lets two instances live in one program without colliding", async () => {
            const [a, b] = [uniqueName("pair-twin"), uniqueName("pair-twin")];
            const pairs = [
                new PeeredVpcPair(a, args(providers(a))),
                new PeeredVpcPair(b, args(providers(b))),
            ];
            const ids = await Promise.all(pairs.map((p) => promiseOf(p.peeringConnectionId)));
            assert.notStrictEqual(ids[0], ids[1]);
            const urns = await Promise.all(
                pairs
                    .flatMap((p) => [
                        p.urn,
                        ...p.requesterRoutes.map((r) => r.urn),
                        ...p.accepterRoutes.map((r) => r.urn),
                    ])
                    .map(promiseOf),
            );
            assert.strictEqual(urns.length, 12);
            assert.strictEqual(new Set(urns).size, urns.length);
            for (const name of [a, b]) {
                await recorded(TYPE.peeringOptions, `${name}-requester-dns`);
                await recorded(TYPE.peeringOptions, `${name}-accepter-dns`);
            }
        });

        it("refuses a bad argument with an InputPropertyError before declaring anything", async () => {
            const name = uniqueName("pair-bad");
            const p = providers(name);
            const bad = args(p);
            assert.throws(
                () =>
                    new PeeredVpcPair(name, {
                        ...bad,
                        accepter: { ...bad.accepter, cidrBlock: "10.20.0.0/16" },
                    }),
                (err: unknown) =>
                    pulumi.InputPropertyError.isInstance(err) &&
                    err.propertyPath === "accepter.cidrBlock" &&
                    err.message.startsWith("accepter.cidrBlock: 10.20.0.0/16 overlaps requester.cidrBlock"),
            );
            const missing = uniqueName("pair-bad");
            assert.throws(
                () =>
                    new PeeredVpcPair(missing, {
                        ...bad,
                        accepter: { ...bad.accepter, provider: undefined },
                    }),
                (err: unknown) =>
                    pulumi.InputPropertyError.isInstance(err) &&
                    err.propertyPath === "accepter.provider" &&
                    err.message.startsWith("accepter.provider: missing: "),
            );
            await promiseOf(p.accepter.urn);
            for (const n of [name, missing]) {
                assert.strictEqual(cloud.find(COMPONENT, n).length, 0, `${n} was declared`);
                assert.strictEqual(
                    cloud.find(TYPE.peeringConnection, n).length,
                    0,
                    `${n}'s peering was declared`,
                );
            }
        });
    });
});

function registrationIndex(type: string, name: string): number {
    return cloud.resources.findIndex((r) => r.type === type && r.name === name);
}
