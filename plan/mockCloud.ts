// A deterministic stand-in for AWS under `pulumi.runtime.setMocks`: ids and ARNs in AWS's formats,
// derived from resource names and the account/region of the provider that creates them, so the same
// program yields the same plan on every run. Used by the unit tests and by the offline plan.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

// Resource properties as the engine sees them: untyped by nature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** A resource the program registered, with its inputs as the provider would receive them. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    /** The physical id the mock assigned (undefined for components). */
    readonly id?: string;
    readonly inputs: Props;
    /** Paths of the inputs that arrived as Pulumi secrets (e.g. `secretString`). */
    readonly secretInputs: string[];
    /** The state the mock answered with (ids, ARNs, computed values). */
    readonly state: Props;
    /** Account the resource lives in (the provider's account). */
    readonly accountId: string;
    /** The explicit provider reference (`urn::id`), when one was given. */
    readonly provider?: string;
}

export interface MockCloudOptions {
    /** The account the default provider deploys into. */
    readonly accountId: string;
    /** The default provider's region. */
    readonly region: string;
    /** Exports of other stacks, by fully qualified stack name, served to `StackReference`. */
    readonly stacks?: Readonly<Record<string, DeployedStack>>;
    /**
     * The fully qualified name of the stack being run: a reference to itself reads its last deployment,
     * which has no outputs until one is given in `stacks` (a first deployment).
     */
    readonly self?: string;
}

/** A deployed stack as a `StackReference` sees it. */
export interface DeployedStack {
    readonly outputs: Record<string, unknown>;
    /** Names of the outputs that are secrets. */
    readonly secretOutputNames?: readonly string[];
}

/**
 * The region's six zones as an account sees them: names a-f, each mapped to a zone id shifted by the account
 * (as AWS maps names to physical zones per account), filtered by `zone-id` when asked.
 */
function availabilityZones(accountId: string, region: string, inputs: Props): Props {
    const shift = [...accountId].reduce((sum, digit) => sum + Number(digit), 0) % 6;
    const prefix = region.replace(/^(\w\w)\w*-(\w)\w*-(\d+)$/, "$1$2$3"); // us-east-1 → use1, as AWS names them
    const zones = ["a", "b", "c", "d", "e", "f"].map((letter, i) => ({
        name: `${region}${letter}`,
        zoneId: `${prefix}-az${((i + shift) % 6) + 1}`,
    }));
    const wanted = (inputs.filters as Array<{ name: string; values: string[] }> | undefined)?.find(
        (f) => f.name === "zone-id",
    )?.values;
    const listed = wanted ? zones.filter((z) => wanted.includes(z.zoneId)) : zones;
    return { id: region, names: listed.map((z) => z.name), zoneIds: listed.map((z) => z.zoneId) };
}

/** What `awsx.ec2.Vpc` (a plugin-side component, invisible under mocks) would output for its args. */
function awsxVpcOutputs(name: string, inputs: Props): Record<string, unknown> {
    const azCount: number = inputs.numberOfAvailabilityZones ?? inputs.availabilityZoneNames?.length ?? 3;
    const specs: Array<{ type: string; name?: string }> = inputs.subnetSpecs ?? [
        { type: "Private" },
        { type: "Public" },
    ];
    const subnetIds = (type: string) =>
        specs
            .filter((spec) => spec.type === type)
            .flatMap((spec) =>
                Array.from({ length: azCount }, (_, az) =>
                    awsId("subnet", `${name}/${spec.name ?? type}/${az}`),
                ),
            );
    const all = [...subnetIds("Public"), ...subnetIds("Private"), ...subnetIds("Isolated")];
    return {
        vpcId: awsId("vpc", name),
        publicSubnetIds: subnetIds("Public"),
        privateSubnetIds: subnetIds("Private"),
        isolatedSubnetIds: subnetIds("Isolated"),
        // awsx makes one route table per subnet; plain objects stand in for the resource references.
        routeTables: all.map((subnetId) => ({ id: awsId("rtb", subnetId), subnetId })),
        natGateways: [],
        vpcEndpoints: [],
    };
}

