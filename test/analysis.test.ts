import { env } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { feedbackExamples } from "../src/db/repos/feedback";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import type { ReportT } from "../src/reports/reports.schemas";
import type { WorkflowStatusT } from "../src/workflows/workflow.schemas";
import {
  api,
  documentFixture,
  driveWorkflow,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  publicDnsHandler,
  type ErrorBody,
} from "./helpers";
import { useHandlers } from "./setup/msw";

const REPORT_TEXT = [
  "The threat actor sent spearphishing emails with malicious Word attachments to employees of the victim.",
  "When opened, a macro launched PowerShell to download the second stage payload from a remote server.",
  "For persistence the malware created a scheduled task that runs every hour.",
  "The operators then used Mimikatz to dump credentials from LSASS memory.",
].join(" ");

useHandlers(
  publicDnsHandler,
  http.get("https://intel.example.com/report.html", () =>
    HttpResponse.html(
      `<html><head><title>Intel report</title></head><body><nav>Home</nav><p>${REPORT_TEXT}</p><p>Seen on the web.</p></body></html>`,
    ),
  ),
);

let key: string;
let tenantId: string;
beforeAll(async () => {
  await loadShippedAttackAndModel();
  ({ key, tenantId } = await newTenantKey("analysts"));
});

async function startAndFinish(body: unknown): Promise<WorkflowStatusT> {
  const res = await postJson("/api/v1/analyses", key, body);
  expect(res.status).toBe(202);
  const { workflowId } = await json<{ workflowId: string }>(res);
  await driveWorkflow(workflowId);
  return json<WorkflowStatusT>(await api(`/api/v1/analyses/${workflowId}`, key));
}

