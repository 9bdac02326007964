import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "../../../infra/lib/constants";
import {
    accountIdProblem,
    describe as describeValue,
    externalIdProblem,
    isAccountId,
    LOG_RETENTION_DAYS,
    logRetentionProblem,
    PARTITION,
    partitionOfRegion,
    principalArnProblem,
    regionProblem,
    roleNameProblem,
    stackNameProblem,
} from "../../../infra/lib/validate";

const ACCOUNT = "111111112974";
const OTHER = "222222225884";

describe("infra/lib/validate: the AWS-shaped values this project accepts", () => {
    describe("describe", () => {
        it("quotes a value as JSON and calls undefined a missing value", () => {
            assert.equal(describeValue("us-east-1"), '"us-east-1"');
            assert.equal(describeValue(42), "42");
            assert.equal(describeValue(null), "null");
            assert.equal(describeValue({ a: [1] }), '{"a":[1]}');
            assert.equal(describeValue(undefined), "missing value");
        });

        it("shortens a value longer than 80 characters to 80, ending in ...", () => {
            const long = describeValue("x".repeat(200));
            assert.equal(long.length, 80);
            assert.equal(long, `"${"x".repeat(76)}...`);
            const exact = "y".repeat(78); // 80 characters once quoted
            assert.equal(describeValue(exact), `"${exact}"`);
        });
    });

    describe("accountIdProblem", () => {
        it("accepts 12 digits as a string, leading zeros included", () => {
            for (const id of [ACCOUNT, "012345678901", "000000000000"]) {
                assert.equal(accountIdProblem(id), undefined, id);
                assert.equal(isAccountId(id), true, id);
            }
        });

        it("tells a number to be quoted in YAML, since YAML drops its leading zeros", () => {
            assert.equal(
                accountIdProblem(12345678901),
                '12345678901 is a number; quote the account id in YAML ("012345678901") so it stays 12 digits',
            );
            assert.equal(isAccountId(111111112974), false);
        });

        it("refuses anything but exactly 12 digits, naming the value", () => {
            for (const value of ["11111111297", "1111111129740", "1111-1111-2974", ` ${ACCOUNT}`, "", null]) {
                assert.equal(
                    accountIdProblem(value),
                    `${JSON.stringify(value)} is not an AWS account id (12 digits, as a quoted string)`,
                );
                assert.equal(isAccountId(value), false);
            }
            assert.match(accountIdProblem(undefined) ?? "", /^missing value is not an AWS account id/);
        });
    });

    describe("regions and partitions", () => {
        it("accepts regions of the aws partition", () => {
            assert.equal(PARTITION, "aws");
            for (const region of [
                "us-east-1",
                "eu-west-1",
                "ap-southeast-2",
                "eu-central-2",
                "il-central-1",
            ]) {
                assert.equal(regionProblem(region), undefined, region);
                assert.equal(partitionOfRegion(region), "aws", region);
            }
        });

        it("names the partition of GovCloud, China and the ISO regions", () => {
            assert.equal(partitionOfRegion("us-gov-west-1"), "aws-us-gov");
            assert.equal(partitionOfRegion("us-gov-east-1"), "aws-us-gov");
            assert.equal(partitionOfRegion("cn-north-1"), "aws-cn");
            assert.equal(partitionOfRegion("cn-northwest-1"), "aws-cn");
            assert.equal(partitionOfRegion("us-iso-east-1"), "aws-iso");
            assert.equal(partitionOfRegion("us-isob-east-1"), "aws-iso-b");
            assert.equal(partitionOfRegion("eu-isoe-west-1"), "aws-iso-e");
            assert.equal(partitionOfRegion("us-isof-south-1"), "aws-iso-f");
            assert.equal(partitionOfRegion("eusc-de-east-1"), "aws-eusc");
        });

        it("refuses a region-shaped name no partition has, rather than take it for aws", () => {
            for (const region of ["xx-east-1", "ue-east-1"]) {
                assert.equal(partitionOfRegion(region), undefined, region);
                assert.match(
                    regionProblem(region) ?? "",
                    /is not a region of any AWS partition this project knows/,
                );
            }
        });

        it("refuses a region of another partition, naming that partition and the one it supports", () => {
            for (const [region, partition] of [
                ["us-gov-west-1", "aws-us-gov"],
                ["cn-north-1", "aws-cn"],
                ["us-iso-east-1", "aws-iso"],
                ["us-isob-east-1", "aws-iso-b"],
                ["eu-isoe-west-1", "aws-iso-e"],
                ["us-isof-south-1", "aws-iso-f"],
                ["eusc-de-east-1", "aws-eusc"],
            ]) {
                const problem = regionProblem(region) ?? "";
                assert.ok(problem.startsWith(`${region} is in the ${partition} partition;`), problem);
                assert.match(problem, /for the aws partition only/);
                assert.match(problem, /Use a region of the aws partition \(like us-east-1\)$/);
            }
        });

        it("refuses what is not shaped like a region, with an example", () => {
            for (const value of [
                "US-EAST-1",
                "us-east",
                "useast1",
                "us-east-1a",
                "us_east_1",
                "",
                1,
                undefined,
            ]) {
                assert.match(
                    regionProblem(value) ?? "",
                    /is not an AWS region \(like us-east-1\)$/,
                    String(value),
                );
            }
            assert.equal(regionProblem("us-east-1a"), '"us-east-1a" is not an AWS region (like us-east-1)');
        });
    });

    describe("roleNameProblem", () => {
        it("accepts 1 to 64 of IAM's role-name characters", () => {
            for (const name of ["r", "fetch-rows-reader", "a+b=c,d.e@f_g", "x".repeat(64)]) {
                assert.equal(roleNameProblem(name), undefined, name);
            }
        });

        it("refuses an empty or too long name, a path, spaces and non-strings", () => {
            for (const value of ["", "x".repeat(65), "path/reader", "has space", "naïve", 42, undefined]) {
                assert.match(
                    roleNameProblem(value) ?? "",
                    /is not an IAM role name \(1-64 of \[A-Za-z0-9\+=,\.@_-\]\)$/,
                    String(value),
                );
            }
        });
    });

    describe("principal ARNs", () => {
        const valid = [
            `arn:aws:iam::${ACCOUNT}:root`,
            `arn:aws:iam::${ACCOUNT}:role/reader`,
            `arn:aws:iam::${ACCOUNT}:role/service-role/path/reader`,
            `arn:aws:iam::${ACCOUNT}:user/alice`,
            `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1`,
        ];

        it("accepts a root, role, user or assumed-role ARN of the aws partition", () => {
            for (const arn of valid) {
                assert.equal(principalArnProblem(arn), undefined, arn);
                assert.equal(principalArnProblem(arn, ACCOUNT), undefined, arn);
            }
        });

        it("refuses a principal of another account, naming both accounts", () => {
            assert.equal(
                principalArnProblem(`arn:aws:iam::${ACCOUNT}:role/reader`, OTHER),
                `"arn:aws:iam::${ACCOUNT}:role/reader" belongs to account ${ACCOUNT}, expected ${OTHER}`,
            );
        });

        it("refuses a principal of another partition, naming it", () => {
            for (const partition of ["aws-cn", "aws-us-gov"]) {
                assert.match(
                    principalArnProblem(`arn:${partition}:iam::${ACCOUNT}:role/reader`) ?? "",
                    new RegExp(
                        `is in the ${partition} partition; this project works in the aws partition only$`,
                    ),
                );
            }
        });

        it("refuses what is not a principal ARN, showing the forms it takes", () => {
            for (const value of [
                `arn:aws:iam::11111111297:role/reader`,
                `arn:aws:iam::${ACCOUNT}:group/readers`,
                `arn:aws:iam::${ACCOUNT}:role/`,
                `arn:aws:iam::${ACCOUNT}:role/has space`,
                `arn:aws:iam:us-east-1:${ACCOUNT}:role/reader`,
                "arn:aws:s3:::bucket",
                ACCOUNT,
                "*",
                42,
                undefined,
            ]) {
                assert.match(
                    principalArnProblem(value) ?? "",
                    /is not an IAM principal ARN \(arn:aws:iam::<12 digits>:role\/<name>, user\/<name> or root\)$/,
                    String(value),
                );
            }
        });
    });

    describe("externalIdProblem", () => {
        it("accepts 2 to 1224 of the characters STS allows", () => {
            for (const id of ["ab", "x".repeat(1224), "team:analytics/2024+v=1,a.b@c_d-e"]) {
                assert.equal(externalIdProblem(id), undefined);
            }
        });

        it("refuses a wrong external id without ever echoing it", () => {
            const secretish = ["s", "x".repeat(1225), "s3cret with spaces", "s3cret!", "s3cret\n"];
            for (const value of [...secretish, 1234, undefined]) {
                const problem = externalIdProblem(value);
                assert.equal(problem, "is not a valid external id (2 to 1224 of [A-Za-z0-9_+=,.@:/-])");
            }
            for (const value of secretish) {
                assert.ok(!(externalIdProblem(value) ?? "").includes("s3cret"));
            }
        });
    });

    describe("stackNameProblem", () => {
        it(`accepts <org>/${PROJECT}/<stack>`, () => {
            for (const name of [`my-org/${PROJECT}/dev`, `Org_1/${PROJECT}/prod.eu-west-1`]) {
                assert.equal(stackNameProblem(name, PROJECT), undefined, name);
            }
        });

        it("refuses a name that is not fully qualified, showing the form with an example", () => {
            for (const value of [
                "dev",
                `${PROJECT}/dev`,
                `a/${PROJECT}/dev/x`,
                `org//dev`,
                `org/${PROJECT}/de v`,
                7,
            ]) {
                assert.equal(
                    stackNameProblem(value, PROJECT),
                    `${JSON.stringify(value)} must name the stack fully: <org>/${PROJECT}/<stack> ` +
                        `(like my-org/${PROJECT}/dev)`,
                );
            }
        });

        it("refuses a stack of another project, naming that project", () => {
            assert.equal(
                stackNameProblem("my-org/other-project/dev", PROJECT),
                `"my-org/other-project/dev" names project "other-project"; the database stack belongs to this ` +
                    `project: <org>/${PROJECT}/<stack>`,
            );
        });
    });

    describe("logRetentionProblem", () => {
        it("accepts exactly the retention periods the provider documents for CloudWatch Logs, less 0 (forever)", () => {
            const declaration = fs.readFileSync(
                path.join(require.resolve("@pulumi/aws/package.json"), "..", "cloudwatch", "logGroup.d.ts"),
                "utf8",
            );
            const documented = /Possible values are: ([\d, ]+), and 0\./.exec(declaration);
            assert.ok(documented, "the provider documents retentionInDays' values");
            assert.deepEqual(LOG_RETENTION_DAYS, documented[1].split(", ").map(Number));
            for (const days of LOG_RETENTION_DAYS) {
                assert.equal(logRetentionProblem(days), undefined, String(days));
            }
        });

        it("refuses any other number, listing the ones it accepts", () => {
            for (const days of [0, -1, 2, 31, 1.5, 3650, 4000]) {
                assert.equal(
                    logRetentionProblem(days),
                    `${days} is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, ` +
                        "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
                );
            }
        });
    });
});
