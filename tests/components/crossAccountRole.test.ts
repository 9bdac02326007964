import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, cloud, isSecret, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    CrossAccountRole,
    CrossAccountRoleArgs,
    TrustPolicyArgs,
    trustPolicy,
    validateCrossAccountRoleArgs,
    validatePermissions,
} from "../../infra/components/crossAccountRole";
import {
    assertRefusedBeforeDeclaring,
    assertRefuses,
    neverRecorded,
    parsedPolicy,
    providerRef,
    recorded,
    uniqueName,
} from "./support";
import { TYPE } from "../support/resourceTypes";

const CONSUMER = OTHER_ACCOUNT_ID;
const FETCH_ROWS = `arn:aws:iam::${CONSUMER}:role/fetch-rows`;
const DEPLOYER = `arn:aws:iam::${CONSUMER}:role/deployer`;
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${TEST_ACCOUNT_ID}:secret:reader-AbCdEf`;
const READ_SECRET: aws.iam.PolicyStatement = {
    Effect: "Allow",
    Action: ["secretsmanager:GetSecretValue"],
    Resource: SECRET_ARN,
};
const COMPONENT = "cross-account-rds:iam:CrossAccountRole";

function args(overrides: Partial<CrossAccountRoleArgs> = {}): CrossAccountRoleArgs {
    return {
        trustedAccountId: CONSUMER,
        trustedPrincipalArns: [FETCH_ROWS],
        permissions: [READ_SECRET],
        ...overrides,
    };
}

function trust(overrides: Partial<TrustPolicyArgs> = {}): TrustPolicyArgs {
    return { trustedAccountId: CONSUMER, trustedPrincipalArns: [FETCH_ROWS], ...overrides };
}

describe("CrossAccountRole", () => {
    describe("trust policy", () => {
        it("trusts the other account's root only through an exact aws:PrincipalArn match", () => {
            const doc = JSON.parse(
                JSON.stringify(trustPolicy(trust({ trustedPrincipalArns: [FETCH_ROWS, DEPLOYER] }))),
            );
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.strictEqual(doc.Statement.length, 1);
            const [statement] = doc.Statement;
            assert.strictEqual(statement.Effect, "Allow");
            assert.deepStrictEqual(statement.Principal, { AWS: `arn:aws:iam::${CONSUMER}:root` });
            assert.strictEqual(statement.Action, "sts:AssumeRole");
            assert.deepStrictEqual(statement.Condition, {
                ArnEquals: { "aws:PrincipalArn": [FETCH_ROWS, DEPLOYER] },
            });
            assert.strictEqual(statement.Resource, undefined);
        });

        it("also requires the external id when one is given", () => {
            const [statement] = JSON.parse(
                JSON.stringify(trustPolicy(trust({ externalId: "consumer-a-7f3c" }))),
            ).Statement;
            assert.deepStrictEqual(statement.Condition, {
                ArnEquals: { "aws:PrincipalArn": [FETCH_ROWS] },
                StringEquals: { "sts:ExternalId": "consumer-a-7f3c" },
            });
        });
    });

    describe("argument checks", () => {
        it("accepts a valid set of arguments", () => {
            assert.doesNotThrow(() =>
                validateCrossAccountRoleArgs(
                    args({ externalId: "x-123", maxSessionDuration: 43200, path: "/svc/" }),
                ),
            );
        });

        it("refuses a principal of another account than the trusted one", () => {
            const stranger = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/fetch-rows`;
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: [FETCH_ROWS, stranger] })),
                "trustedPrincipalArns[1]",
                new RegExp(`expected ${CONSUMER}`),
            );
        });

        it("refuses a malformed principal ARN", () => {
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: ["fetch-rows"] })),
                "trustedPrincipalArns[0]",
            );
        });

        it("refuses a wildcard anywhere in a principal", () => {
            assertRefuses(
                () =>
                    validateCrossAccountRoleArgs(
                        args({ trustedPrincipalArns: [`arn:aws:iam::${CONSUMER}:role/*`] }),
                    ),
                "trustedPrincipalArns[0]",
                /contains "\*"/,
            );
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: ["*"] })),
                "trustedPrincipalArns[0]",
            );
        });

        it("refuses an empty principal list", () => {
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: [] })),
                "trustedPrincipalArns",
            );
        });

        it("refuses the account root and session ARNs as principals", () => {
            assertRefuses(
                () =>
                    validateCrossAccountRoleArgs(
                        args({ trustedPrincipalArns: [`arn:aws:iam::${CONSUMER}:root`] }),
                    ),
                "trustedPrincipalArns[0]",
                /account root/,
            );
            const session = `arn:aws:sts::${CONSUMER}:assumed-role/fetch-rows/s1`;
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: [session] })),
                "trustedPrincipalArns[0]",
                /session ARN/,
            );
        });

        it("refuses a principal listed twice", () => {
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedPrincipalArns: [FETCH_ROWS, FETCH_ROWS] })),
                "trustedPrincipalArns[1]",
            );
        });

        it("refuses a malformed trusted account id", () => {
            assertRefuses(
                () => validateCrossAccountRoleArgs(args({ trustedAccountId: "2222" })),
                "trustedAccountId",
            );
        });

        it("refuses a session duration outside 3600..43200 seconds", () => {
            for (const maxSessionDuration of [3599, 43201, 3600.5]) {
                assertRefuses(
                    () => validateCrossAccountRoleArgs(args({ maxSessionDuration })),
                    "maxSessionDuration",
                );
            }
        });

        it("refuses a bad role name, path or external id without echoing the external id", () => {
            assertRefuses(() => validateCrossAccountRoleArgs(args({ roleName: "has space" })), "roleName");
            assertRefuses(() => validateCrossAccountRoleArgs(args({ path: "svc" })), "path");
            assert.throws(
                () => validateCrossAccountRoleArgs(args({ externalId: "bad id!" })),
                (err: Error) => err.message.startsWith("externalId: ") && !err.message.includes("bad id!"),
            );
        });
    });

    describe("permission checks", () => {
        const statement = (s: Partial<aws.iam.PolicyStatement>): aws.iam.PolicyStatement => ({
            Effect: "Allow",
            Action: "ec2:DescribeVpcs",
            Resource: "*",
            ...s,
        });

        it("refuses every-action and whole-service wildcards", () => {
            assertRefuses(
                () => validatePermissions([statement({ Action: "*" })]),
                "permissions[0].Action",
                /every service/,
            );
            assertRefuses(() => validatePermissions([statement({ Action: "*:*" })]), "permissions[0].Action");
            assertRefuses(
                () =>
                    validatePermissions([
                        READ_SECRET,
                        statement({ Action: ["ec2:DescribeVpcs", "secretsmanager:*"] }),
                    ]),
                "permissions[1].Action[1]",
                /every action of secretsmanager/,
            );
        });

        it("refuses a wildcard resource for role assumption, secret reads and decryption", () => {
            for (const action of [
                "sts:AssumeRole",
                "secretsmanager:GetSecretValue",
                "kms:Decrypt",
                "secretsmanager:Get*",
            ]) {
                assertRefuses(
                    () => validatePermissions([statement({ Action: [action], Resource: ["*"] })]),
                    "permissions[0].Resource[0]",
                    /must name exact ARNs/,
                );
            }
            assertRefuses(
                () =>
                    validatePermissions([
                        statement({
                            Action: "secretsmanager:GetSecretValue",
                            Resource: `${SECRET_ARN.slice(0, -7)}-*`,
                        }),
                    ]),
                "permissions[0].Resource",
            );
        });

        it("refuses NotAction, NotResource and Principal", () => {
            assertRefuses(
                () => validatePermissions([statement({ Action: undefined, NotAction: "iam:*" })]),
                "permissions[0].NotAction",
            );
            assertRefuses(
                () => validatePermissions([statement({ NotResource: SECRET_ARN })]),
                "permissions[0].NotResource",
            );
            assertRefuses(
                () => validatePermissions([statement({ Principal: "*" })]),
                "permissions[0].Principal",
            );
        });

        it("uses the argument name it is given in messages", () => {
            assertRefuses(
                () => validatePermissions([statement({ Action: "*" })], "readerPermissions"),
                "readerPermissions[0].Action",
            );
        });

        it("allows account-level actions on * and broad Deny statements", () => {
            assert.doesNotThrow(() =>
                validatePermissions([
                    statement({
                        Action: ["ec2:DescribeVpcPeeringConnections", "secretsmanager:ListSecrets"],
                    }),
                    statement({ Effect: "Deny", Action: "*", Resource: "*" }),
                    READ_SECRET,
                ]),
            );
        });
    });

    describe("resources", () => {
        it("creates the role with the trust policy, one-hour sessions and the default path", async () => {
            const name = uniqueName("car-basic");
            const role = new CrossAccountRole(name, args({ externalId: "ext-1", roleName: `${name}-role` }));
            assert.strictEqual(await promiseOf(role.roleName), `${name}-role`);
            const recordedRole = await recorded(TYPE.role, name);
            assert.strictEqual(recordedRole.inputs.maxSessionDuration, 3600);
            assert.strictEqual(recordedRole.inputs.path, "/");
            assert.strictEqual(recordedRole.inputs.name, `${name}-role`);
            assert.deepStrictEqual(
                JSON.parse(recordedRole.inputs.assumeRolePolicy),
                JSON.parse(JSON.stringify(trustPolicy(trust({ externalId: "ext-1" })))),
            );
            assert.strictEqual(
                await promiseOf(role.roleArn),
                `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${name}-role`,
            );
        });

        it("keeps the trust policy secret when the external id is a secret output", async () => {
            const name = uniqueName("car-secret-ext");
            const role = new CrossAccountRole(name, args({ externalId: pulumi.secret("ext-2") }));
            const recordedRole = await recorded(TYPE.role, name);
            assert.deepStrictEqual(recordedRole.secretInputs, ["assumeRolePolicy"]);
            assert.deepStrictEqual(
                JSON.parse(recordedRole.inputs.assumeRolePolicy),
                JSON.parse(JSON.stringify(trustPolicy(trust({ externalId: "ext-2" })))),
            );
            assert.strictEqual(await isSecret(role.role.assumeRolePolicy), true);
            assert.strictEqual(await isSecret(role.roleArn), false);
        });

        it("never declares a role whose external id output turns out malformed", async () => {
            const name = uniqueName("car-bad-ext");
            new CrossAccountRole(name, args({ externalId: pulumi.secret("bad id!") }));
            assert.ok(await neverRecorded(TYPE.role, name));
        });

        it("attaches the permissions inline, exactly as given, to that role", async () => {
            const name = uniqueName("car-perm");
            const role = new CrossAccountRole(name, args());
            const policy = await recorded(TYPE.rolePolicy, `${name}-permissions`);
            assert.strictEqual(policy.inputs.role, await promiseOf(role.role.id));
            assert.ok(role.permissionsPolicy, "the inline policy is exposed");
            assert.strictEqual(await promiseOf(role.permissionsPolicy.id), policy.id);
            const doc = parsedPolicy(policy);
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.deepStrictEqual(doc.Statement, [
                { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: SECRET_ARN },
            ]);
        });

        it("resolves permissions built from outputs before attaching them", async () => {
            const name = uniqueName("car-outputs");
            new CrossAccountRole(
                name,
                args({
                    permissions: pulumi
                        .output(SECRET_ARN)
                        .apply((arn): aws.iam.PolicyStatement[] => [
                            { Effect: "Allow", Action: "kms:Decrypt", Resource: arn },
                        ]),
                }),
            );
            const doc = parsedPolicy(await recorded(TYPE.rolePolicy, `${name}-permissions`));
            assert.deepStrictEqual(doc.Statement, [
                { Effect: "Allow", Action: "kms:Decrypt", Resource: SECRET_ARN },
            ]);
        });

        it("offers the trusted side sts:AssumeRole on exactly this role", async () => {
            const role = new CrossAccountRole(uniqueName("car-assume"), args());
            const statement = await promiseOf(role.assumeRoleStatement());
            assert.deepStrictEqual(statement, {
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Resource: await promiseOf(role.roleArn),
            });
            assert.match(String(statement.Resource), /^arn:aws:iam::\d{12}:role\/car-assume\d+-[0-9a-f]+$/);
        });

        it("creates both children with the provider given to the component, in that provider's account", async () => {
            const name = uniqueName("car-provider");
            const provider = new aws.Provider(`${name}-db`, {
                region: "us-east-1",
                assumeRoles: [{ roleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/deployer` }],
            });
            const consumerProvider = new aws.Provider(`${name}-consumer`, {
                region: "us-east-1",
                assumeRoles: [{ roleArn: `arn:aws:iam::${CONSUMER}:role/deployer` }],
            });
            const role = new CrossAccountRole(name, args(), { provider });
            const ref = await providerRef(provider);
            assert.notStrictEqual(ref, await providerRef(consumerProvider));
            for (const child of [
                await recorded(TYPE.role, name),
                await recorded(TYPE.rolePolicy, `${name}-permissions`),
            ]) {
                assert.strictEqual(child.provider, ref, `${child.type} ${child.name}`);
                assert.strictEqual(child.accountId, TEST_ACCOUNT_ID);
            }
            assert.match(await promiseOf(role.roleArn), new RegExp(`^arn:aws:iam::${TEST_ACCOUNT_ID}:role/`));
        });

        it("lets two instances live in one program without colliding", async () => {
            const a = new CrossAccountRole(uniqueName("car-twin"), args());
            const b = new CrossAccountRole(uniqueName("car-twin"), args());
            const urns = await Promise.all([a.urn, b.urn, a.role.urn, b.role.urn].map(promiseOf));
            assert.strictEqual(new Set(urns).size, 4);
            const names = await Promise.all([a.roleName, b.roleName].map(promiseOf));
            assert.notStrictEqual(names[0], names[1]);
            const arns = await Promise.all([a.roleArn, b.roleArn].map(promiseOf));
            assert.notStrictEqual(arns[0], arns[1]);
            for (const role of [a, b]) {
                const roleName = (await promiseOf(role.urn)).split("::").pop();
                await recorded(TYPE.rolePolicy, `${roleName}-permissions`);
            }
        });

        it("refuses a bad argument with an InputPropertyError before declaring anything", async () => {
            await assertRefusedBeforeDeclaring(COMPONENT, "car-bad", [
                {
                    build: (name) =>
                        new CrossAccountRole(
                            name,
                            args({
                                trustedPrincipalArns: [FETCH_ROWS, `arn:aws:iam::${TEST_ACCOUNT_ID}:role/x`],
                            }),
                        ),
                    path: "trustedPrincipalArns[1]",
                    detail: new RegExp(`expected ${CONSUMER}`),
                },
                {
                    build: (name) =>
                        new CrossAccountRole(
                            name,
                            args({ permissions: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
                        ),
                    path: "permissions[0].Action",
                },
            ]);
        });

        it("declares no inline policy for a role whose permissions come from grants", async () => {
            const name = uniqueName("car-grants");
            const role = new CrossAccountRole(name, args({ permissions: undefined }));
            assert.strictEqual(role.permissionsPolicy, undefined);
            const recordedRole = await recorded(TYPE.role, name);
            assert.strictEqual(await promiseOf(role.role.id), recordedRole.id);
            assert.ok(await neverRecorded(TYPE.rolePolicy, `${name}-permissions`));
            const roleId = await promiseOf(role.role.id);
            assert.deepStrictEqual(
                cloud.find(TYPE.rolePolicy).filter((p) => p.inputs.role === roleId),
                [],
            );
        });

        it("refuses an empty permissions list, pointing at leaving it out instead", () => {
            assertRefuses(
                () => new CrossAccountRole(uniqueName("car-empty"), args({ permissions: [] })),
                "permissions",
                /leave permissions out/,
            );
        });

        it("never attaches permissions that turn out to be too broad once resolved", async () => {
            const name = uniqueName("car-late");
            const role = new CrossAccountRole(
                name,
                args({
                    permissions: pulumi
                        .output("*")
                        .apply((arn): aws.iam.PolicyStatement[] => [
                            { Effect: "Allow", Action: "sts:AssumeRole", Resource: arn },
                        ]),
                }),
            );
            await promiseOf(role.roleArn);
            assert.ok(await neverRecorded(TYPE.rolePolicy, `${name}-permissions`));
        });
    });
});