describe("analysis end to end", () => {
  it("turns text into a stored report with evidence", async () => {
    const status = await startAndFinish({ text: REPORT_TEXT, title: "text report" });
    expect(status.status).toBe("completed");
    expect(status.steps.map((s) => s.step)).toEqual(["extract", "analyze", "persist"]);
    const report = await json<ReportT>(await api(`/api/v1/reports/${status.reportId}`, key));
    const ids = report.techniques.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(["T1566.001", "T1059.001", "T1053.005", "T1003.001"]));
    for (const t of report.techniques) {
      expect(t.evidence.length).toBeGreaterThan(0);
      for (const e of t.evidence) expect(REPORT_TEXT.slice(e.start, e.end)).toBe(e.text);
    }
    expect(report.tactics.map((t) => t.shortname)).toEqual(
      expect.arrayContaining(["initial-access", "persistence", "credential-access"]),
    );
  });

  it("fetches a URL and analyses the page", async () => {
    const status = await startAndFinish({ url: "https://intel.example.com/report.html" });
    expect(status.status).toBe("completed");
    expect(status.steps.map((s) => s.step)).toEqual(["fetch", "extract", "analyze", "persist"]);
    const report = await json<ReportT>(await api(`/api/v1/reports/${status.reportId}`, key));
    expect(report).toMatchObject({
      sourceType: "url",
      sourceUrl: "https://intel.example.com/report.html",
      title: "Intel report",
    });
    expect(report.techniques.map((t) => t.id)).toContain("T1053.005");
  });

  it("analyses a PDF sent as base64 content", async () => {
    const pdf = await documentFixture("report.pdf");
    const content = btoa(String.fromCharCode(...pdf));
    const status = await startAndFinish({ content, contentType: "application/pdf" });
    expect(status.status, status.error ?? "").toBe("completed");
    const report = await json<ReportT>(await api(`/api/v1/reports/${status.reportId}`, key));
    expect(report.sourceType).toBe("pdf");
    // The PDF names T1566.001 explicitly (test/fixtures/documents/report.pdf).
    expect(report.techniques.map((t) => t.id)).toContain("T1566.001");
  });

  it("analyses raw HTML sent as the request body, synchronously", async () => {
    const res = await api("/api/v1/analyze?title=raw", key, {
      method: "POST",
      headers: { "content-type": "text/html" },
      body: `<html><body><script>x()</script><h1>Campaign</h1><ul><li>${REPORT_TEXT}</li></ul></body></html>`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const out = await json<AnalysisOutputT>(res);
    expect(out.attackVersion).toBe("18.1");
    expect(out.techniques.map((t) => t.id)).toContain("T1566.001");
    const report = await json<ReportT>(await api(`/api/v1/reports/${out.reportId}`, key));
    expect(report.sourceType).toBe("html");
  });
});

describe("a technique named hundreds of thousands of times", () => {
  it("is analysed (its evidence used to be spread as arguments and overflow the stack)", async () => {
    const status = await startAndFinish({ text: "T1059.001 ".repeat(400_000) });
    expect(status.status, status.error ?? "").toBe("completed");
    const report = await json<ReportT>(await api(`/api/v1/reports/${status.reportId}`, key));
    expect(report.techniques.map((t) => t.id)).toContain("T1059.001");
  });
});

describe("bad input gets a clear error and stores nothing", () => {
  async function reportCount(): Promise<number> {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM reports").first<{ n: number }>();
    return row?.n ?? 0;
  }

  it.each([
    ["an empty text", () => postJson("/api/v1/analyses", key, { text: "   " }), 422, "empty_document"],
    [
      "invalid JSON",
      () =>
        api("/api/v1/analyses", key, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"text": ',
        }),
      400,
      "invalid_request",
    ],
    [
      "JSON with two sources",
      () => postJson("/api/v1/analyses", key, { text: "a", url: "https://intel.example.com/" }),
      400,
      "invalid_request",
    ],
    [
      "content without a type",
      () => postJson("/api/v1/analyses", key, { content: "aGVsbG8=" }),
      400,
      "invalid_request",
    ],
    [
      "content that is not base64",
      () => postJson("/api/v1/analyses", key, { content: "%%%", contentType: "text/plain" }),
      400,
      "bad_request",
    ],
    [
      "an image",
      () =>
        api("/api/v1/analyses", key, {
          method: "POST",
          headers: { "content-type": "image/png" },
          body: new Uint8Array([137, 80, 78, 71]),
        }),
      415,
      "unsupported_media_type",
    ],
    [
      "a 25 MB body",
      () =>
        api("/api/v1/analyses", key, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "a".repeat(25 * 1024 * 1024),
        }),
      413,
      "document_too_large",
    ],
    [
      "a private address",
      () => postJson("/api/v1/analyses", key, { url: "http://169.254.169.254/latest/meta-data/" }),
      400,
      "url_refused",
    ],
    [
      "a 2 MB synchronous analysis",
      () => postJson("/api/v1/analyze", key, { text: "x ".repeat(1024 * 1024) }),
      413,
      "document_too_large",
    ],
  ])("refuses %s", async (_name, send, status, code) => {
    const before = await reportCount();
    const res = await send();
    expect(res.status).toBe(status);
    expect((await json<ErrorBody>(res)).error.code).toBe(code);
    expect(await reportCount()).toBe(before);
  });

  // The raw-body path takes title and force as query parameters, under the JSON body's rules.
  it.each([
    ["/api/v1/analyze", "force=maybe"],
    ["/api/v1/analyses", "force=maybe"],
    ["/api/v1/analyze", `title=${"t".repeat(600)}`],
    ["/api/v1/analyses", `title=${"t".repeat(600)}`],
  ])("refuses a raw upload to %s with %s", async (route, query) => {
    const before = await reportCount();
    const res = await api(`${route}?${query}`, key, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "The actor ran PowerShell.",
    });
    expect(res.status).toBe(400);
    const error = (await json<ErrorBody>(res)).error;
    expect(error.code).toBe("invalid_request");
    expect(error.message).toMatch(query.startsWith("force") ? /force/ : /title/);
    expect(await reportCount()).toBe(before);
  });

  const binary = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
  const latin1 = new Uint8Array([
    ...new TextEncoder().encode("Le groupe a utilis"),
    0xe9,
    ...new TextEncoder().encode(" PowerShell."),
  ]);
  it.each([
    [
      "binary junk sent as text",
      { content: btoa(String.fromCharCode(...binary)), contentType: "text/plain" },
      /binary|text/i,
    ],
    [
      "text that is not UTF-8 and says no charset",
      { content: btoa(String.fromCharCode(...latin1)), contentType: "text/plain" },
      /UTF-8|charset/i,
    ],
    ["a malformed PDF", { content: btoa("%PDF-1.7\n1 0 obj garbage"), contentType: "application/pdf" }, /PDF/],
  ])("ends the workflow of %s as failed, with the reason", async (_name, body, reason) => {
    const before = await reportCount();
    const res = await postJson("/api/v1/analyses", key, body);
    expect(res.status).toBe(202);
    const { workflowId } = await json<{ workflowId: string }>(res);
    const state = await driveWorkflow(workflowId);
    expect(state.status).toBe("failed");
    const status = await json<WorkflowStatusT>(await api(`/api/v1/analyses/${workflowId}`, key));
    expect(status).toMatchObject({ status: "failed", reportId: null });
    expect(status.error).toMatch(reason);
    // A permanent failure is not retried.
    expect(status.steps.filter((s) => s.step === "extract")).toHaveLength(1);
    expect(await reportCount()).toBe(before);
  });
});

