// A Secrets Manager secret on its own customer-managed key, readable by exactly the named principals of any
// account: the secret's resource policy and the key policy name them, and `grantRead` gives a role the
// matching identity policy.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountIdProblem, describe, principalArnProblem, regionProblem } from "../lib/validate";
import { oneOrMany, policyDocument, rootArn, toPolicyJson } from "../lib/iam";
import { ArgumentProblem, requireNoProblem, requireValid } from "./args";
import type { CrossAccountRole } from "./crossAccountRole";

export interface SecretShareArgs {
    /** The secret value; wrapped with `pulumi.secret()` whether or not it already is (required). */
    readonly secretString: pulumi.Input<string>;
    /** Physical secret name (default: autonamed from the component name). */
    readonly secretName?: pulumi.Input<string>;
    /** Secret and key description (default: none). */
    readonly description?: pulumi.Input<string>;
    /** Exact role/user ARNs, in any account, allowed to read the secret (required, non-empty). */
    readonly readers: readonly pulumi.Input<string>[];
    /** ARN of an existing customer-managed key, whose policy must admit the readers (default: a new key with rotation on). */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Days a deleted secret stays recoverable: 0 (none) or 7..30 (default 7). */
    readonly recoveryWindowInDays?: number;
    /** Tags for every child (default: none). */
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Account that owns the secret; its root administers the key (required). */
    readonly accountId: string;
    /** Region of the secret, for `kms:ViaService secretsmanager.<region>.amazonaws.com` (required). */
    readonly region: string;
}

export interface KeyPolicyArgs {
    /** Account that owns the key; its root gets the standard administrative statement. */
    readonly accountId: string;
    /** Region of the secret the key protects. */
    readonly region: string;
    /** Principals that may decrypt through Secrets Manager. */
    readonly readers: readonly string[];
}

export interface SecretResourcePolicyArgs {
    /** ARN of the secret the policy is attached to. */
    readonly secretArn: string;
    /** Principals that may read it. */
    readonly readers: readonly string[];
}

const READER_SECRET_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
const READER_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey"];
const DEFAULT_RECOVERY_WINDOW_IN_DAYS = 7;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export function viaSecretsManager(region: string): string {
    return `secretsmanager.${region}.amazonaws.com`;
}

/**
 * The key policy. The owning account's root keeps `kms:*` (AWS's "Enable IAM User Permissions") so the key
 * can never become unmanageable; readers may only decrypt through Secrets Manager in the secret's region.
 * `Resource: "*"` in a key policy means "this key" — it cannot name anything else.
 */
export function keyPolicy(args: KeyPolicyArgs): aws.iam.PolicyDocument {
    return policyDocument([
        {
            Sid: "EnableIAMUserPermissions",
            Effect: "Allow",
            Principal: { AWS: rootArn(args.accountId) },
            Action: "kms:*",
            Resource: "*",
        },
        // No reader (every consumer retiring): only the owning account administers the key.
        ...(args.readers.length === 0
            ? []
            : [
                  {
                      Sid: "AllowReadersToDecryptViaSecretsManager",
                      Effect: "Allow" as const,
                      Principal: { AWS: oneOrMany(args.readers) },
                      Action: [...READER_KEY_ACTIONS],
                      Resource: "*",
                      Condition: { StringEquals: { "kms:ViaService": viaSecretsManager(args.region) } },
                  },
              ]),
    ]);
}

/** The secret's resource policy: only the readers, only the read actions, only this secret. */
export function secretResourcePolicy(args: SecretResourcePolicyArgs): aws.iam.PolicyDocument {
    return policyDocument([
        {
            Sid: "AllowReaders",
            Effect: "Allow",
            Principal: { AWS: oneOrMany(args.readers) },
            Action: [...READER_SECRET_ACTIONS],
            Resource: args.secretArn,
        },
    ]);
}

/**
 * Why a list of reader ARNs is refused, or undefined. Entries still unresolved are skipped: the component
 * checks the list again once they are known.
 */
function readersProblem(readers: readonly unknown[], argName = "readers"): ArgumentProblem | undefined {
    if (!Array.isArray(readers)) {
        return {
            propertyPath: argName,
            problem: "must be a list of reader principal ARNs (it may be empty)",
        };
    }
    const seen = new Set<string>();
    for (const [i, reader] of readers.entries()) {
        if (pulumi.Output.isInstance(reader) || reader instanceof Promise) {
            continue;
        }
        const propertyPath = `${argName}[${i}]`;
        if (typeof reader === "string" && reader.includes("*")) {
            return { propertyPath, problem: `${describe(reader)} contains "*"; name exact principals` };
        }
        const problem = principalArnProblem(reader);
        if (problem !== undefined) {
            return { propertyPath, problem };
        }
        const arn = reader as string;
        if (!/^arn:[^:]+:iam::\d{12}:(role|user)\//.test(arn)) {
            return {
                propertyPath,
                problem: `${describe(arn)} is not a role or user ARN; name the exact readers`,
            };
        }
        if (seen.has(arn)) {
            return { propertyPath, problem: `${describe(arn)} is listed twice` };
        }
        seen.add(arn);
    }
    return undefined;
}

/** Readers need a key ARN (not an alias) to be granted decrypt in their own account's policies. */
function kmsKeyArnProblem(arn: unknown): string | undefined {
    return typeof arn === "string" && KMS_KEY_ARN.test(arn)
        ? undefined
        : `${describe(arn)} is not a KMS key ARN (arn:aws:kms:<region>:<id>:key/<id>)`;
}

