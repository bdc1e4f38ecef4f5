import fs from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { Response } from "miniflare";
import { defineConfig } from "vitest/config";
import { cliService } from "./test/setup/cli-service.ts";

const root = import.meta.dirname;
/** The team's shared corpora: present in CI and on dev machines, absent on a user's fresh clone. */
const sharedData = path.resolve(root, "../shared/data");
const hasShared = fs.existsSync(path.join(sharedData, "attack"));
if (!hasShared) {
  console.warn(
    `[ttpscope] ${sharedData} not found: tests over the shared corpora are SKIPPED (they run where it exists, e.g. CI).`,
  );
}

/** Files the tests may read, by URL path prefix. workerd has no filesystem, so a Node handler serves them. */
const FIXTURE_ROOTS: Record<string, string> = { repo: root, shared: sharedData };

/** Files below a directory, relative to it, sorted. */
function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * GET /<root>/<path>: the file. GET /list/<root>/<dir>: JSON array of the files below the directory
 * (relative paths), so tests can walk a corpus such as ../shared/data/rules/sigma.
 */
function serveFixture(request: Request): Response {
  const { pathname } = new URL(request.url);
  if (pathname.startsWith("/list/")) {
    const [, , rootName, ...rest] = pathname.split("/");
    const base = rootName ? FIXTURE_ROOTS[rootName] : undefined;
    const dir = base ? path.resolve(base, decodeURIComponent(rest.join("/"))) : undefined;
    if (!base || !dir || !(dir === base || dir.startsWith(base + path.sep)) || !fs.existsSync(dir))
      return new Response(`no directory at ${pathname}`, { status: 404 });
    return new Response(JSON.stringify(listFiles(dir)), { headers: { "content-type": "application/json" } });
  }
  const [, rootName, ...rest] = pathname.split("/");
  const base = rootName ? FIXTURE_ROOTS[rootName] : undefined;
  const file = base ? path.resolve(base, decodeURIComponent(rest.join("/"))) : undefined;
  if (!base || !file || !file.startsWith(base + path.sep) || !fs.existsSync(file)) {
    return new Response(`no fixture at ${pathname}`, { status: 404 });
  }
  return new Response(fs.readFileSync(file));
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
          // Workflow alarms never fire on their own in tests: each test fires them (runDurableObjectAlarm).
          WORKFLOW_STEP_DELAY_MS: "3600000",
          // The ATT&CK release index the refresh tests serve (msw).
          ATTACK_INDEX_URL: "https://attack-data.example.com/index.json",
        },
        // CLI: runs the analyze command line (workerd cannot start processes).
        serviceBindings: { FIXTURES: serveFixture, CLI: cliService(root) },
      },
    }),
  ],
  test: {
    setupFiles: ["./test/setup/apply-migrations.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
}));
