/**
 * Reads never write: every GET route of the OpenAPI document and every read-only MCP tool, called
 * on seeded data, leaves what is stored exactly as it was. A new GET route or read-only tool fails
 * here until it is given its arguments below, so none escapes the check.
 */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { http, HttpResponse } from "msw";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAttackBundle } from "../src/attack/loader";
import { createDb } from "../src/db/client";
import { issueApiKey } from "../src/tenants/keys.service";
import {
  api,
  releaseIndex,
  callTool,
  connectMcp,
  driveWorkflow,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  relabelledBundle,
  streamOf,
  tenantDataDigest,
} from "./helpers";
import { useHandlers } from "./setup/msw";

// An index listing nothing newer: the refresh started below ends "up to date" at once.
useHandlers(http.get("https://attack-data.example.com/index.json", () => HttpResponse.json(releaseIndex([]))));

const RULE = `title: Encoded PowerShell
id: 77777777-7777-4777-8777-777777777777
status: test
tags:
  - attack.t1059.001
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|contains: '-enc'
  condition: selection
`;

let admin: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  await loadShippedAttackAndModel();
  // A second loaded version (inactive) for the changes routes.
  await loadAttackBundle(env.DB, streamOf(await relabelledBundle({ gzip: false })), { activate: "never" });
  const t = await newTenantKey("readers");
  // An operator key reaches every route and tool (the refresh ones included).
  admin = (await issueApiKey(createDb(env.DB), t.tenantId, "operator", "operator")).key;
  const account = await json<{ id: string }>(
    await postJson("/api/v1/accounts", admin, {
      name: "reads",
      provider: "aws",
      identifier: "123412341234",
      environment: "prod",
      criticality: "low",
    }),
  );
  ids.account = account.id;
  await postJson(`/api/v1/accounts/${account.id}/detections/import`, admin, {
    format: "sigma",
    files: [{ path: "r.yml", content: RULE }],
  });
  const report = await json<{ reportId: string }>(
    await postJson("/api/v1/analyze", admin, {
      text: "The actor ran encoded PowerShell commands to load its implant.",
    }),
  );
  ids.report = report.reportId;
  const analysis = await json<{ workflowId: string }>(
    await postJson("/api/v1/analyses", admin, { text: "Another report: the actor used PowerShell." }),
  );
  await driveWorkflow(analysis.workflowId);
  ids.analysis = analysis.workflowId;
  const refresh = await json<{ workflowId: string }>(await postJson("/api/v1/attack/refresh", admin, {}));
  await driveWorkflow(refresh.workflowId);
  ids.refresh = refresh.workflowId;
});

/** How to call each GET route: its path with parameters filled, and its query. */
function getRequest(path: string): string | undefined {
  const requests: Record<string, string> = {
    "/health": "/health",
    "/api/v1/attack/versions": "",
    "/api/v1/attack/techniques": "?q=powershell",
    "/api/v1/attack/techniques/{techniqueId}": "T1059.001",
    "/api/v1/attack/tactics": "",
    "/api/v1/attack/groups/{groupId}": "G0016",
    "/api/v1/attack/software/{softwareId}": "Mimikatz",
    "/api/v1/attack/campaigns/{campaignId}": "C0024",
    "/api/v1/attack/mitigations/{mitigationId}": "M1036?detail=true",
    "/api/v1/attack/techniques/{techniqueId}/procedures": "T1059.001?limit=100",
    "/api/v1/attack/changes": "?from=18.1&to=18.2",
    "/api/v1/attack/refresh/{refreshId}": ids.refresh ?? "",
    "/api/v1/keys": "",
    "/api/v1/audit": "",
    "/api/v1/analyses/{workflowId}": ids.analysis ?? "",
    "/api/v1/analyses/{workflowId}/events": ids.analysis ?? "",
    "/api/v1/analyses/{workflowId}/result": ids.analysis ?? "",
    "/api/v1/reports": "",
    "/api/v1/reports/search": "?q=powershell",
    "/api/v1/reports/{reportId}": ids.report ?? "",
    "/api/v1/reports/{reportId}/versions": ids.report ?? "",
    "/api/v1/reports/{reportId}/stix": ids.report ?? "",
    "/api/v1/reports/{reportId}/techniques.csv": ids.report ?? "",
    "/api/v1/reports/{reportId}/gaps": `${ids.report}?account=${ids.account}`,
    "/api/v1/reports/{reportId}/layer": `${ids.report}?account=${ids.account}`,
    "/api/v1/attack/groups/{groupId}/gaps": `G0016?account=${ids.account}`,
    "/api/v1/accounts": "",
  };
  if (path.startsWith("/api/v1/accounts/{accountId}")) return path.replace("{accountId}", ids.account ?? "");
  const filler = requests[path];
  if (filler === undefined) return undefined;
  if (filler.startsWith("/")) return filler;
  const [value, query] = filler.split("?") as [string, string | undefined];
  const filled = path.replace(/\{[^}]+\}/, value);
  return query === undefined ? filled : `${filled}?${query}`;
}

describe("a read never writes", () => {
  it("every GET route of the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await api("/openapi.json"));
    const gets = Object.entries(doc.paths)
      .filter(([, ops]) => "get" in ops)
      .map(([path]) => path);
    expect(
      gets.filter((p) => getRequest(p) === undefined),
      "GET routes with no arguments in reads.test.ts",
    ).toEqual([]);
    const before = await tenantDataDigest();
    for (const path of gets) {
      const res = await api(getRequest(path) ?? path, admin);
      expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
      await res.arrayBuffer();
    }
    expect(await tenantDataDigest()).toBe(before);
  });

  describe("every read-only MCP tool", () => {
    let client: Client;
    beforeAll(async () => {
      client = await connectMcp(admin);
    });
    afterAll(async () => {
      await client.close();
    });

    it("answers and leaves what is stored as it was", async () => {
      const args: Record<string, Record<string, unknown>> = {
        get_report: { report_id: ids.report },
        get_report_evidence: { report_id: ids.report },
        list_reports: {},
        search_reports: { query: "powershell" },
        get_analysis_status: { workflow_id: ids.analysis },
        search_techniques: { query: "powershell" },
        get_technique: { id: "T1059.001" },
        list_tactics: {},
        get_attack_object: { id: "S0154", detail: true },
        list_procedure_examples: { technique_id: "T1059.001" },
        get_attack_changes: { from: "18.1", to: "18.2" },
        get_coverage: { account_id: ids.account },
        list_gaps: { account_id: ids.account },
        list_accounts: {},
        list_mappings: { account_id: ids.account },
        list_detections: { account_id: ids.account },
        report_gap_analysis: { account_id: ids.account, report_id: ids.report },
        export: { account_id: ids.account, report_id: ids.report },
        get_detection_health: { account_id: ids.account },
        get_refresh_status: { workflow_id: ids.refresh },
      };
      const readOnly = (await client.listTools()).tools.filter((t) => t.annotations?.readOnlyHint === true);
      expect(
        readOnly.map((t) => t.name).filter((n) => !(n in args)),
        "read-only tools with no arguments here",
      ).toEqual([]);
      const before = await tenantDataDigest();
      for (const tool of readOnly) {
        const result = await callTool(client, tool.name, args[tool.name] ?? {});
        expect(result.isError, `${tool.name}: ${JSON.stringify(result.content)}`).toBeFalsy();
      }
      expect(await tenantDataDigest()).toBe(before);
    });
  });
});
