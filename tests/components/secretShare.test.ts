import { OTHER_ACCOUNT_ID, TEST_ACCOUNT_ID, cloud, isSecret, promiseOf } from "../support/mocks";
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    SecretShare,
    SecretShareArgs,
    keyPolicy,
    secretResourcePolicy,
    validateSecretShareArgs,
} from "../../infra/components/secretShare";
import { CrossAccountRole } from "../../infra/components/crossAccountRole";
import { evaluate, PolicyJson } from "../../plan/policyEval";
import { assertRefuses, neverRecorded, parsedPolicy, providerRef, recorded, uniqueName } from "./support";
import { TYPE } from "../support/resourceTypes";

const OWNER = TEST_ACCOUNT_ID;
const LOCAL_READER = `arn:aws:iam::${OWNER}:role/data-access-a`;
const REMOTE_READER = `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/fetch-rows`;
const VIA = "secretsmanager.us-east-1.amazonaws.com";
const VALUE = "s3cr3t-password-value";
const COMPONENT = "cross-account-rds:secrets:SecretShare";

function args(overrides: Partial<SecretShareArgs> = {}): SecretShareArgs {
    return {
        secretString: VALUE,
        readers: [LOCAL_READER, REMOTE_READER],
        accountId: OWNER,
        region: "us-east-1",
        ...overrides,
    };
}

/** Asserts the arguments with `overrides` are refused at `key`. */
function refuses(overrides: Partial<SecretShareArgs>, key: string): void {
    assertRefuses(() => validateSecretShareArgs(args(overrides)), key);
}

