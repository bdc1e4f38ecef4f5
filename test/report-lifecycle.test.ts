/**
 * What users store, end to end: deleting a report leaves nothing of it behind (search included),
 * reports are found by their text within the caller's tenant only, hostile queries never 500, and
 * an analysis with store: false answers without storing anything.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import { createDb } from "../src/db/client";
import { searchChunks, storeReport, SEARCH_CHUNK } from "../src/reports/report-store";
import type { ReportHitT } from "../src/reports/reports.schemas";
import {
  api,
  callAnalyzeDocument,
  callTool,
  connectMcp,
  driveWorkflow,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  type ErrorBody,
  dataOf,
} from "./helpers";

const BODY = [
  "The threat actor sent spearphishing emails with malicious attachments to the victim's staff.",
  "A macro then launched PowerShell to download the quokkaloader implant from a remote server.",
  "For persistence the implant created a scheduled task.",
].join(" ");

interface SearchPage {
  items: ReportHitT[];
  hasMore: boolean;
  nextCursor: string | null;
}

let a: { key: string; tenantId: string };
let b: { key: string; tenantId: string };
beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("lifecycle-a");
  b = await newTenantKey("lifecycle-b");
});

const search = async (key: string, q: string, extra = ""): Promise<SearchPage> => {
  const res = await api(`/api/v1/reports/search?q=${encodeURIComponent(q)}${extra}`, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<SearchPage>(res);
};

/** Analyses and stores `text` (synchronous route): the answer, its report id checked. */
async function analyze(key: string, text: string, title: string): Promise<AnalysisOutputT & { reportId: string }> {
  const res = await postJson("/api/v1/analyze", key, { text, title });
  expect(res.status, await res.clone().text()).toBe(200);
  const out = await json<AnalysisOutputT>(res);
  expect(out.reportId).toEqual(expect.any(String));
  return { ...out, reportId: out.reportId ?? "" };
}

