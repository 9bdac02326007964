import assert from "node:assert/strict";
import {
    actionMatches,
    arnMatches,
    asList,
    globMatch,
    oneOrMany,
    policyDocument,
    POLICY_VERSION,
    rootArn,
    toPolicyJson,
} from "../../../infra/lib/iam";

type Pair = readonly [pattern: string, value: string];

/** A matching rule: pairs that match, pairs that do not, and pairs only one whole-value glob would match. */
interface MatchRule {
    readonly requirement: string;
    readonly matching?: readonly Pair[];
    readonly notMatching?: readonly Pair[];
    readonly onlyAsOneGlob?: readonly Pair[];
}

/** One test per rule, each pair checked against `match` (and, for `onlyAsOneGlob`, against globMatch). */
function itMatchesPerRule(
    match: (pattern: string, value: string) => boolean,
    rules: readonly MatchRule[],
): void {
    for (const { requirement, matching = [], notMatching = [], onlyAsOneGlob = [] } of rules) {
        it(requirement, () => {
            const shown = (pattern: string, value: string) =>
                `${JSON.stringify(pattern)} ~ ${JSON.stringify(value)}`;
            for (const [pattern, value] of matching) {
                assert.equal(match(pattern, value), true, shown(pattern, value));
            }
            for (const [pattern, value] of notMatching) {
                assert.equal(match(pattern, value), false, `not ${shown(pattern, value)}`);
            }
            for (const [pattern, value] of onlyAsOneGlob) {
                assert.equal(globMatch(pattern, value), true, `one glob: ${shown(pattern, value)}`);
                assert.equal(match(pattern, value), false, `not ${shown(pattern, value)}`);
            }
        });
    }
}

