import fs from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { cliService } from "./test/setup/cli-service.ts";
import { fixtureService } from "./test/setup/fixture-service.ts";

const root = import.meta.dirname;
/** The team's shared corpora: present in CI and on dev machines, absent on a user's fresh clone. */
const sharedData = path.resolve(root, "../shared/data");
const hasShared = fs.existsSync(path.join(sharedData, "attack"));
if (!hasShared) {
  console.warn(
    `[ttpscope] ${sharedData} not found: tests over the shared corpora are SKIPPED (they run where it exists, e.g. CI).`,
  );
}

/** The OASIS STIX 2.1 JSON schemas the export tests validate against (test/fixtures, BSD licence). */
function stixSchemas(): unknown[] {
  const dir = path.join(root, "test/fixtures/stix2-schemas/schemas");
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as unknown);
}

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
          TEST_DOWN_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/down")),
          HAS_SHARED_DATA: hasShared,
          STIX_SCHEMAS: stixSchemas(),
          // Test keys for sealing stored secrets: the second only opens (rotation tests).
          SECRET_KEYS: `test2:${Buffer.alloc(32, 2).toString("base64")},test1:${Buffer.alloc(32, 1).toString("base64")}`,
          // Workflow alarms never fire on their own in tests: each test fires them (runDurableObjectAlarm).
          WORKFLOW_STEP_DELAY_MS: "3600000",
          // The ATT&CK release index the refresh tests serve (msw).
          ATTACK_INDEX_URL: "https://attack-data.example.com/index.json",
        },
        // Limits far above what a battery sends, so tests never trip them by accident; TIGHT_RATE_LIMIT
        // (2 a minute) stands in for either binding in the test that proves the 429.
        ratelimits: {
          API_RATE_LIMIT: { simple: { limit: 1_000_000, period: 60 } },
          ANALYSIS_RATE_LIMIT: { simple: { limit: 1_000_000, period: 60 } },
          TIGHT_RATE_LIMIT: { simple: { limit: 2, period: 60 } },
        },
        // CLI: runs the analyze command line (workerd cannot start processes).
        serviceBindings: { FIXTURES: fixtureService({ repo: root, shared: sharedData }), CLI: cliService(root) },
      },
    }),
  ],
  test: {
    setupFiles: ["./test/setup/apply-migrations.ts", "./test/setup/msw.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
}));
