import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import type { WorkflowStatusT } from "../src/workflows/workflow.schemas";
import { createDb } from "../src/db/client";
import { taskResults } from "../src/db/schema";
import type { WorkflowState } from "../src/workflows/types";
import { SWEEP_CRON } from "../src/scheduled";
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
  publicDnsHandler,
  runScheduled,
  dataOf,
} from "./helpers";
import { useHandlers } from "./setup/msw";

const TEXT = "The attackers used PowerShell to download tools and created a scheduled task for persistence.";
let flaky = 0;

useHandlers(
  publicDnsHandler,
  // Fails twice (503), then serves the report.
  http.get("https://intel.example.com/flaky.txt", () =>
    ++flaky <= 2 ? new HttpResponse("busy", { status: 503 }) : HttpResponse.text(`${TEXT} Flaky.`),
  ),
  http.get("https://intel.example.com/gone.txt", () => new HttpResponse("no", { status: 404 })),
  http.get("https://intel.example.com/slow.txt", () => HttpResponse.text(`${TEXT} Slow.`)),
);

let a: { key: string; tenantId: string };
let b: { key: string; tenantId: string };
beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("tenant-a");
  b = await newTenantKey("tenant-b");
});

const status = async (id: string, key = a.key) => json<WorkflowStatusT>(await api(`/api/v1/analyses/${id}`, key));
const start = async (body: unknown, key = a.key) =>
  (await json<{ workflowId: string }>(await postJson("/api/v1/analyses", key, body))).workflowId;
const stub = (id: string) => env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id));