/** Every table but the audit log whose rows mention `id` anywhere. */
async function tablesMentioning(id: string): Promise<string[]> {
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'audit_log'`,
  ).all<{ name: string }>();
  const found: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    if (JSON.stringify(results).includes(id)) found.push(name);
  }
  return found;
}

describe("searching reports by their text", () => {
  it("cuts the text into chunks at whitespace, never inside a word, losing nothing", () => {
    const text = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" \n");
    const parts = searchChunks(text, 50);
    expect(parts.join("")).toBe(text);
    expect(parts.every((p) => p.length <= 50)).toBe(true);
    const words = new Set(text.split(/\s+/));
    for (const p of parts) for (const w of p.split(/\s+/).filter(Boolean)) expect(words.has(w), w).toBe(true);
    // A run with no whitespace is cut where it must be.
    expect(searchChunks("x".repeat(120), 50).map((p) => p.length)).toEqual([50, 50, 20]);
    expect(searchChunks("")).toEqual([]);
  });

  it("finds a report by a word only in its body, with a snippet, and only for its tenant", async () => {
    const out = await analyze(a.key, BODY, "Lifecycle report one");
    const page = await search(a.key, "quokkaloader");
    expect(page.items.map((h) => h.id)).toEqual([out.reportId]);
    expect(page.items[0]).toMatchObject({ title: "Lifecycle report one", sourceType: "text" });
    expect(page.items[0]?.snippet).toContain("**quokkaloader**");
    expect(page.items[0]?.snippet.length).toBeLessThan(300);
    expect(page).toMatchObject({ hasMore: false, nextCursor: null });
    // Another tenant's search does not see it, whatever it asks.
    expect((await search(b.key, "quokkaloader")).items).toEqual([]);
    expect((await search(b.key, a.tenantId)).items).toEqual([]);
    // Nor does it find tenant A's report by naming A's tenant id in the words.
    expect((await search(a.key, a.tenantId)).items).toEqual([]);
  });

  it("finds a long document by a word in its last chunk, and pages", async () => {
    const filler = "lorem ipsum dolor sit amet consectetur adipiscing elit ".repeat(Math.ceil((3 * SEARCH_CHUNK) / 55));
    const text = `${filler} the final chapter names the wombatcrypt ransomware.`;
    const db = createDb(env.DB);
    const stored = [];
    for (const title of ["long one", "long two"]) {
      stored.push(
        await storeReport(db, {
          tenantId: a.tenantId,
          source: "text",
          title,
          text,
          contentHash: crypto.randomUUID(),
          attackVersion: "18.1",
          modelId: "test",
          kind: "text",
          result: { attackVersion: "18.1", sentences: 1, techniques: [] },
        }),
      );
    }
    const { results } = await env.DB.prepare("SELECT seq FROM report_text WHERE report_id = ? ORDER BY seq")
      .bind(stored[0]?.id)
      .all<{ seq: number }>();
    expect(results.length).toBeGreaterThanOrEqual(4);
    const first = await search(a.key, "wombatcrypt", "&limit=1");
    expect(first.items.map((h) => h.id)).toEqual([stored[1]?.id]);
    expect(first.items[0]?.snippet).toContain("**wombatcrypt**");
    expect(first.hasMore).toBe(true);
    const second = await search(a.key, "wombatcrypt", `&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((h) => h.id)).toEqual([stored[0]?.id]);
    expect(second.hasMore).toBe(false);
  });

  it("answers hostile or empty queries with results or a 400, never a 500", async () => {
    const hostile = [
      '"',
      "'",
      "*",
      "NEAR(",
      "quokkaloader OR",
      ") AND (",
      "body: quokkaloader",
      "tenant_id : x",
      "^quokka",
      "-quokkaloader",
      '"unterminated phrase',
      "\\",
      "%_",
      "'; DROP TABLE reports; --",
      "quokka*",
      "{body}: x",
      "x".repeat(500),
      "🦘 émoji ünïcode",
      "NOT AND OR NEAR",
    ];
    for (const q of hostile) {
      const res = await api(`/api/v1/reports/search?q=${encodeURIComponent(q)}`, a.key);
      expect([200, 400], `${q} → ${res.status}`).toContain(res.status);
      await res.arrayBuffer();
    }
    for (const q of ["", "   ", "!!!", '"*"']) {
      const res = await api(`/api/v1/reports/search?q=${encodeURIComponent(q)}`, a.key);
      expect(res.status, q).toBe(400);
      expect((await json<ErrorBody>(res)).error.code).toBeTruthy();
    }
    expect((await api("/api/v1/reports/search", a.key)).status).toBe(400);
    // FTS syntax in the input is inert: quotes, a minus (not NOT) and a column filter are not obeyed.
    for (const q of ['"quokkaloader"', "-quokkaloader", "(quokkaloader)", "NOT quokkaloader"])
      expect((await search(a.key, q)).items, q).toHaveLength(q.startsWith("NOT") ? 0 : 1);
  });
});