/** `prefix-` and 17 hex digits derived from `seed`, like real EC2 ids. */
function awsId(prefix: string, seed: string): string {
    return `${prefix}-${hash(seed).slice(0, 17)}`;
}

function hash(seed: string): string {
    return crypto.createHash("sha256").update(seed).digest("hex");
}

function uuid(seed: string): string {
    const h = hash(seed);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A password-shaped deterministic string; the mock remembers every one so a plan can redact them. */
function mockSecret(seed: string, length: number): string {
    const h = crypto
        .createHash("sha512")
        .update(`secret:${seed}`)
        .digest("base64")
        .replace(/[^A-Za-z0-9]/g, "");
    return h.slice(0, length);
}

export class MockCloud implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    /** Every secret value the mock invented (generated passwords), for redaction checks. */
    readonly secretValues = new Set<string>();
    private readonly providerAccounts = new Map<string, string>();

    constructor(private readonly options: MockCloudOptions) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Props } {
        let accountId = this.accountOf(args.provider);
        const { id, state } = this.answer(args, accountId);
        if (args.type.startsWith("pulumi:providers:") && id) {
            // A provider is recorded in the account it deploys into.
            accountId = providerAccount(args.inputs) ?? accountId;
            this.providerAccounts.set(id, accountId);
        }
        const secretInputs: string[] = [];
        const inputs = unwrapSecrets(args.inputs, "", secretInputs) as Props;
        this.resources.push({
            type: args.type,
            name: args.name,
            ...(id !== undefined ? { id } : {}),
            inputs,
            secretInputs,
            state: { ...inputs, ...state },
            accountId,
            ...(args.provider ? { provider: args.provider } : {}),
        });
        // Inputs go back as they came (secrets stay secrets in the outputs).
        return { id, state: { ...args.inputs, ...state } };
    }

    call(args: pulumi.runtime.MockCallArgs): Props {
        const { accountId, region } = this.options;
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    accountId,
                    arn: `arn:aws:iam::${accountId}:role/pulumi-deployer`,
                    userId: "AROAMOCK",
                    id: accountId,
                };
            case "aws:index/getRegion:getRegion":
                return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return availabilityZones(accountId, region, args.inputs);
            default:
                return args.inputs;
        }
    }

    /** Resources of one type (and name, if given), in registration order. */
    find(type: string, name?: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    }

    private accountOf(provider: string | undefined): string {
        // Provider references are `urn::id`; provider ids are unique, so the id identifies it.
        const id = provider?.slice(provider.lastIndexOf("::") + 2);
        return (id && this.providerAccounts.get(id)) || this.options.accountId;
    }

    private answer(
        args: pulumi.runtime.MockResourceArgs,
        accountId: string,
    ): { id: string | undefined; state: Props } {
        const { region } = this.options;
        const inputs = args.inputs;
        const seed = `${accountId}/${args.type}/${args.name}`;
        const physical = (inputs.name as string | undefined) ?? `${args.name}-${hash(seed).slice(0, 7)}`;
        // VPC Lattice resources: an id of `prefix`, the physical name, an ARN of `kind` (plus `extra` state).
        const lattice = (prefix: string, kind: string, extra: Props = {}) => {
            const id = awsId(prefix, seed);
            return {
                id,
                state: {
                    name: physical,
                    arn: `arn:aws:vpc-lattice:${region}:${accountId}:${kind}/${id}`,
                    ...extra,
                },
            };
        };
        switch (args.type) {
            case "pulumi:providers:aws":
                return { id: `provider-${hash(seed).slice(0, 12)}`, state: {} };
            case "awsx:ec2:Vpc":
                // Seeded by account too: two consumers' VPCs of one name are different VPCs.
                return { id: undefined, state: awsxVpcOutputs(`${accountId}/${args.name}`, inputs) };
            case "pulumi:pulumi:StackReference": {
                const stackName = inputs.name as string;
                const deployed =
                    this.options.stacks?.[stackName] ??
                    (stackName === this.options.self ? { outputs: {} } : undefined);
                if (!deployed) {
                    throw new Error(`unknown stack "${stackName}": it has not been deployed`);
                }
                return {
                    id: stackName,
                    state: {
                        name: stackName,
                        outputs: deployed.outputs,
                        secretOutputNames: [...(deployed.secretOutputNames ?? [])],
                    },
                };
            }
            case "random:index/randomPassword:RandomPassword": {
                const result = mockSecret(seed, inputs.length ?? 32);
                this.secretValues.add(result);
                return { id: "none", state: { result } };
            }
            case "random:index/randomId:RandomId": {
                // Derived from the inputs, keepers included: new keepers, a new id (as a replacement gives).
                const hex = hash(`${seed}/${JSON.stringify(inputs.keepers ?? {})}`).slice(
                    0,
                    2 * (inputs.byteLength ?? 8),
                );
                return { id: hex, state: { hex, dec: BigInt(`0x${hex}`).toString() } };
            }
            case "aws:ec2/vpc:Vpc":
                return {
                    id: awsId("vpc", seed),
                    state: { arn: `arn:aws:ec2:${region}:${accountId}:vpc/${awsId("vpc", seed)}` },
                };
            case "aws:ec2/securityGroup:SecurityGroup": {
                const id = awsId("sg", seed);
                return {
                    id,
                    state: { arn: `arn:aws:ec2:${region}:${accountId}:security-group/${id}`, name: physical },
                };
            }
            case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
                return { id: awsId("sgr", seed), state: {} };
            case "aws:ec2/vpcEndpoint:VpcEndpoint": {
                const id = awsId("vpce", seed);
                return {
                    id,
                    state: {
                        arn: `arn:aws:ec2:${region}:${accountId}:vpc-endpoint/${id}`,
                        // The provider leaves dnsEntries empty for `Resource` endpoints.
                        dnsEntries:
                            inputs.vpcEndpointType === "Resource"
                                ? []
                                : [{ dnsName: `${id}.${inputs.serviceName}`, hostedZoneId: "Z7HUB22UULQXV" }],
                        state: "available",
                    },
                };
            }
            case "aws:vpclattice/resourceGateway:ResourceGateway":
                return lattice("rgw", "resourcegateway", { status: "ACTIVE" });
            case "aws:vpclattice/resourceConfiguration:ResourceConfiguration":
                return lattice("rcfg", "resourceconfiguration");
            case "aws:ram/resourceShare:ResourceShare": {
                const arn = `arn:aws:ram:${region}:${accountId}:resource-share/${uuid(seed)}`;
                return { id: arn, state: { arn, name: physical } };
            }
            case "aws:ram/resourceAssociation:ResourceAssociation":
                return { id: `${inputs.resourceShareArn},${inputs.resourceArn}`, state: {} };
            case "aws:ram/principalAssociation:PrincipalAssociation":
                return { id: `${inputs.resourceShareArn},${inputs.principal}`, state: {} };
            case "aws:ram/resourceShareAccepter:ResourceShareAccepter":
                return {
                    id: inputs.shareArn,
                    state: {
                        status: "ACCEPTED",
                        receiverAccountId: accountId,
                        invitationArn: `arn:aws:ram:${region}:${accountId}:resource-share-invitation/${uuid(seed)}`,
                    },
                };
            case "aws:ec2/vpcPeeringConnection:VpcPeeringConnection":
                return { id: awsId("pcx", seed), state: { acceptStatus: "pending-acceptance" } };
            case "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
                return { id: inputs.vpcPeeringConnectionId, state: { acceptStatus: "active" } };
            case "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions":
                return { id: inputs.vpcPeeringConnectionId, state: {} };
            case "aws:ec2/route:Route":
                return { id: `r-${inputs.routeTableId}1080289494`, state: {} };
            case "aws:kms/key:Key": {
                const id = uuid(seed);
                return { id, state: { keyId: id, arn: `arn:aws:kms:${region}:${accountId}:key/${id}` } };
            }
            case "aws:kms/alias:Alias": {
                // `namePrefix` gets a deterministic suffix, as the provider would add a random one.
                const alias: string =
                    inputs.name ??
                    (inputs.namePrefix
                        ? `${inputs.namePrefix}${hash(seed).slice(0, 8)}`
                        : `alias/${args.name}`);
                return {
                    id: alias,
                    state: { name: alias, arn: `arn:aws:kms:${region}:${accountId}:${alias}` },
                };
            }
            case "aws:iam/role:Role": {
                const path = (inputs.path as string | undefined) ?? "/";
                return {
                    id: physical,
                    state: {
                        name: physical,
                        arn: `arn:aws:iam::${accountId}:role${path}${physical}`,
                        uniqueId: `AROA${hash(seed).slice(0, 17).toUpperCase()}`,
                    },
                };
            }
            case "aws:iam/policy:Policy":
                return {
                    id: `arn:aws:iam::${accountId}:policy/${physical}`,
                    state: { arn: `arn:aws:iam::${accountId}:policy/${physical}`, name: physical },
                };
            case "aws:iam/rolePolicy:RolePolicy":
                return { id: `${inputs.role}:${physical}`, state: { name: physical } };
            case "aws:secretsmanager/secret:Secret": {
                const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${physical}-${hash(seed).slice(0, 6)}`;
                return { id: arn, state: { arn, name: physical } };
            }
            case "aws:secretsmanager/secretVersion:SecretVersion":
                return {
                    id: `${inputs.secretId}|${uuid(seed)}`,
                    state: { versionId: uuid(seed), arn: inputs.secretId },
                };
            case "aws:secretsmanager/secretPolicy:SecretPolicy":
                return { id: inputs.secretArn, state: {} };
            case "aws:rds/instance:Instance": {
                const identifier = (inputs.identifier as string | undefined) ?? physical;
                const address = `${identifier}.c${hash(seed).slice(0, 12)}.${region}.rds.amazonaws.com`;
                return {
                    id: `db-${hash(seed).slice(0, 26).toUpperCase()}`,
                    state: {
                        identifier,
                        address,
                        port: inputs.port ?? 3306,
                        endpoint: `${address}:3306`,
                        arn: `arn:aws:rds:${region}:${accountId}:db:${identifier}`,
                        masterUserSecrets: inputs.manageMasterUserPassword
                            ? [
                                  {
                                      secretArn: `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!db-${uuid(seed)}-AbCdEf`,
                                      secretStatus: "active",
                                      kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
                                  },
                              ]
                            : [],
                    },
                };
            }
            case "aws:lambda/function:Function":
                return {
                    id: physical,
                    state: {
                        name: physical,
                        arn: `arn:aws:lambda:${region}:${accountId}:function:${physical}`,
                        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${accountId}:function:${physical}/invocations`,
                    },
                };
            case "aws:lambda/invocation:Invocation":
                return { id: hash(seed).slice(0, 16), state: { result: JSON.stringify({ ok: true }) } };
            case "aws:cloudwatch/logGroup:LogGroup":
                return {
                    id: physical,
                    state: { arn: `arn:aws:logs:${region}:${accountId}:log-group:${physical}` },
                };
            default: {
                if (args.custom === false) {
                    // A component: nothing in the cloud, so no id and no ARN.
                    return { id: undefined, state: {} };
                }
                const service = args.type.split(":")[1]?.split("/")[0] ?? "mock";
                return {
                    id: physical,
                    state: { name: physical, arn: `arn:aws:${service}:${region}:${accountId}:${physical}` },
                };
            }
        }
    }
}

/** Replaces the engine's secret wrappers by their values, noting where they were. */
function unwrapSecrets(value: unknown, path: string, found: string[]): unknown {
    if (Array.isArray(value)) {
        return value.map((item, i) => unwrapSecrets(item, `${path}[${i}]`, found));
    }
    if (value !== null && typeof value === "object" && value.constructor === Object) {
        const record = value as Props;
        if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
            found.push(path);
            return unwrapSecrets(record.value, path, []);
        }
        return Object.fromEntries(
            Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, found)]),
        );
    }
    return value;
}

function providerAccount(inputs: Props): string | undefined {
    // Provider inputs reach the engine JSON-encoded.
    const decode = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
    const allowed = decode(inputs.allowedAccountIds);
    if (Array.isArray(allowed) && allowed.length === 1) {
        return String(allowed[0]);
    }
    const roleArn: unknown = decode(inputs.assumeRoles)?.[0]?.roleArn;
    return typeof roleArn === "string" ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1] : undefined;
}
