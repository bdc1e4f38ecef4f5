/**
 * The isolation battery's registry: how to make, under tenant A, an object for every id parameter
 * a route or tool can take, and what to send to routes and tools that need more than ids. The
 * battery enumerates routes from the OpenAPI document and tools from tools/list and fails on an id
 * parameter, a request body or a tool argument it finds nothing for here: a new route or tool is
 * covered by being registered. Routes outside the OpenAPI document (a later console) are listed in
 * EXTRA_ROUTES and go through the same checks.
 */

import { sigma } from "../coverage-fixtures";

/** What tenant A owns once seeded (see isolation.test.ts). */
export interface Seeded {
  tenantId: string;
  accountId: string;
  detectionId: string;
  mappingId: string;
  reportId: string;
  matchId: string;
  workflowId: string;
  keyId: string;
}

export interface Seeder {
  /** True for tenant data; false for the shared ATT&CK catalogue, which every tenant may read. */
  owned: boolean;
  value(seeded: Seeded): string;
}

/** By id-parameter name, camelCase; MCP arguments are matched in snake_case (`report_id` → reportId). */
export const SEEDERS: Record<string, Seeder> = {
  tenantId: { owned: true, value: (s) => s.tenantId },
  accountId: { owned: true, value: (s) => s.accountId },
  detectionId: { owned: true, value: (s) => s.detectionId },
  mappingId: { owned: true, value: (s) => s.mappingId },
  reportId: { owned: true, value: (s) => s.reportId },
  matchId: { owned: true, value: (s) => s.matchId },
  workflowId: { owned: true, value: (s) => s.workflowId },
  keyId: { owned: true, value: (s) => s.keyId },
  techniqueId: { owned: false, value: () => "T1059.001" },
  // An ATT&CK refresh belongs to the deployment (operator keys), not to a tenant.
  refreshId: { owned: false, value: () => crypto.randomUUID() },
  groupId: { owned: false, value: () => "G0016" },
  softwareId: { owned: false, value: () => "S0002" },
  campaignId: { owned: false, value: () => "C0024" },
  mitigationId: { owned: false, value: () => "M1036" },
  // A caller-chosen label of an import run, not an object the server keeps an id for.
  scanId: { owned: false, value: () => "5ca7b5ca-0000-4000-8000-000000000001" },
  // Query parameters and tool arguments that hold ids under a shorter name.
  account: { owned: true, value: (s) => s.accountId },
  group: { owned: false, value: () => "G0016" },
};

/** Tool arguments named plainly `id`: what they are, by tool. */
export const TOOL_ID_ALIASES: Record<string, string> = {
  get_technique: "techniqueId",
  get_attack_object: "groupId",
};

/** A parameter is an id when its name says so. */
export const isIdName = (name: string) => /(^id$|Id$|_id$)/.test(name) || name in SEEDERS;

export const camelOf = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export const RULE = sigma("88888888-8888-4888-8888-888888888888", "Isolation battery rule", ["attack.t1059.001"]);

/** Bodies of routes that take ids and a body, by `METHOD /path` as the OpenAPI document writes it. */
export const BODIES: Record<string, unknown> = {
  "POST /api/v1/accounts/{accountId}/detections/import": {
    format: "sigma",
    files: [{ path: "battery.yml", content: RULE }],
  },
  "PATCH /api/v1/accounts/{accountId}": { platforms: ["Windows"], criticality: "low" },
  "PUT /api/v1/accounts/{accountId}/mappings/{mappingId}": { validation: "disputed", rationale: "battery" },
  "PATCH /api/v1/accounts/{accountId}/mappings/{mappingId}": { validation: "disputed", rationale: "battery" },
  "PUT /api/v1/accounts/{accountId}/detections/{detectionId}/health": { status: "broken", issues: ["battery"] },
  "PUT /api/v1/accounts/{accountId}/gaps/{techniqueId}/status": { status: "accepted_risk", reason: "battery" },
  "POST /api/v1/reports/{reportId}/techniques": { technique: "T1059.001", evidence: "PowerShell" },
  "POST /api/v1/reports/{reportId}/matches/{matchId}/feedback": { verdict: "reject", comment: "battery" },
  // Takes only its id: B's keys must get a 404 and A's report must survive.
  "DELETE /api/v1/reports/{reportId}": undefined,
  "POST /api/v1/analyses/{workflowId}/cancel": {},
  "DELETE /api/v1/keys/{keyId}": undefined,
  "POST /api/v1/webhooks/documents/{tenantId}": { text: "The actor ran PowerShell." },
};