describe("SecretShare", () => {
    describe("policy documents", () => {
        it("keeps key administration with the owning account and lets readers decrypt only via Secrets Manager", () => {
            const doc = JSON.parse(
                JSON.stringify(
                    keyPolicy({
                        accountId: OWNER,
                        region: "us-east-1",
                        readers: [LOCAL_READER, REMOTE_READER],
                    }),
                ),
            );
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.strictEqual(doc.Statement.length, 2);
            const [admin, readers] = doc.Statement;
            assert.strictEqual(admin.Sid, "EnableIAMUserPermissions");
            assert.strictEqual(admin.Effect, "Allow");
            assert.deepStrictEqual(admin.Principal, { AWS: `arn:aws:iam::${OWNER}:root` });
            assert.strictEqual(admin.Action, "kms:*");
            assert.strictEqual(admin.Resource, "*");
            assert.strictEqual(admin.Condition, undefined);
            assert.strictEqual(readers.Effect, "Allow");
            assert.deepStrictEqual(readers.Principal, { AWS: [LOCAL_READER, REMOTE_READER] });
            assert.deepStrictEqual(readers.Action, ["kms:Decrypt", "kms:DescribeKey"]);
            assert.strictEqual(readers.Resource, "*");
            assert.deepStrictEqual(readers.Condition, { StringEquals: { "kms:ViaService": VIA } });
        });

        it("lets only the readers get and describe only this secret, one reader written as AWS stores it", () => {
            const secretArn = `arn:aws:secretsmanager:us-east-1:${OWNER}:secret:reader-AbCdEf`;
            const doc = JSON.parse(
                JSON.stringify(secretResourcePolicy({ secretArn, readers: [REMOTE_READER] })),
            );
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.deepStrictEqual(doc.Statement, [
                {
                    Sid: "AllowReaders",
                    Effect: "Allow",
                    Principal: { AWS: REMOTE_READER },
                    Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    Resource: secretArn,
                },
            ]);
        });
    });

    describe("argument checks", () => {
        it("accepts readers in the owning and in another account", () => {
            assert.doesNotThrow(() => validateSecretShareArgs(args({ recoveryWindowInDays: 0 })));
            assert.doesNotThrow(() => validateSecretShareArgs(args({ recoveryWindowInDays: 30 })));
        });

        it("refuses readers that are not a list", () =>
            refuses({ readers: "arn" as unknown as [] }, "readers"));
        it("refuses a malformed reader ARN", () =>
            refuses({ readers: [LOCAL_READER, "fetch-rows"] }, "readers[1]"));
        it("refuses a wildcard reader", () => refuses({ readers: ["*"] }, "readers[0]"));
        it("refuses an account root as reader", () =>
            refuses({ readers: [`arn:aws:iam::${OTHER_ACCOUNT_ID}:root`] }, "readers[0]"));
        it("refuses a reader listed twice", () =>
            refuses({ readers: [LOCAL_READER, LOCAL_READER] }, "readers[1]"));
        it("refuses a malformed owning account id", () => refuses({ accountId: "12345" }, "accountId"));
        it("refuses a malformed region", () => refuses({ region: "useast1" }, "region"));
        it("refuses a recovery window other than 0 or 7..30 days", () => {
            for (const recoveryWindowInDays of [1, 6, 31, 7.5]) {
                refuses({ recoveryWindowInDays }, "recoveryWindowInDays");
            }
        });
        it("refuses a key alias where a key ARN is needed", () =>
            refuses({ kmsKeyArn: `arn:aws:kms:us-east-1:${OWNER}:alias/reader` }, "kmsKeyArn"));
    });

    describe("resources", () => {
        it("creates a rotating key whose policy names the resolved readers", async () => {
            const name = uniqueName("share-key");
            const share = new SecretShare(
                name,
                args({ readers: [pulumi.output(LOCAL_READER), REMOTE_READER] }),
            );
            const key = await recorded(TYPE.kmsKey, `${name}-key`);
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.deepStrictEqual(
                parsedPolicy(key),
                JSON.parse(
                    JSON.stringify(
                        keyPolicy({
                            accountId: OWNER,
                            region: "us-east-1",
                            readers: [LOCAL_READER, REMOTE_READER],
                        }),
                    ),
                ),
            );
            assert.strictEqual(await promiseOf(share.kmsKeyArn), key.state.arn);
            const alias = await recorded(TYPE.kmsAlias, `${name}-alias`);
            assert.strictEqual(alias.inputs.namePrefix, `alias/${name}-`);
            assert.strictEqual(alias.inputs.targetKeyId, key.state.keyId);
        });

        it("encrypts the secret with that key and keeps deleted secrets 7 days", async () => {
            const name = uniqueName("share-secret");
            const share = new SecretShare(name, args({ secretName: `${name}/reader` }));
            const secret = await recorded(TYPE.secret, name);
            assert.strictEqual(secret.inputs.kmsKeyId, await promiseOf(share.kmsKeyArn));
            assert.strictEqual(secret.inputs.recoveryWindowInDays, 7);
            assert.strictEqual(secret.inputs.name, `${name}/reader`);
            assert.strictEqual(await promiseOf(share.secretArn), secret.state.arn);
        });

        it("keeps the value a Pulumi secret even when given as plain text", async () => {
            const name = uniqueName("share-value");
            const share = new SecretShare(name, args({ secretString: VALUE }));
            const version = await recorded(TYPE.secretVersion, `${name}-version`);
            assert.deepStrictEqual(version.secretInputs, ["secretString"]);
            assert.strictEqual(version.inputs.secretString, VALUE);
            assert.strictEqual(version.inputs.secretId, await promiseOf(share.secret.id));
            assert.strictEqual(await isSecret(share.secretVersion.secretString), true);
            assert.strictEqual(await isSecret(share.secretArn), false);
        });

        it("attaches a resource policy that blocks public policies and names the secret's ARN", async () => {
            const name = uniqueName("share-policy");
            const share = new SecretShare(name, args({ readers: [REMOTE_READER] }));
            const policy = await recorded(TYPE.secretPolicy, `${name}-policy`);
            const secretArn = await promiseOf(share.secretArn);
            assert.strictEqual(policy.inputs.blockPublicPolicy, true);
            assert.strictEqual(policy.inputs.secretArn, secretArn);
            const doc = parsedPolicy(policy);
            assert.deepStrictEqual(
                doc,
                JSON.parse(JSON.stringify(secretResourcePolicy({ secretArn, readers: [REMOTE_READER] }))),
            );
            assert.strictEqual(doc.Statement[0].Resource, secretArn);
        });

        it("offers readers exactly the statements they need in their identity policy", async () => {
            const share = new SecretShare(uniqueName("share-reader"), args());
            assert.deepStrictEqual(
                await promiseOf(share.readerStatements()),
                await expectedReaderStatements(share),
            );
        });

        it("uses an existing key instead of creating one", async () => {
            const name = uniqueName("share-byok");
            const keyArn = `arn:aws:kms:us-east-1:${OWNER}:key/11111111-2222-4333-8444-555555555555`;
            const share = new SecretShare(name, args({ kmsKeyArn: keyArn }));
            assert.strictEqual((await recorded(TYPE.secret, name)).inputs.kmsKeyId, keyArn);
            assert.strictEqual(await promiseOf(share.kmsKeyArn), keyArn);
            assert.strictEqual(
                isRegistered(TYPE.kmsKey, `${name}-key`) || isRegistered(TYPE.kmsAlias, `${name}-alias`),
                false,
            );
        });

        it("creates every child with the component's provider, in that provider's account", async () => {
            const name = uniqueName("share-provider");
            const provider = new aws.Provider(`${name}-db`, {
                region: "us-east-1",
                assumeRoles: [{ roleArn: `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/deployer` }],
            });
            const share = new SecretShare(name, args({ accountId: OTHER_ACCOUNT_ID }), { provider });
            const ref = await providerRef(provider);
            const children = [
                await recorded(TYPE.kmsKey, `${name}-key`),
                await recorded(TYPE.kmsAlias, `${name}-alias`),
                await recorded(TYPE.secret, name),
                await recorded(TYPE.secretVersion, `${name}-version`),
                await recorded(TYPE.secretPolicy, `${name}-policy`),
            ];
            for (const child of children) {
                assert.strictEqual(child.provider, ref, `${child.type} ${child.name}`);
                assert.strictEqual(child.accountId, OTHER_ACCOUNT_ID, `${child.type} ${child.name}`);
            }
            assert.match(
                await promiseOf(share.secretArn),
                new RegExp(`^arn:aws:secretsmanager:us-east-1:${OTHER_ACCOUNT_ID}:`),
            );
        });

        it("lets two instances live in one program without colliding", async () => {
            const [a, b] = [uniqueName("share-twin"), uniqueName("share-twin")];
            const shares = [new SecretShare(a, args()), new SecretShare(b, args())];
            const secretArns = await Promise.all(shares.map((s) => promiseOf(s.secretArn)));
            const keyArns = await Promise.all(shares.map((s) => promiseOf(s.kmsKeyArn)));
            assert.notStrictEqual(secretArns[0], secretArns[1]);
            assert.notStrictEqual(keyArns[0], keyArns[1]);
            const aliases = await Promise.all([
                recorded(TYPE.kmsAlias, `${a}-alias`),
                recorded(TYPE.kmsAlias, `${b}-alias`),
            ]);
            assert.notStrictEqual(aliases[0].state.name, aliases[1].state.name);
            for (const name of [a, b]) {
                // `recorded` fails if a type/name pair was registered twice.
                await recorded(TYPE.secretPolicy, `${name}-policy`);
                await recorded(TYPE.secretVersion, `${name}-version`);
            }
            const urns = await Promise.all(
                shares.flatMap((s) => [s.urn, s.secret.urn, s.secretVersion.urn]).map(promiseOf),
            );
            assert.strictEqual(new Set(urns).size, urns.length);
        });

        it("refuses a bad argument with an InputPropertyError, without the secret value, before declaring anything", async () => {
            const name = uniqueName("share-bad");
            assert.throws(
                () => new SecretShare(name, args({ readers: [LOCAL_READER, "*"] })),
                (err: unknown) =>
                    pulumi.InputPropertyError.isInstance(err) &&
                    err.propertyPath === "readers[1]" &&
                    err.message.startsWith("readers[1]: ") &&
                    /contains "\*"/.test(err.message) &&
                    !err.message.includes(VALUE),
            );
            assert.ok(await neverRecorded(COMPONENT, name));
            assert.strictEqual(isRegistered(TYPE.secret, name), false);
        });

        it("never shares with a reader output that resolves to a wildcard", async () => {
            const name = uniqueName("share-late");
            const share = new SecretShare(name, args({ readers: [LOCAL_READER, pulumi.output("*")] }));
            await promiseOf(share.urn);
            assert.ok(await neverRecorded(TYPE.kmsKey, `${name}-key`));
            assert.strictEqual(isRegistered(TYPE.secretPolicy, `${name}-policy`), false);
        });
    });

    describe("grantRead", () => {
        it("gives a role of the secret's account exactly the read statements, on exactly this secret and key", async () => {
            const name = uniqueName("grant-local");
            const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: "{}" });
            const share = new SecretShare(name, args({ readers: [role.arn, REMOTE_READER] }));
            const granted = share.grantRead(role);
            const policy = await recorded(TYPE.rolePolicy, `${name}-read-${name}-role`);
            assert.strictEqual(await promiseOf(granted.id), policy.id);
            assert.strictEqual(policy.inputs.role, await promiseOf(role.id));
            assert.strictEqual(policy.accountId, OWNER);
            const doc = parsedPolicy(policy);
            assert.strictEqual(doc.Version, "2012-10-17");
            assert.deepStrictEqual(doc.Statement, await expectedReaderStatements(share));
        });

        it("gives a CrossAccountRole in another account the statements, with that account's provider", async () => {
            const name = uniqueName("grant-remote");
            const provider = new aws.Provider(`${name}-consumer`, {
                region: "us-east-1",
                assumeRoles: [{ roleArn: `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/deployer` }],
            });
            const role = new CrossAccountRole(
                `${name}-reader`,
                { trustedAccountId: OWNER, trustedPrincipalArns: [`arn:aws:iam::${OWNER}:role/app`] },
                { provider },
            );
            const share = new SecretShare(name, args({ readers: [LOCAL_READER, role.roleArn] }));
            const granted = share.grantRead(role);
            const policy = await recorded(TYPE.rolePolicy, `${name}-read-${name}-reader`);
            assert.strictEqual(policy.provider, await providerRef(provider));
            assert.strictEqual(policy.accountId, OTHER_ACCOUNT_ID);
            assert.strictEqual(policy.inputs.role, await promiseOf(role.role.id));
            // Parented to the role: the grant is part of the role's tree, not the secret's.
            assert.match(
                await promiseOf(granted.urn),
                /cross-account-rds:iam:CrossAccountRole\$aws:iam\/rolePolicy:RolePolicy::/,
            );
            const doc = parsedPolicy(policy);
            assert.deepStrictEqual(doc.Statement, await expectedReaderStatements(share));

            // Together with the secret's resource policy and the key policy, the role can read, and only so.
            const roleArn = await promiseOf(role.roleArn);
            assert.match(roleArn, new RegExp(`^arn:aws:iam::${OTHER_ACCOUNT_ID}:role/`));
            const secretArn = await promiseOf(share.secretArn);
            const keyArn = await promiseOf(share.kmsKeyArn);
            const resourcePolicy = parsedPolicy(
                await recorded(TYPE.secretPolicy, `${name}-policy`),
            ) as PolicyJson;
            const key = parsedPolicy(await recorded(TYPE.kmsKey, `${name}-key`)) as PolicyJson;
            const identity = doc as PolicyJson;
            const read = {
                principalArn: roleArn,
                action: "secretsmanager:GetSecretValue",
                resource: secretArn,
            };
            const decrypt = {
                principalArn: roleArn,
                action: "kms:Decrypt",
                resource: keyArn,
                context: { "kms:ViaService": VIA },
            };
            assert.ok(evaluate(identity, read) && evaluate(resourcePolicy, read));
            assert.ok(evaluate(identity, decrypt) && evaluate(key, decrypt));
            assert.ok(!evaluate(identity, { ...decrypt, context: {} }), "decrypt outside Secrets Manager");
            assert.ok(!evaluate(identity, { ...read, resource: `${secretArn.slice(0, -6)}XXXXXX` }));
            assert.ok(!evaluate(identity, { ...read, action: "secretsmanager:PutSecretValue" }));
        });

        it("names the grant after the name it is given", async () => {
            const name = uniqueName("grant-named");
            const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: "{}" });
            const share = new SecretShare(name, args({ readers: [role.arn] }));
            share.grantRead(role, "fetch");
            const policy = await recorded(TYPE.rolePolicy, `${name}-read-fetch`);
            assert.strictEqual(policy.inputs.role, await promiseOf(role.id));
        });

        it("never grants a role that is not one of the readers", async () => {
            const name = uniqueName("grant-stranger");
            const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: "{}" });
            const share = new SecretShare(name, args({ readers: [LOCAL_READER] }));
            share.grantRead(role);
            await promiseOf(share.secretArn);
            assert.ok(await neverRecorded(TYPE.rolePolicy, `${name}-read-${name}-role`));
        });

        it("lets the readers name roles that are granted later, without waiting on them (no cycle)", async () => {
            const name = uniqueName("grant-order");
            const roles = [0, 1].map(
                (i) =>
                    new CrossAccountRole(`${name}-r${i}`, {
                        trustedAccountId: OTHER_ACCOUNT_ID,
                        trustedPrincipalArns: [REMOTE_READER],
                    }),
            );
            const share = new SecretShare(name, args({ readers: roles.map((r) => r.roleArn) }));
            const grants = roles.map((role) => share.grantRead(role));
            const ids = await Promise.all(grants.map((g) => promiseOf(g.id)));
            assert.strictEqual(new Set(ids).size, 2);
            const policy = parsedPolicy(await recorded(TYPE.secretPolicy, `${name}-policy`));
            assert.deepStrictEqual(
                policy.Statement[0].Principal.AWS,
                await Promise.all(roles.map((r) => promiseOf(r.roleArn))),
            );
        });
    });
});

/** The statements a reader of `share` needs, with its exact ARNs. */
async function expectedReaderStatements(share: SecretShare): Promise<unknown[]> {
    const [secretArn, keyArn] = await Promise.all([promiseOf(share.secretArn), promiseOf(share.kmsKeyArn)]);
    assert.match(secretArn, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:/);
    assert.match(keyArn, /^arn:aws:kms:us-east-1:\d{12}:key\//);
    return [
        {
            Effect: "Allow",
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: secretArn,
        },
        {
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": VIA } },
        },
    ];
}

function isRegistered(type: string, name: string): boolean {
    return cloud.find(type, name).length > 0;
}