describe("deleting a report", () => {
  it("removes every version, matches, feedback, text, index and its analyses, and is audited", async () => {
    const started = await json<{ workflowId: string }>(
      await postJson("/api/v1/analyses", a.key, { text: `${BODY} Also seen: platypusrat.`, title: "to delete" }),
    );
    await driveWorkflow(started.workflowId);
    const status = await json<{ reportId: string }>(await api(`/api/v1/analyses/${started.workflowId}`, a.key));
    const id = status.reportId;
    const report = await json<{ techniques: { matchId: string }[]; contentHash: string }>(
      await api(`/api/v1/reports/${id}`, a.key),
    );
    const matchId = report.techniques[0]?.matchId ?? "";
    expect(
      (await postJson(`/api/v1/reports/${id}/matches/${matchId}/feedback`, a.key, { verdict: "accept" })).status,
    ).toBe(201);
    // A second version (as a re-evaluation stores it), the text taken over by it.
    const v2 = await storeReport(createDb(env.DB), {
      tenantId: a.tenantId,
      source: "text",
      title: "to delete",
      text: `${BODY} Also seen: platypusrat.`,
      contentHash: report.contentHash,
      attackVersion: "18.1",
      modelId: "test",
      kind: "text",
      result: { attackVersion: "18.1", sentences: 1, techniques: [] },
      version: {
        previous: { id, rootReportId: null, versionNumber: 1 },
        changes: null,
        carried: [],
        documentChunks: [],
      },
    });
    expect((await search(a.key, "platypusrat")).items.map((h) => h.id)).toEqual([v2.id]);
    expect(await tablesMentioning(id)).toEqual(
      expect.arrayContaining(["reports", "matches", "match_feedback", "report_documents", "workflows"]),
    );

    expect(await env.WORKFLOWS.get(env.WORKFLOWS.idFromName(started.workflowId)).state()).not.toBeNull();
    // Another tenant cannot delete it; an unknown id is a 404 too.
    expect((await api(`/api/v1/reports/${id}`, b.key, { method: "DELETE" })).status).toBe(404);
    expect((await api(`/api/v1/reports/${crypto.randomUUID()}`, a.key, { method: "DELETE" })).status).toBe(404);

    const res = await api(`/api/v1/reports/${id}`, a.key, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await json<{ id: string; deletedVersions: string[] }>(res)).toEqual({
      id,
      deletedVersions: expect.arrayContaining([id, v2.id]) as string[],
    });
    expect(await tablesMentioning(id)).toEqual([]);
    expect(await tablesMentioning(v2.id)).toEqual([]);
    expect(await tablesMentioning(started.workflowId)).toEqual([]);
    expect((await search(a.key, "platypusrat")).items).toEqual([]);
    const fts = await env.DB.prepare(
      "SELECT count(*) AS n FROM report_text_fts WHERE report_text_fts MATCH 'platypusrat'",
    ).first<{ n: number }>();
    expect(fts?.n).toBe(0);
    expect((await api(`/api/v1/reports/${v2.id}`, a.key)).status).toBe(404);
    expect((await api(`/api/v1/analyses/${started.workflowId}`, a.key)).status).toBe(404);
    // The workflow's Durable Object forgot it too (its state named the title).
    expect(await env.WORKFLOWS.get(env.WORKFLOWS.idFromName(started.workflowId)).state()).toBeNull();
    expect((await api(`/api/v1/reports/${id}`, a.key, { method: "DELETE" })).status).toBe(404);

    const audit = await json<{ items: { action: string; target: string | null; outcome: string }[] }>(
      await api("/api/v1/audit", a.key),
    );
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        action: "DELETE /api/v1/reports/:reportId",
        target: `/api/v1/reports/${id}`,
        outcome: "success",
      }),
    );
  });

  it("over MCP: search_reports finds it, delete_report deletes it (audited), then neither finds it", async () => {
    const out = await analyze(a.key, `${BODY} The echidnaworm spread laterally.`, "mcp delete");
    const client = await connectMcp(a.key);
    try {
      const found = await callTool(client, "search_reports", { query: "echidnaworm" });
      expect((dataOf(found) as SearchPage).items.map((h) => h.id)).toEqual([out.reportId]);
      const other = await connectMcp(b.key);
      const refused = await callTool(other, "delete_report", { report_id: out.reportId });
      await other.close();
      expect(refused.isError).toBe(true);
      const deleted = await callTool(client, "delete_report", { report_id: out.reportId });
      expect(deleted.isError).toBeFalsy();
      expect(dataOf(deleted)).toEqual({ id: out.reportId, deletedVersions: [out.reportId] });
      const after = await callTool(client, "search_reports", { query: "echidnaworm" });
      expect((dataOf(after) as SearchPage).items).toEqual([]);
      const empty = await callTool(client, "search_reports", { query: "??" });
      expect(empty.isError).toBe(true);
    } finally {
      await client.close();
    }
    expect(await tablesMentioning(out.reportId)).toEqual([]);
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE tenant_id = ? AND target = ?")
      .bind(a.tenantId, out.reportId)
      .all();
    expect(audit.results).toEqual([{ action: "mcp:delete_report", outcome: "success" }]);
  });
});

