// @ts-check
// Type-aware lint: every rule that needs types reads them from the same tsconfig files `tsc` checks.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      "dist/",
      ".build/",
      ".wrangler/",
      "data/",
      "migrations/",
      "worker-configuration.d.ts",
      "test/fixtures/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ["./tsconfig.json", "./scripts/tsconfig.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // tsc checks names (checkJs covers the .mjs launcher), so ESLint's own check would only repeat it.
      "no-undef": "off",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Test doubles implement async interfaces with synchronous bodies.
    files: ["test/**/*.ts"],
    // vitest's asymmetric matchers (expect.stringMatching …) are typed any.
    rules: { "@typescript-eslint/require-await": "off", "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // This file itself is plain JavaScript outside every tsconfig.
    files: ["eslint.config.mjs", ".dependency-cruiser.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