describe("infra/lib/iam: policy documents and IAM's pattern matching", () => {
    describe("globMatch", () => {
        const literal = ["a.b", "a+b", "(x)", "[ab]", "a|b", "^a$", "a{2}", "a\\b", "a/b", "a-b"];
        itMatchesPerRule(globMatch, [
            {
                requirement: "lets * stand for any run of characters, the empty run and newlines included",
                matching: [
                    ["s3:Get*", "s3:GetObject"],
                    ["s3:Get*", "s3:Get"],
                    ["*", ""],
                    ["a*c", "a\nb\nc"],
                ],
                notMatching: [["s3:Get*", "s3:PutObject"]],
            },
            {
                requirement: "lets ? stand for exactly one character",
                matching: [["a?c", "abc"]],
                notMatching: [
                    ["a?c", "ac"],
                    ["a?c", "abbc"],
                ],
            },
            {
                requirement: "matches the whole value, never a part of it",
                notMatching: [
                    ["Get", "xGetx"],
                    ["*Get", "xGetx"],
                    ["Get*", "xGet"],
                    ["", "x"],
                ],
            },
            {
                requirement: "takes every other character literally, regular-expression syntax included",
                matching: literal.map((pattern) => [pattern, pattern] as const),
                notMatching: [
                    ["a.b", "axb"],
                    ["a+b", "aab"],
                    ["[ab]", "a"],
                    ["a|b", "a"],
                    ["a{2}", "aa"],
                    ["a\\b", "a\b"],
                ],
            },
            {
                requirement: "is case-sensitive",
                notMatching: [["role/Reader", "role/reader"]],
            },
        ]);

        it("ignores case when asked to", () => {
            assert.equal(globMatch("role/Reader", "role/reader", { ignoreCase: true }), true);
        });
    });

    describe("actionMatches", () => {
        itMatchesPerRule(actionMatches, [
            {
                requirement: "compares actions case-insensitively, as IAM does",
                matching: [
                    ["secretsmanager:Get*", "SecretsManager:GetSecretValue"],
                    ["STS:assumerole", "sts:AssumeRole"],
                    ["kms:*", "KMS:Decrypt"],
                ],
            },
            {
                requirement: "does not let a prefix cover another service or action",
                notMatching: [
                    ["secretsmanager:Get*", "secretsmanager:PutSecretValue"],
                    ["kms:*", "kms2:Decrypt"],
                    ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
                ],
            },
        ]);
    });

    describe("arnMatches", () => {
        const ACCOUNT_PATTERN = "arn:aws:secretsmanager:*:111111112974:secret:db-*";
        itMatchesPerRule(arnMatches, [
            {
                requirement: "matches the six parts one by one, the resource part keeping its own colons",
                matching: [
                    ["arn:aws:iam::*:role/reader", "arn:aws:iam::111111112974:role/reader"],
                    [
                        "arn:aws:logs:us-east-1:111111112974:log-group:/aws/lambda/fetch-rows:*",
                        "arn:aws:logs:us-east-1:111111112974:log-group:/aws/lambda/fetch-rows:log-stream:2024/x",
                    ],
                ],
                notMatching: [["arn:aws:iam::*:role/reader", "arn:aws:iam::111111112974:role/writer"]],
            },
            {
                // As one glob, `*` would take "111111112974:role/x" and the pattern would match.
                requirement: "does not let a * in the account part swallow the resource part",
                onlyAsOneGlob: [["arn:aws:iam::*:root", "arn:aws:iam::111111112974:role/x:root"]],
            },
            {
                requirement: "does not let a * in the region part swallow the account",
                onlyAsOneGlob: [
                    [
                        ACCOUNT_PATTERN,
                        "arn:aws:secretsmanager:us-east-1:222222225884:secret:x:111111112974:secret:db-a",
                    ],
                ],
                matching: [[ACCOUNT_PATTERN, "arn:aws:secretsmanager:eu-west-1:111111112974:secret:db-a"]],
            },
            {
                requirement: "compares ARNs case-sensitively",
                notMatching: [["arn:aws:iam::*:role/Reader", "arn:aws:iam::111111112974:role/reader"]],
            },
            {
                requirement: "falls back to one glob when the pattern or value is not an ARN",
                matching: [["*", "arn:aws:iam::111111112974:root"]],
                notMatching: [["arn:aws:iam::*:root", "*"]],
            },
        ]);
    });

    describe("documents and their JSON", () => {
        it("builds a document of the one policy language version", () => {
            assert.equal(POLICY_VERSION, "2012-10-17");
            const statement = { Effect: "Allow" as const, Action: "sts:AssumeRole", Resource: "*" };
            assert.deepEqual(policyDocument([statement]), { Version: "2012-10-17", Statement: [statement] });
        });

        it("serializes a document compactly, Version first, the same text every time", () => {
            const document = policyDocument([
                { Sid: "Read", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: "*" },
            ]);
            const expected =
                '{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow",' +
                '"Action":["secretsmanager:GetSecretValue"],"Resource":"*"}]}';
            assert.equal(toPolicyJson(document), expected);
            assert.equal(toPolicyJson(document), toPolicyJson(structuredClone(document)));
            assert.deepEqual(JSON.parse(toPolicyJson(document)), document);
        });
    });

    describe("oneOrMany and asList", () => {
        it("oneOrMany gives a single value as itself and several as a new list", () => {
            assert.equal(oneOrMany(["sts:AssumeRole"]), "sts:AssumeRole");
            const many = ["a", "b"];
            const result = oneOrMany(many);
            assert.deepEqual(result, ["a", "b"]);
            assert.notEqual(result, many, "the caller's list is not handed back");
            assert.deepEqual(oneOrMany([]), []);
        });

        it("asList gives nothing for undefined, a one-item list for a value, a copy of a list", () => {
            assert.deepEqual(asList(undefined), []);
            assert.deepEqual(asList("sts:AssumeRole"), ["sts:AssumeRole"]);
            const list = ["a", "b"];
            const result = asList(list);
            assert.deepEqual(result, ["a", "b"]);
            assert.notEqual(result, list);
            assert.deepEqual(asList(oneOrMany(["x"])), ["x"], "asList undoes oneOrMany");
        });
    });

    describe("ARNs", () => {
        it("rootArn names an account's root principal, in the aws partition unless told", () => {
            assert.equal(rootArn("111111112974"), "arn:aws:iam::111111112974:root");
            assert.equal(rootArn("111111112974", "aws-cn"), "arn:aws-cn:iam::111111112974:root");
        });
    });
});