/** Arguments, besides ids, of tools that take ids. */
export const TOOL_ARGS: Record<string, Record<string, unknown>> = {
  import_detections: { format: "sigma", files: [{ path: "battery.yml", content: RULE }] },
  submit_match_feedback: { verdict: "reject" },
  review_mapping: { validation: "disputed" },
  update_account: { platforms: ["Windows"], criticality: "low" },
  set_gap_status: { status: "accepted_risk", reason: "battery" },
  add_technique: { evidence: "PowerShell" },
  get_detection_health: {},
  // The fullest answers: filters that match A's seeded rule, and every detail.
  list_detections: { technique: "T1059.001", enabled: true },
  list_mappings: { method: "tag" },
  report_gap_analysis: { detail: true },
};

/**
 * Arguments of tools that take no ids but need more than their defaults: what the size budgets
 * (mcp-budgets.test.ts) call them with. A tool with a required argument found nowhere here fails them.
 */
export const PLAIN_TOOL_ARGS: Record<string, Record<string, unknown>> = {
  search_techniques: { query: "credential dumping" },
  search_reports: { query: "powershell" },
  analyze_document: { text: "The actor ran encoded PowerShell commands.", wait_seconds: 0 },
  get_attack_changes: { from: "18.1", to: "18.1" },
  // A getter: each call registers a new account (identifiers are unique per tenant).
  get create_account() {
    return {
      name: "budget account",
      provider: "aws",
      identifier: String(Math.floor(Math.random() * 1e12)).padStart(12, "0"),
      environment: "prod",
      criticality: "high",
    };
  },
};

/**
 * Optional id arguments a tool's default call gives (the size budgets call with required ids only):
 * for tools that need one of several ids, or whose main use needs an optional one.
 */
export const DEFAULT_IDS: Record<string, string[]> = {
  report_gap_analysis: ["report_id"],
  export: ["account_id"],
};

interface ListedTool {
  name: string;
  inputSchema: { properties?: Record<string, unknown>; required?: string[] };
}

/**
 * A tool's arguments with the seeded ids filled in (all of them, or with `defaultsOnly` the required
 * ones and DEFAULT_IDS), or what the registry lacks to call it. `owned` says whether any id
 * argument is tenant data (the isolation battery calls only those).
 */
export function toolCall(
  tool: ListedTool,
  seeded: Seeded,
  options: { defaultsOnly?: boolean } = {},
): { args: Record<string, unknown>; owned: boolean } | { missing: string } {
  const props = Object.keys(tool.inputSchema.properties ?? {});
  const idArgs = props
    .map((p) => ({ arg: p, kind: p === "id" ? TOOL_ID_ALIASES[tool.name] : camelOf(p) }))
    .filter(({ arg, kind }) => arg === "id" || isIdName(arg) || (kind !== undefined && isIdName(kind)));
  const unknown = idArgs.filter(({ kind }) => kind === undefined || !SEEDERS[kind]);
  if (unknown.length > 0) return { missing: `${tool.name}: no seeder for ${unknown.map((u) => u.arg).join(", ")}` };
  const required = new Set(tool.inputSchema.required ?? []);
  // A default call gives only what the tool requires: TOOL_ARGS' optional extras are the battery's.
  const extras = Object.entries(TOOL_ARGS[tool.name] ?? {}).filter(([k]) => !options.defaultsOnly || required.has(k));
  const args: Record<string, unknown> = { ...PLAIN_TOOL_ARGS[tool.name], ...Object.fromEntries(extras) };
  const givenIds = new Set([...required, ...(DEFAULT_IDS[tool.name] ?? [])]);
  for (const { arg, kind } of idArgs) {
    if (!options.defaultsOnly || givenIds.has(arg)) args[arg] = SEEDERS[kind ?? ""]?.value(seeded);
  }
  const lacking = (tool.inputSchema.required ?? []).filter((r) => !(r in args));
  if (lacking.length > 0) return { missing: `${tool.name}: no value in TOOL_ARGS for ${lacking.join(", ")}` };
  return { args, owned: idArgs.some(({ kind }) => kind !== undefined && SEEDERS[kind]?.owned) };
}

/** Routes served outside the OpenAPI document, in its shape: `METHOD /path` with `{param}`s. */
export const EXTRA_ROUTES: string[] = [];
