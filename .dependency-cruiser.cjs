// Import rules of src/, as docs/architecture.md states them (keep the two in step). `npm run lint`
// runs `depcruise src`: any import no `allowed` rule covers, and any `forbidden` one, fails it.
// Type-only imports count like the others: a layer may not even know the types of the ones above.

/** What both adapters (REST, MCP) may import; neither may import the other. */
const ADAPTER = [
  "src/api/",
  "src/audit/",
  "src/tenants/",
  "src/workflows/",
  "src/db/client.ts",
  "src/db/schema/",
  "src/lib/",
  "src/errors.ts",
  "src/version.ts",
  "src/analyses/",
  "src/attack/",
  "src/coverage/",
  "src/reports/",
];

/** The folders a domain (or top-level module) may import, besides itself. */
const MAY_IMPORT = {
  "src/lib/": [],
  "src/errors.ts": [],
  "src/version.ts": ["package.json"],
  "src/config.ts": ["src/errors.ts"],
  "src/db/": ["src/lib/"],
  "src/analysis/": ["src/lib/", "src/attack/ids.ts"],
  "src/documents/": ["src/errors.ts", "src/lib/"],
  "src/tenants/": ["src/db/", "src/lib/", "src/errors.ts"],
  "src/audit/": ["src/db/", "src/lib/"],
  "src/workflows/": ["src/db/", "src/lib/", "src/errors.ts", "src/config.ts"],
  "src/models/": ["src/analysis/", "src/attack/", "src/db/", "src/lib/", "src/errors.ts"],
  "src/attack/": ["src/db/", "src/documents/", "src/lib/", "src/errors.ts", "src/config.ts", "src/workflows/"],
  "src/reports/": [
    "src/analysis/",
    "src/attack/",
    "src/db/",
    "src/lib/",
    "src/errors.ts",
    "src/models/",
    "src/workflows/",
  ],
  "src/analyses/": [
    "src/analysis/",
    "src/attack/",
    "src/config.ts",
    "src/db/",
    "src/documents/",
    "src/lib/",
    "src/errors.ts",
    "src/models/",
    "src/reports/",
    "src/workflows/",
  ],
  "src/coverage/": [
    "data/",
    "src/analysis/",
    "src/attack/",
    "src/db/",
    "src/lib/",
    "src/errors.ts",
    "src/models/",
    "src/reports/",
  ],
  "src/secrets/": ["src/config.ts", "src/lib/"],
  "src/webhooks/": [
    "src/analyses/",
    "src/db/",
    "src/lib/",
    "src/errors.ts",
    "src/secrets/",
    "src/tenants/",
    "src/workflows/",
  ],
  "src/api/": ["src/tenants/", "src/db/", "src/lib/", "src/errors.ts", "src/config.ts", "src/analyses/submission.ts"],
  "src/http/": [...ADAPTER, "src/webhooks/"],
  "src/mcp/": ADAPTER,
  "src/app.ts": ["src/api/", "src/http/", "src/mcp/", "src/config.ts", "src/db/"],
  "src/scheduled.ts": [
    "src/attack/",
    "src/audit/",
    "src/coverage/",
    "src/workflows/",
    "src/db/",
    "src/config.ts",
    "src/errors.ts",
  ],
  "src/index.ts": ["src/app.ts", "src/scheduled.ts", "src/workflows/"],
};

const escape = (p) => p.replace(/[.]/g, "\\.");
const pathOf = (p) => (p.endsWith("/") ? `^${escape(p)}` : `^${escape(p)}$`);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  allowed: [
    // Within a folder, anything goes.
    { from: { path: "^src/([^/]+)/" }, to: { path: "^src/$1/" } },
    // Packages and Node/Workers built-ins: the `forbidden` rules below say who may use which.
    { from: { path: "^src/" }, to: { dependencyTypesNot: ["local", "localmodule", "aliased"] } },
    ...Object.entries(MAY_IMPORT)
      .filter(([, targets]) => targets.length > 0)
      .map(([from, targets]) => ({ from: { path: pathOf(from) }, to: { path: targets.map(pathOf) } })),
    // The refresh orchestrates the other domains once the new version is in: the model carried to it,
    // every account's coverage, the reports' re-evaluation.
    {
      from: { path: "^src/attack/refresh\\." },
      to: { path: ["^src/models/", "^src/coverage/recompute\\.ts$", "^src/reports/reevaluation\\.service\\.ts$"] },
    },
    // The engine's registry is the one place that knows every kind of workflow.
    { from: { path: "^src/workflows/registry\\.ts$" }, to: { path: "^src/[^/]+/[^/]+\\.workflow\\.ts$" } },
  ],
  allowedSeverity: "error",
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A module that depends on itself through others: split it, or invert a dependency.",
      from: { path: "^src/" },
      to: { circular: true, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "drizzle-only-in-db",
      severity: "error",
      comment: "Queries live in db/repos; services call them.",
      from: { path: "^src/", pathNot: "^src/db/" },
      to: { path: "node_modules/drizzle-orm/" },
    },
    {
      name: "hono-only-in-adapters",
      severity: "error",
      comment: "Hono is the adapters' business (api/, http/, mcp/, app.ts); zod-openapi schemas are shared.",
      from: { path: "^src/", pathNot: "^src/(api/|http/|mcp/|app\\.ts$)" },
      to: { path: "node_modules/hono/" },
    },
    {
      name: "mcp-sdk-only-in-mcp",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/mcp/" },
      to: { path: "node_modules/@modelcontextprotocol/" },
    },
    {
      name: "analysis-is-pure",
      severity: "error",
      comment: "The mapping engine does no I/O: no package but zod, no Node or Workers built-in.",
      from: { path: "^src/analysis/" },
      to: { dependencyTypesNot: ["local"], pathNot: "node_modules/zod/" },
    },
    {
      name: "src-not-to-tests-or-scripts",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|scripts)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^worker-configuration\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
