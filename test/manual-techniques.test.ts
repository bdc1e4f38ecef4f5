/**
 * Techniques an analyst adds to a report (reports/manual-techniques.service.ts): stored as a
 * `manual` match with the span found in the retained text, shown by get_report, audited, refused
 * when unknown, absent from the text or already there, and collected by model:build's feedback
 * export (feedbackExamples → analystExample) as a positive example.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, beforeAll } from "vitest";
import { analystExample } from "../src/analysis/examples";
import { createDb } from "../src/db/client";
import { feedbackExamples } from "../src/db/repos/feedback";
import {
  api,
  callTool,
  connectMcp,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  type ErrorBody,
  dataOf,
} from "./helpers";

const TEXT =
  "The actor ran encoded PowerShell commands to load its implant. Afterwards the operators moved " +
  "between hosts and left a ransom note on every file server they could reach.";
const SPAN = "left a ransom\n  note on every file server";
/** Techniques the span could show; the test adds the first the analysis did not find. */
const CANDIDATES = ["T1486", "T1491.001", "T1657", "T1485"];

interface Finding {
  id: string;
  method: string;
  confidence: number;
  evidence: { text: string; start: number; end: number }[];
  note?: string;
  matchId: string;
}
interface ReportView {
  techniqueCount: number;
  techniques: Finding[];
}

let key: string;
let tenantId: string;
let reportId: string;
let technique: string;
let found: Finding[];

beforeAll(async () => {
  await loadShippedAttackAndModel();
  ({ key, tenantId } = await newTenantKey("manual-techniques", "admin"));
  const analysed = await json<{ reportId: string }>(await postJson("/api/v1/analyze", key, { text: TEXT }));
  reportId = analysed.reportId;
  found = (await json<ReportView>(await api(`/api/v1/reports/${reportId}`, key))).techniques;
  expect(found.length).toBeGreaterThan(0);
  technique = CANDIDATES.find((c) => !found.some((t) => t.id === c)) ?? "";
  expect(technique).not.toBe("");
});

const add = (body: unknown) => postJson(`/api/v1/reports/${reportId}/techniques`, key, body);

async function refused(body: unknown, status: number): Promise<string> {
  const res = await add(body);
  expect(res.status).toBe(status);
  return (await json<ErrorBody>(res)).error.message;
}