/** A body sent in 64 KB chunks with no Content-Length (chunked); `pulled()` says how much was read. */
function streamed(bytes: Uint8Array) {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
  return { body, pulled: () => Math.min(at, bytes.length) };
}

describe("a streamed (chunked) body", () => {
  it("over the limit is read to its end, refused 413, and the next request is answered", async () => {
    const over = streamed(new Uint8Array(3 * 1024 * 1024).fill(97)); // /analyze takes 2 MB
    const res = await api("/api/v1/analyze", key, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: over.body,
    });
    expect(res.status).toBe(413);
    expect((await json<ErrorBody>(res)).error.code).toBe("document_too_large");
    expect(over.pulled()).toBe(3 * 1024 * 1024);
    const next = await postJson("/api/v1/analyze", key, { text: `${REPORT_TEXT} Sent after a refused upload.` });
    expect(next.status).toBe(200);
  });

  it("under the limit arrives whole", async () => {
    // 160 KB in 64 KB chunks; the one sentence that names LSASS is the last one.
    const tail = "The operators then used Mimikatz to dump credentials from LSASS memory.";
    const text = `${"The implant beaconed home every minute. ".repeat(4000)}${tail}`;
    const under = streamed(new TextEncoder().encode(JSON.stringify({ text })));
    const res = await api("/api/v1/analyze", key, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: under.body,
    });
    expect(res.status).toBe(200);
    const found = (await json<AnalysisOutputT>(res)).techniques.find((t) => t.id === "T1003.001");
    expect(found?.evidence[0]?.text).toBe(tail);
  });
});

describe("the same document twice", () => {
  it("returns the existing report unless forced", async () => {
    const text = `${REPORT_TEXT} It also exfiltrated data over its C2 channel.`;
    const first = await startAndFinish({ text });
    const second = await startAndFinish({ text });
    expect(second.reportId).toBe(first.reportId);
    expect(second.steps.map((s) => s.step)).toEqual(["extract"]);
    const forced = await startAndFinish({ text, force: true });
    expect(forced.reportId).not.toBe(first.reportId);
    const sync = await json<AnalysisOutputT>(await postJson("/api/v1/analyze", key, { text }));
    expect(sync).toMatchObject({ duplicate: true });
    expect([first.reportId, forced.reportId]).toContain(sync.reportId);
  });
});

describe("the synchronous route and a text analysed before", () => {
  it("answers with the stored report, not a fresh analysis beside the old report id", async () => {
    const text = `${REPORT_TEXT} The synchronous route saw this once.`;
    const first = await json<AnalysisOutputT>(await postJson("/api/v1/analyze", key, { text }));
    expect(first.duplicate).toBe(false);
    expect(Object.keys(first).sort()).toEqual(["attackVersion", "duplicate", "reportId", "techniques"]);
    // A new report is answered with what it stored: the same techniques, match ids for feedback included.
    const asStored = await json<ReportT>(await api(`/api/v1/reports/${first.reportId}`, key));
    const key3 = (t: { id: string; matchId?: string; confidence: number }) => [t.id, t.matchId, t.confidence];
    const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
    expect([...first.techniques].sort(byId).map(key3)).toEqual([...asStored.techniques].sort(byId).map(key3));
    // As if an older model had stored it: what the report holds now differs from what analysing would give.
    await env.DB.prepare("UPDATE matches SET confidence = 0.61 WHERE report_id = ?").bind(first.reportId).run();
    const again = await json<AnalysisOutputT>(await postJson("/api/v1/analyze", key, { text }));
    const stored = await json<ReportT>(await api(`/api/v1/reports/${first.reportId}`, key));
    expect(again).toMatchObject({ reportId: first.reportId, duplicate: true, attackVersion: stored.attackVersion });
    expect(again.techniques).toEqual(stored.techniques);
    expect(new Set(again.techniques.map((t) => t.confidence))).toEqual(new Set([0.61]));
  });
});