describe("analysing without storing (store: false)", () => {
  const text = (word: string) => `${BODY} The ${word} backdoor beaconed over HTTPS.`;
  const stored = async () =>
    env.DB.prepare(
      `SELECT (SELECT count(*) FROM reports WHERE tenant_id = ?1) + (SELECT count(*) FROM matches WHERE tenant_id = ?1)
        + (SELECT count(*) FROM report_documents WHERE tenant_id = ?1) + (SELECT count(*) FROM report_text WHERE tenant_id = ?1) AS n`,
    )
      .bind(a.tenantId)
      .first<{ n: number }>();

  it("synchronously: answers the techniques and evidence, stores no report, matches or text", async () => {
    const before = await stored();
    const res = await postJson("/api/v1/analyze", a.key, { text: text("numbatdoor"), store: false });
    expect(res.status).toBe(200);
    const out = await json<AnalysisOutputT>(res);
    expect(out).toMatchObject({ reportId: null, duplicate: false, attackVersion: "18.1" });
    expect(out.techniques.map((t) => t.id)).toContain("T1059.001");
    expect(out.techniques.every((t) => t.evidence.length > 0 && t.matchId === undefined)).toBe(true);
    // The raw-body form takes store as a query parameter.
    const raw = await api("/api/v1/analyze?store=false", a.key, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: text("numbatdoor"),
    });
    expect((await json<AnalysisOutputT>(raw)).reportId).toBeNull();
    expect(await stored()).toEqual(before);
    expect(await tablesMentioning("numbatdoor")).toEqual([]);
    expect((await search(a.key, "numbatdoor")).items).toEqual([]);
  });

  it("analyses again a text already stored, still storing nothing", async () => {
    const first = await analyze(a.key, text("bilbyshell"), "stored once");
    const again = await json<AnalysisOutputT>(
      await postJson("/api/v1/analyze", a.key, { text: text("bilbyshell"), store: false }),
    );
    expect(again.reportId).toBeNull();
    expect(again.techniques.map((t) => t.id)).toEqual(first.techniques.map((t) => t.id));
  });

  it("asynchronously: the workflow keeps the result (nothing in D1) until it expires", async () => {
    const before = await stored();
    const start = async () =>
      (
        await json<{ workflowId: string }>(
          await postJson("/api/v1/analyses", a.key, { text: text("dingorat"), store: false }),
        )
      ).workflowId;
    const id = await start();
    expect((await api(`/api/v1/analyses/${id}/result`, a.key)).status).toBe(409);
    await driveWorkflow(id);
    const status = await json<{ status: string; reportId: string | null }>(await api(`/api/v1/analyses/${id}`, a.key));
    expect(status).toMatchObject({ status: "completed", reportId: null });
    const res = await api(`/api/v1/analyses/${id}/result`, a.key);
    expect(res.status).toBe(200);
    const out = await json<AnalysisOutputT>(res);
    expect(out).toMatchObject({ reportId: null, attackVersion: "18.1" });
    expect(out.techniques.map((t) => t.id)).toContain("T1059.001");
    expect((await api(`/api/v1/analyses/${id}/result`, b.key)).status).toBe(404);
    expect(await stored()).toEqual(before);
    expect(await tablesMentioning("dingorat")).toEqual([]);
    // Its expiry is the ended workflow's alarm: fired, the result is gone.
    expect(await runDurableObjectAlarm(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id)))).toBe(true);
    const gone = await api(`/api/v1/analyses/${id}/result`, a.key);
    expect(gone.status).toBe(404);
    expect((await json<ErrorBody>(gone)).error.message).toMatch(/kept 24 h/);
  });

  it("a stored analysis's result is its report's techniques", async () => {
    const { workflowId } = await json<{ workflowId: string }>(
      await postJson("/api/v1/analyses", a.key, { text: text("quollkit") }),
    );
    await driveWorkflow(workflowId);
    const out = await json<AnalysisOutputT>(await api(`/api/v1/analyses/${workflowId}/result`, a.key));
    expect(out.reportId).toEqual(expect.any(String));
    expect(out.techniques[0]?.matchId).toEqual(expect.any(String));
  });

  it("over MCP: analyze_document with store false answers the techniques and no report", async () => {
    const before = await stored();
    const client = await connectMcp(a.key);
    try {
      const { result } = await callAnalyzeDocument(client, { text: text("wallabyspy"), store: false });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const out = dataOf(result) as {
        status: string;
        reportId: string | null;
        techniques: (string | number)[][];
        evidence: { technique: string; text: string }[];
      };
      expect(out).toMatchObject({ status: "completed", reportId: null });
      expect(out.techniques.map((t) => t[0])).toContain("T1059.001");
      // Nothing is kept to read later, so the supporting text comes with the answer.
      expect(out.evidence.map((e) => e.technique)).toEqual(out.techniques.map((t) => t[0]));
      expect(out.evidence.find((e) => e.technique === "T1059.001")?.text).toMatch(/wallabyspy|PowerShell/i);
    } finally {
      await client.close();
    }
    expect(await stored()).toEqual(before);
    expect(await tablesMentioning("wallabyspy")).toEqual([]);
  });
});
