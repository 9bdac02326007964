import assert from "node:assert/strict";
import { parsePackageArgs } from "../../ops/package";

describe("npm run package arguments", () => {
    it("takes the output directory from --out", () => {
        assert.deepEqual(parsePackageArgs(["--out", "dist"]), { out: "dist" });
        assert.deepEqual(parsePackageArgs(["--out=build/zips"]), { out: "build/zips" });
    });

    it("answers --help with the usage", () => {
        assert.equal(parsePackageArgs(["--help"]), "help");
    });

    it("refuses a missing --out, an unknown option and a stray argument, naming each", () => {
        assert.throws(() => parsePackageArgs([]), /--out <dir> is required/);
        assert.throws(() => parsePackageArgs(["--out", " "]), /--out <dir> is required/);
        assert.throws(() => parsePackageArgs(["--out", "dist", "--zip"]), /Unknown option '--zip'/);
        assert.throws(() => parsePackageArgs(["--out", "dist", "extra"]), /unexpected argument "extra"/);
    });
});