describe("retries and failures", () => {
  it("retries a fetch that fails twice, then completes; task_results show every attempt", async () => {
    const id = await start({ url: "https://intel.example.com/flaky.txt" });
    // Alarm 1 runs attempt 1, which fails and schedules a retry with backoff; runDurableObjectAlarm fires it now.
    const state = await driveWorkflow(id);
    expect(state.status).toBe("completed");
    const s = await status(id);
    const fetches = s.steps.filter((x) => x.step === "fetch");
    expect(fetches.map((f) => [f.attempt, f.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "succeeded"],
    ]);
    expect(fetches[0]?.error).toMatch(/503/);
    expect(s.reportId).toBeTruthy();
  });

  it("ends a permanent failure as failed with its reason, without retrying", async () => {
    const id = await start({ url: "https://intel.example.com/gone.txt" });
    expect((await driveWorkflow(id)).status).toBe("failed");
    const s = await status(id);
    expect(s.error).toMatch(/404/);
    expect(s.steps).toHaveLength(1);
  });

  it("resumes where it was after its Durable Object is restarted", async () => {
    const id = await start({ text: `${TEXT} Resumed.` });
    await runDurableObjectAlarm(stub(id)); // extract
    await abortAllDurableObjects();
    const state = await driveWorkflow(id);
    expect(state.status).toBe("completed");
    expect((await status(id)).steps.map((x) => x.step)).toEqual(["extract", "analyze", "persist"]);
  });

  it("after a restart mid-step, the cut-off attempt is closed as interrupted, never left running", async () => {
    const id = await start({ text: `${TEXT} Cut off.` });
    // What a restart in the middle of attempt 1 leaves behind: its row still running, and the
    // Durable Object's state saying attempt 1 was under way.
    await createDb(env.DB)
      .insert(taskResults)
      .values({ workflowId: id, step: "extract", attempt: 1, status: "running" });
    await runInDurableObject(stub(id), async (_instance, ctx) => {
      const state = await ctx.storage.get<WorkflowState>("state");
      await ctx.storage.put("state", { ...state, status: "running", attempt: 1 });
    });
    expect((await driveWorkflow(id)).status).toBe("completed");
    const steps = (await status(id)).steps;
    expect(steps.filter((x) => x.status === "running")).toEqual([]);
    expect(steps.filter((x) => x.step === "extract").map((x) => [x.attempt, x.status])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
    expect(steps[0]?.error).toMatch(/interrupted/);
  });
});

describe("cancel", () => {
  it("stops a workflow between steps; it stores no report", async () => {
    const id = await start({ text: `${TEXT} Cancelled.` });
    await runDurableObjectAlarm(stub(id)); // extract only
    const res = await api(`/api/v1/analyses/${id}/cancel`, a.key, { method: "POST" });
    expect(res.status).toBe(200);
    expect((await json<WorkflowStatusT>(res)).status).toBe("cancelled");
    expect(await runDurableObjectAlarm(stub(id))).toBe(false);
    const s = await status(id);
    expect(s).toMatchObject({ status: "cancelled", reportId: null });
    expect(s.steps.map((x) => x.step)).toEqual(["extract"]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM reports WHERE workflow_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });

  it("cancels before the first step too, and cancelling again changes nothing", async () => {
    const id = await start({ url: "https://intel.example.com/slow.txt" });
    await api(`/api/v1/analyses/${id}/cancel`, a.key, { method: "POST" });
    const again = await json<WorkflowStatusT>(await api(`/api/v1/analyses/${id}/cancel`, a.key, { method: "POST" }));
    expect(again).toMatchObject({ status: "cancelled", steps: [] });
  });
});

describe("progress as Server-Sent Events", () => {
  it("streams progress until the workflow is done", async () => {
    const id = await start({ text: `${TEXT} Streamed.` });
    const res = await api(`/api/v1/analyses/${id}/events`, a.key);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    // The stream ends with the final status once the workflow is driven to its end.
    const [body] = await Promise.all([res.text(), driveWorkflow(id)]);
    expect(body).toMatch(/event: progress/);
    // Each progress event says something the one before did not.
    const progress = [...body.matchAll(/event: progress\ndata: (.*)\n/g)].map((m) => m[1]);
    expect(progress.length).toBeGreaterThan(0);
    progress.forEach((data, i) => expect(data, `event ${i}`).not.toBe(progress[i - 1]));
    const done = /event: done\ndata: (.*)\n/.exec(body);
    expect(JSON.parse(done?.[1] ?? "{}")).toMatchObject({ workflowId: id, status: "completed" });
  });
});

describe("sweeper", () => {
  it("fails a stale workflow whose Durable Object has no record of it, and leaves live ones alone", async () => {
    const old = "2000-01-01T00:00:00.000Z";
    const orphan = crypto.randomUUID();
    await env.DB.prepare(
      "INSERT INTO workflows (id, tenant_id, type, status, updated_at) VALUES (?, ?, 'analysis', 'running', ?)",
    )
      .bind(orphan, a.tenantId, old)
      .run();
    const live = await start({ text: `${TEXT} Swept.` });
    await env.DB.prepare("UPDATE workflows SET updated_at = ? WHERE id = ?").bind(old, live).run();
    await runScheduled(SWEEP_CRON);
    expect(await status(orphan)).toMatchObject({ status: "failed", error: expect.stringMatching(/no record/) });
    expect((await status(live)).status).not.toBe("failed");
    expect((await driveWorkflow(live)).status).toBe("completed");
  });
});

describe("tenant isolation", () => {
  it("tenant B cannot read or cancel tenant A's workflows and reports (REST)", async () => {
    const id = await start({ text: `${TEXT} Private to A.` });
    await driveWorkflow(id);
    const { reportId } = await status(id);
    for (const path of [`/api/v1/analyses/${id}`, `/api/v1/reports/${reportId}`])
      expect((await api(path, b.key)).status).toBe(404);
    expect((await api(`/api/v1/analyses/${id}/cancel`, b.key, { method: "POST" })).status).toBe(404);
    const list = await json<{ items: { id: string }[] }>(await api("/api/v1/reports?limit=100", b.key));
    expect(list.items.map((r) => r.id)).not.toContain(reportId);
    expect((await api(`/api/v1/reports/${reportId}`, a.key)).status).toBe(200);
  });
});

describe("MCP analysis tools through the SDK client", () => {
  it("analyze_document reports progress and returns the report's techniques", async () => {
    const client = await connectMcp(a.key);
    const { result, progress } = await callAnalyzeDocument(client, { text: `${TEXT} Over MCP.` });
    expect(result.isError).toBeFalsy();
    type Rows = { columns: string[]; techniques: (string | number)[][] };
    const out = dataOf(result) as Rows & { status: string; reportId: string };
    expect(out.status).toBe("completed");
    expect(out.columns[0]).toBe("id");
    expect(out.techniques.map((t) => t[0])).toEqual(expect.arrayContaining(["T1059.001", "T1053.005"]));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(100);
    const view = dataOf(await callTool(client, "get_report", { report_id: out.reportId })) as Rows & { id: string };
    expect(view.id).toBe(out.reportId);
    expect(view.techniques).toEqual(out.techniques);
    const evidence = dataOf(
      await callTool(client, "get_report_evidence", { report_id: out.reportId, technique: "T1059.001" }),
    ) as { items: { technique: string; matchId: string; text: string }[] };
    expect(evidence.items.length).toBeGreaterThan(0);
    expect(evidence.items.every((e) => e.technique === "T1059.001" && TEXT.includes(e.text))).toBe(true);
    const feedback = await callTool(client, "submit_match_feedback", {
      report_id: out.reportId,
      match_id: evidence.items[0]?.matchId,
      verdict: "reject",
      correct_technique: "T1059.003",
    });
    expect(dataOf(feedback)).toMatchObject({ verdict: "reject", correctTechnique: "T1059.003" });
    const wrong = await callTool(client, "submit_match_feedback", {
      report_id: out.reportId,
      match_id: crypto.randomUUID(),
      verdict: "accept",
    });
    expect(wrong.isError).toBe(true);
    await client.close();
  });

  it("tenant B's agent gets isError for tenant A's report and workflow, and cannot cancel it", async () => {
    const id = await start({ text: `${TEXT} MCP private.` });
    await driveWorkflow(id);
    const { reportId } = await status(id);
    const client = await connectMcp(b.key);
    for (const [name, args] of [
      ["get_report", { report_id: reportId }],
      ["get_analysis_status", { workflow_id: id }],
      ["cancel_analysis", { workflow_id: id }],
    ] as const) {
      const r = await callTool(client, name, args);
      expect(r.isError, name).toBe(true);
      expect((r.content[0] as { text: string }).text).toMatch(/no (report|analysis)/);
    }
    const listed = await callTool(client, "list_reports", {});
    expect((dataOf(listed) as { items: { id: string }[] }).items.map((r) => r.id)).not.toContain(reportId);
    await client.close();
  });

  it("pages list_reports with cursors: every report once, in the order REST gives, then no cursor", async () => {
    for (const n of [1, 2, 3]) await driveWorkflow(await start({ text: `${TEXT} MCP paging ${n}.` }));
    const client = await connectMcp(a.key);
    type Page = { items: { id: string }[]; hasMore: boolean; nextCursor: string | null };
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const r = await callTool(client, "list_reports", { limit: 2, ...(cursor ? { cursor } : {}) });
      const page = dataOf(r) as Page;
      seen.push(...page.items.map((x) => x.id));
      expect(page.hasMore).toBe(page.nextCursor !== null);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const rest = await json<{ items: { id: string }[] }>(await api("/api/v1/reports?limit=100", a.key));
    expect(seen).toEqual(rest.items.map((x) => x.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const bad = await callTool(client, "list_reports", { cursor: "not-a-cursor" });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it("reports a failed analysis as an isError result with the reason", async () => {
    const client = await connectMcp(a.key);
    const { result: r } = await callAnalyzeDocument(client, { url: "https://intel.example.com/gone.txt" });
    expect(r.isError).toBe(true);
    expect((r.content[0] as { text: string }).text).toMatch(/404/);
    const refused = await callTool(client, "analyze_document", { url: "http://10.0.0.1/x" });
    expect(refused.isError).toBe(true);
    await client.close();
  });
});
