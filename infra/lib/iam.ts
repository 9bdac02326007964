// Typed IAM policy documents: built as `aws.iam.PolicyDocument` objects, serialized once, and matched with
// the same wildcard rules IAM uses, so components, validators and the test evaluator agree on what a
// pattern covers.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export const POLICY_VERSION = "2012-10-17";

/** A policy document as it appears in JSON (what AWS stores and what the evaluator reads). */
export interface PolicyJson {
    Version: string;
    Id?: string;
    Statement: StatementJson[];
}

export interface StatementJson {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: PrincipalJson;
    NotPrincipal?: PrincipalJson;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export type PrincipalJson =
    "*" | { AWS?: string | string[]; Service?: string | string[]; Federated?: string | string[] };

export function policyDocument(statements: aws.iam.PolicyStatement[]): aws.iam.PolicyDocument {
    return { Version: POLICY_VERSION, Statement: statements };
}

/** The one place a document becomes text, so every policy in the program is serialized the same way. */
export function toPolicyJson(
    document: aws.iam.PolicyDocument | pulumi.Unwrap<aws.iam.PolicyDocument>,
): string {
    return JSON.stringify(document);
}

/** A policy document given as JSON text or as an object; undefined when it is neither. */
export function parsePolicy(document: unknown): PolicyJson | undefined {
    try {
        return typeof document === "string" ? (JSON.parse(document) as PolicyJson) : (document as PolicyJson);
    } catch {
        return undefined;
    }
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
    if (value === undefined) {
        return [];
    }
    return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** A single value as itself, several as a list: the form AWS stores, so plans and drift checks compare equal. */
export function oneOrMany<T>(values: readonly T[]): T | T[] {
    return values.length === 1 ? values[0] : [...values];
}

export function rootArn(accountId: string, partition = "aws"): string {
    return `arn:${partition}:iam::${accountId}:root`;
}

/** The account a principal entry names as a whole (a bare account id or its root ARN); otherwise undefined. */
export function rootAccountOf(entry: string): string | undefined {
    const match = /^(?:arn:aws[a-z-]*:iam::(\d{12}):root|(\d{12}))$/.exec(entry);
    return match ? (match[1] ?? match[2]) : undefined;
}

/** IAM's pattern matching: `*` any run of characters, `?` exactly one. */
export function globMatch(pattern: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
    const source = pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
        .join("");
    return new RegExp(`^${source}$`, options.ignoreCase ? "is" : "s").test(value);
}

/** Whether an action pattern (like `secretsmanager:Get*`) covers `action`; actions are case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
    return globMatch(pattern, action, { ignoreCase: true });
}

/**
 * ARN matching as `ArnLike`/`ArnEquals` do it: the six colon-separated parts are matched one by one, so
 * a `*` in the account part cannot swallow the resource part.
 */
export function arnMatches(pattern: string, arn: string): boolean {
    const patternParts = splitArn(pattern);
    const arnParts = splitArn(arn);
    if (!patternParts || !arnParts) {
        return globMatch(pattern, arn);
    }
    return patternParts.every((part, i) => globMatch(part, arnParts[i]));
}

function splitArn(arn: string): string[] | undefined {
    const parts = arn.split(":");
    if (parts.length < 6) {
        return undefined;
    }
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
}
