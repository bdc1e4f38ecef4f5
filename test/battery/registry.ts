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
  // A caller-chosen label of an import run, not an object the server keeps an id for.
  scanId: { owned: false, value: () => "battery-scan" },
  // Query parameters and tool arguments that hold ids under a shorter name.
  account: { owned: true, value: (s) => s.accountId },
  group: { owned: false, value: () => "G0016" },
};

/** Tool arguments named plainly `id`: what they are, by tool. */
export const TOOL_ID_ALIASES: Record<string, string> = {
  get_technique: "techniqueId",
  get_group: "groupId",
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
  "PUT /api/v1/accounts/{accountId}/mappings/{mappingId}": { validation: "disputed", rationale: "battery" },
  "PATCH /api/v1/accounts/{accountId}/mappings/{mappingId}": { validation: "disputed", rationale: "battery" },
  "PUT /api/v1/accounts/{accountId}/detections/{detectionId}/health": { status: "broken", issues: ["battery"] },
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
  get_detection_health: {},
};

/** Routes served outside the OpenAPI document, in its shape: `METHOD /path` with `{param}`s. */
export const EXTRA_ROUTES: string[] = [];