/** Checks every argument known before deployment; throws `pulumi.InputPropertyError` naming the bad one. */
export function validateSecretShareArgs(args: SecretShareArgs): void {
    requireValid("accountId", accountIdProblem(args.accountId));
    requireValid("region", regionProblem(args.region));
    requireNoProblem(readersProblem(args.readers));
    const window: unknown = args.recoveryWindowInDays;
    if (
        window !== undefined &&
        (typeof window !== "number" ||
            !Number.isInteger(window) ||
            (window !== 0 && (window < 7 || window > 30)))
    ) {
        requireValid("recoveryWindowInDays", `${describe(window)} is not 0 or a whole number in 7..30`);
    }
    if (typeof args.kmsKeyArn === "string") {
        requireValid("kmsKeyArn", kmsKeyArnProblem(args.kmsKeyArn));
    }
}

export class SecretShare extends pulumi.ComponentResource {
    readonly secretArn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly secret: aws.secretsmanager.Secret;
    /** The version holding the value; its `secretString` is a Pulumi secret. */
    readonly secretVersion: aws.secretsmanager.SecretVersion;
    private readonly shareName: string;
    private readonly region: string;
    /** The reader ARNs, checked once resolved: a grant is only for one of them. */
    private readonly readers: pulumi.Output<string[]>;

    constructor(name: string, args: SecretShareArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked first, so a refused argument declares nothing, not even this component.
        validateSecretShareArgs(args);
        super("cross-account-rds:secrets:SecretShare", name, {}, opts);
        this.shareName = name;
        this.region = args.region;
        // Reader ARNs are often role outputs: they are checked again, and the policies built, once known.
        this.readers = pulumi.all([...args.readers]).apply((arns) => {
            const found = readersProblem(arns);
            if (found) {
                throw new pulumi.ResourceError(`${found.propertyPath}: ${found.problem}`, this);
            }
            return arns;
        });
        const readers = this.readers;

        if (args.kmsKeyArn === undefined) {
            const key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: args.description,
                    enableKeyRotation: true,
                    policy: readers.apply((arns) =>
                        toPolicyJson(
                            keyPolicy({ accountId: args.accountId, region: args.region, readers: arns }),
                        ),
                    ),
                    tags: args.tags,
                },
                { parent: this },
            );
            // A prefix, not a fixed name: aliases are unique per account and region, across stacks.
            new aws.kms.Alias(
                `${name}-alias`,
                { namePrefix: `alias/${name}-`, targetKeyId: key.keyId },
                { parent: this },
            );
            this.kmsKeyArn = key.arn;
        } else {
            this.kmsKeyArn = pulumi.output(args.kmsKeyArn).apply((arn) => {
                const problem = kmsKeyArnProblem(arn);
                if (problem !== undefined) {
                    throw new pulumi.ResourceError(`kmsKeyArn: ${problem}`, this);
                }
                return arn;
            });
        }

        this.secret = new aws.secretsmanager.Secret(
            name,
            {
                name: args.secretName,
                description: args.description,
                kmsKeyId: this.kmsKeyArn,
                recoveryWindowInDays: args.recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_IN_DAYS,
                tags: args.tags,
            },
            { parent: this },
        );
        this.secretVersion = new aws.secretsmanager.SecretVersion(
            `${name}-version`,
            { secretId: this.secret.id, secretString: pulumi.secret(args.secretString) },
            { parent: this },
        );
        // A resource policy must name a principal: with no reader there is none, and none is needed.
        if (args.readers.length > 0) {
            new aws.secretsmanager.SecretPolicy(
                `${name}-policy`,
                {
                    secretArn: this.secret.arn,
                    blockPublicPolicy: true,
                    policy: pulumi
                        .all([this.secret.arn, readers])
                        .apply(([secretArn, arns]) =>
                            toPolicyJson(secretResourcePolicy({ secretArn, readers: arns })),
                        ),
                },
                { parent: this },
            );
        }

        this.secretArn = this.secret.arn;
        this.registerOutputs({ secretArn: this.secretArn, kmsKeyArn: this.kmsKeyArn });
    }

    /** Identity-policy statements a reader needs: GetSecretValue/DescribeSecret on the secret ARN, kms:Decrypt on the key (ViaService). */
    readerStatements(): pulumi.Output<aws.iam.PolicyStatement[]> {
        return pulumi
            .all([this.secretArn, this.kmsKeyArn])
            .apply(([secretArn, keyArn]): aws.iam.PolicyStatement[] => [
                { Effect: "Allow", Action: [...READER_SECRET_ACTIONS], Resource: secretArn },
                {
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: keyArn,
                    Condition: { StringEquals: { "kms:ViaService": viaSecretsManager(this.region) } },
                },
            ]);
    }

    /**
     * Gives `role` (one of `readers`, in this account or another) the identity policy that reading needs:
     * {@link readerStatements} as an inline policy named `<this>-read-<name>` (`name` defaults to the
     * role's resource name). The policy is the role's: it is parented to the role, so it inherits the role's
     * provider and lands in the role's account, and it leaves with the role.
     */
    grantRead(role: aws.iam.Role | CrossAccountRole, name?: string): aws.iam.RolePolicy {
        const target = aws.iam.Role.isInstance(role) ? role : role.role;
        const suffix = name ?? pulumi.resourceName(role);
        const policy = pulumi
            .all([target.arn, this.readers, this.readerStatements()])
            .apply(([arn, readers, statements]) => {
                // Same-account IAM alone would let the grant work, but readers is the one list of who reads.
                if (!readers.includes(arn)) {
                    throw new pulumi.ResourceError(
                        `grantRead(${suffix}): ${describe(arn)} is not one of readers; the secret's resource ` +
                            "policy and key policy admit only readers, so add the role's ARN there",
                        this,
                    );
                }
                return toPolicyJson(policyDocument(statements));
            });
        return new aws.iam.RolePolicy(
            `${this.shareName}-read-${suffix}`,
            { role: target.id, policy },
            { parent: role },
        );
    }
}
