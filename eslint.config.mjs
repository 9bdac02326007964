import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", ".tmp/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
            "@typescript-eslint/no-floating-promises": "error",
            eqeqeq: ["error", "always"],
        },
    },
    {
        // Functions run in Lambda: they must never pull in the Pulumi SDK.
        files: ["functions/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", { patterns: ["@pulumi/*"] }],
        },
    },
);