describe("report listing", () => {
  it("filters by technique (a parent finds its sub-techniques), date, kind and source URL", async () => {
    // At least one text report exists: this one.
    const listed = await startAndFinish({ text: `${REPORT_TEXT} Listing.` });
    type Page = { items: { id: string; sourceType: string }[]; nextCursor: string | null };
    const byParent = await json<Page>(await api("/api/v1/reports?technique=T1566", key));
    expect(byParent.items.map((r) => r.id)).toContain(listed.reportId);
    const none = await json<Page>(await api("/api/v1/reports?technique=T1611", key));
    expect(none.items).toEqual([]);
    expect((await json<Page>(await api("/api/v1/reports?since=2999-01-01", key))).items).toEqual([]);
    const texts = await json<Page>(await api("/api/v1/reports?kind=text", key));
    expect(texts.items.map((r) => r.id)).toContain(listed.reportId);
    expect(texts.items.every((r) => r.sourceType === "text")).toBe(true);
    expect((await json<Page>(await api("/api/v1/reports?kind=url", key))).items.map((r) => r.id)).not.toContain(
      listed.reportId,
    );
    // "text" is a kind, not part of a URL: a text report has none.
    expect((await json<Page>(await api("/api/v1/reports?sourceUrl=text", key))).items).toEqual([]);
    const badKind = await api("/api/v1/reports?kind=docx", key);
    expect(badKind.status).toBe(400);
    const first = await json<Page>(await api("/api/v1/reports?limit=1", key));
    expect(first.nextCursor).toBeTruthy();
    const next = await json<Page>(await api(`/api/v1/reports?limit=1&cursor=${first.nextCursor}`, key));
    expect(next.items).toHaveLength(1);
    expect(next.items[0]?.id).not.toBe(first.items[0]?.id);
    expect((await api("/api/v1/reports?technique=nope", key)).status).toBe(400);
  });
});

describe("analyst feedback", () => {
  it("records accept and reject verdicts on a report's matches, shows them, and yields training examples", async () => {
    const status = await startAndFinish({ text: `${REPORT_TEXT} Reviewed by an analyst.` });
    const report = await json<ReportT>(await api(`/api/v1/reports/${status.reportId}`, key));
    const [first, second] = report.techniques;
    if (!first?.matchId || !second?.matchId) throw new Error("the report needs two matches");
    const url = (matchId: string) => `/api/v1/reports/${report.id}/matches/${matchId}/feedback`;

    const accepted = await postJson(url(first.matchId), key, { verdict: "accept" });
    expect(accepted.status).toBe(201);
    expect(await json(accepted)).toMatchObject({ verdict: "accept", techniqueId: first.id, correctTechnique: null });
    const corrected = await postJson(url(second.matchId), key, {
      verdict: "reject",
      correctTechnique: "t1059.003",
      comment: "cmd, not this",
    });
    expect(await json(corrected)).toMatchObject({ verdict: "reject", correctTechnique: "T1059.003" });

    const again = await json<ReportT>(await api(`/api/v1/reports/${report.id}`, key));
    expect(again.techniques.find((t) => t.matchId === first.matchId)?.feedback).toBe("accept");
    expect(again.techniques.find((t) => t.matchId === second.matchId)?.feedback).toBe("reject");

    const examples = await feedbackExamples(createDb(env.DB), { tenantId });
    expect(examples).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ techniqueId: first.id, verdict: "accept", text: first.evidence[0]?.text }),
        expect.objectContaining({ techniqueId: second.id, verdict: "reject", correctTechniqueId: "T1059.003" }),
      ]),
    );

    for (const [body, status2, code] of [
      [{ verdict: "maybe" }, 400, "invalid_request"],
      [{ verdict: "reject", correctTechnique: "T9999" }, 422, "unknown_technique"],
      [{ verdict: "accept", correctTechnique: "T1059.003" }, 400, "bad_request"],
    ] as const) {
      const res = await postJson(url(first.matchId), key, body);
      expect(res.status).toBe(status2);
      expect((await json<ErrorBody>(res)).error.code).toBe(code);
    }
    const other = await newTenantKey("another-team");
    expect((await postJson(url(first.matchId), other.key, { verdict: "reject" })).status).toBe(404);
    expect(
      (
        await postJson(`/api/v1/reports/${report.id}/matches/${crypto.randomUUID()}/feedback`, key, {
          verdict: "accept",
        })
      ).status,
    ).toBe(404);
  });
});