describe("adding a technique a report missed", () => {
  it("stores a manual match on the span as the report's text has it, shown by the report and audited", async () => {
    const before = (await json<ReportView>(await api(`/api/v1/reports/${reportId}`, key))).techniqueCount;
    const res = await add({ technique: technique.toLowerCase(), evidence: SPAN, comment: "ransom note = impact" });
    expect(res.status, await res.clone().text()).toBe(201);
    const added = await json<{
      reportId: string;
      matchId: string;
      id: string;
      method: string;
      evidence: Finding["evidence"][0];
    }>(res);
    const start = TEXT.indexOf("left a ransom note");
    expect(added).toMatchObject({
      reportId,
      id: technique,
      method: "manual",
      evidence: { text: "left a ransom note on every file server", start, end: start + 39 },
    });

    const report = await json<ReportView>(await api(`/api/v1/reports/${reportId}`, key));
    expect(report.techniqueCount).toBe(before + 1);
    expect(report.techniques.find((t) => t.id === technique)).toEqual(
      expect.objectContaining({
        method: "manual",
        confidence: 1,
        note: "ransom note = impact",
        matchId: added.matchId,
        evidence: [added.evidence],
      }),
    );
    const client = await connectMcp(key);
    const rows = dataOf(await callTool(client, "get_report", { report_id: reportId })) as {
      techniques: (string | number)[][];
    };
    expect(rows.techniques.map((r) => r[0])).toContain(technique);
    const evidence = dataOf(await callTool(client, "get_report_evidence", { report_id: reportId, technique })) as {
      items: { method: string; text: string }[];
    };
    await client.close();
    expect(evidence.items).toEqual([expect.objectContaining({ method: "manual", text: added.evidence.text })]);

    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE tenant_id = ? AND target = ?")
      .bind(tenantId, `/api/v1/reports/${reportId}/techniques`)
      .all();
    expect(audit.results).toEqual([{ action: "POST /api/v1/reports/:reportId/techniques", outcome: "success" }]);
  });

  it("refuses an unknown technique, text the report lacks and a technique already there", async () => {
    expect(await refused({ technique: "T9999", evidence: "ransom note" }, 400)).toMatch(
      /T9999 is not a technique of ATT&CK 18\.1/,
    );
    expect(await refused({ technique: "phishing", evidence: "ransom note" }, 400)).toMatch(
      /'phishing' is not an ATT&CK technique id/,
    );
    expect(await refused({ technique: "T1490", evidence: "deleted the shadow copies" }, 400)).toMatch(
      /does not occur in the text of report/,
    );
    // Twice is a conflict (the first stays as it was), and so is one the analysis found.
    expect(await refused({ technique, evidence: "ransom note" }, 409)).toMatch(/already in report .*method manual/);
    const model = found[0] as Finding;
    expect(await refused({ technique: model.id, evidence: "ransom note" }, 409)).toMatch(
      new RegExp(`${model.id} is already in report .*match ${model.matchId}.*accept`),
    );
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM matches WHERE report_id = ? AND technique_id = ?")
      .bind(reportId, technique)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("reaches model:build's feedback as a positive example, until an analyst rejects it", async () => {
    const db = createDb(env.DB);
    const example = { text: "left a ransom note on every file server", techniqueId: technique, source: "manual" };
    expect(await feedbackExamples(db, { tenantId })).toContainEqual(expect.objectContaining(example));
    const all = await feedbackExamples(db, "all-tenants");
    const manual = all.filter((e) => e.source === "manual" && e.techniqueId === technique);
    expect(manual).toHaveLength(1);
    expect(analystExample(manual[0] as (typeof manual)[0])).toEqual({
      text: example.text,
      labels: [technique],
      weight: 2,
    });

    // A verdict on the added match replaces it in the export: rejected, it teaches the negative.
    const report = await json<ReportView>(await api(`/api/v1/reports/${reportId}`, key));
    const matchId = report.techniques.find((t) => t.id === technique)?.matchId ?? "";
    expect(
      (await postJson(`/api/v1/reports/${reportId}/matches/${matchId}/feedback`, key, { verdict: "reject" })).status,
    ).toBe(201);
    const after = await feedbackExamples(db, { tenantId });
    expect(after.filter((e) => e.techniqueId === technique)).toEqual([
      expect.objectContaining({ source: "feedback", verdict: "reject" }),
    ]);
    expect(analystExample(after.find((e) => e.techniqueId === technique) as (typeof after)[0]).labels).toEqual([]);
  });

  it("over MCP: add_technique adds one and says what to do with an unknown id", async () => {
    const client = await connectMcp(key);
    const other = CANDIDATES.find((c) => c !== technique && !found.some((t) => t.id === c)) ?? "";
    const ok = await callTool(client, "add_technique", {
      report_id: reportId,
      technique_id: other,
      evidence: "moved between hosts",
    });
    expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
    expect(dataOf(ok)).toMatchObject({
      id: other,
      method: "manual",
      evidence: { text: "moved between hosts" },
    });
    const bad = await callTool(client, "add_technique", {
      report_id: reportId,
      technique_id: "T9998",
      evidence: "moved",
    });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/T9998 is not a technique/);
    await client.close();
    const audit = await env.DB.prepare(
      "SELECT outcome FROM audit_log WHERE tenant_id = ? AND action = 'mcp:add_technique' ORDER BY id",
    )
      .bind(tenantId)
      .all();
    expect(audit.results).toEqual([{ outcome: "success" }, { outcome: "failure" }]);
  });
});
