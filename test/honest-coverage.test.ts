/**
 * Coverage that does not mislead (issue 19): a broken detection never counts, a degraded one counts
 * and says so, and a match an analyst rejected leaves the report's layers, gap analysis, tactics and
 * get_report rows (still listed, with its verdict, among the report's techniques and evidence).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateLayer } from "../src/coverage/navigator";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import { api, callTool, connectMcp, dataOf, json, loadShippedAttackAndModel, newTenantKey, postJson } from "./helpers";
import { RULES, seedAccount, type Coverage } from "./coverage-fixtures";
import * as fixtures from "./coverage-fixtures";

const TEXT =
  "The actor ran encoded PowerShell commands (T1059.001) and created scheduled tasks (T1053.005) to persist on every host.";

interface ReportGaps {
  covered: number;
  uncovered: number;
  techniques: {
    id: string;
    covered: boolean;
    degraded: number;
    riskScore: number | null;
    detections: { name: string; degraded: boolean }[];
  }[];
}
interface Layer {
  techniques: { techniqueID: string; score: number; comment?: string; metadata?: { name: string; value: string }[] }[];
}
interface Brief {
  items: { id: string; covered: boolean; degraded: number; detectionCount: number }[];
}

let key: string;
let client: Client;
let reportId: string;
beforeAll(async () => {
  await loadShippedAttackAndModel();
  key = (await newTenantKey("honest-coverage")).key;
  client = await connectMcp(key);
  const report = await json<AnalysisOutputT>(await postJson("/api/v1/analyze", key, { text: TEXT }));
  reportId = report.reportId ?? "";
  expect(report.techniques.map((t) => t.id)).toEqual(expect.arrayContaining(["T1059.001", "T1053.005"]));
});
afterAll(async () => {
  await client.close();
});

const get = async <T>(path: string) => {
  const res = await api(path, key);
  expect(res.status).toBe(200);
  return json<T>(res);
};

async function detectionId(account: string, name: string): Promise<string> {
  const page = await get<{ items: { id: string; name: string }[] }>(`/api/v1/accounts/${account}/detections?limit=100`);
  const id = page.items.find((d) => d.name === name)?.id;
  if (!id) throw new Error(`no detection ${name}`);
  return id;
}

async function setHealth(account: string, name: string, status: string): Promise<void> {
  const res = await api(`/api/v1/accounts/${account}/detections/${await detectionId(account, name)}/health`, key, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status }),
  });
  expect(res.status).toBe(200);
}

const allGaps = (account: string) => fixtures.allGaps(key, account);

const entry = (layer: Layer, id: string) => layer.techniques.find((t) => t.techniqueID === id);
const reportGaps = (account: string) => get<ReportGaps>(`/api/v1/reports/${reportId}/gaps?account=${account}`);

describe("a broken detection never counts", () => {
  it("changes coverage, gaps, overlaps, threat gaps and layers", async () => {
    const account = await seedAccount(key, RULES);
    const before = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(before.covered).toBe(2);
    expect(await allGaps(account)).not.toContain("T1053.005");
    const overlaps = await get<{ items: { techniqueId: string }[] }>(`/api/v1/accounts/${account}/overlaps`);
    expect(overlaps.items.map((o) => o.techniqueId)).toEqual(["T1059.001"]);
    expect(entry(await get<Layer>(`/api/v1/accounts/${account}/coverage/layer`), "T1053.005")).toBeDefined();
    expect((await reportGaps(account)).techniques.find((t) => t.id === "T1053.005")?.covered).toBe(true);

    // The scheduled-task rule is the only one on T1053.005 and the second one on T1059.001.
    await setHealth(account, "Scheduled task creation", "broken");

    const after = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(after).toMatchObject({ covered: 1, stale: false });
    expect(after.health.broken).toBe(1);
    expect(await allGaps(account)).toContain("T1053.005");
    expect((await get<{ items: unknown[] }>(`/api/v1/accounts/${account}/overlaps`)).items).toEqual([]);
    const layer = await get<Layer>(`/api/v1/accounts/${account}/coverage/layer`);
    expect(validateLayer(layer)).toEqual({ ok: true });
    // Its only rule is broken: mapped, not counting (0); one counting tag rule of unknown health: fair (2).
    expect(entry(layer, "T1053.005")).toMatchObject({ score: 0 });
    expect(entry(layer, "T1053.005")?.comment).toMatch(/^mapped, not counting/);
    expect(entry(layer, "T1059.001")).toMatchObject({ score: 2 });
    const gaps = await reportGaps(account);
    const task = gaps.techniques.find((t) => t.id === "T1053.005");
    expect(task).toMatchObject({ covered: false, detections: [] });
    expect(task?.riskScore).toBeGreaterThan(0);
    expect(gaps.techniques.find((t) => t.id === "T1059.001")?.detections.map((d) => d.name)).toEqual([
      "Encoded PowerShell",
    ]);
    const vs = await get<Layer>(`/api/v1/reports/${reportId}/layer?account=${account}`);
    expect(entry(vs, "T1053.005")).toMatchObject({ score: 0 });

    // Healthy again, it counts again (the PUT recomputes).
    await setHealth(account, "Scheduled task creation", "healthy");
    expect((await get<Coverage>(`/api/v1/accounts/${account}/coverage`)).covered).toBe(2);
  });
});

describe("a degraded detection counts and says so", () => {
  it("keeps coverage and flags the technique in threat gaps (REST and MCP) and layers", async () => {
    const account = await seedAccount(key, RULES);
    await setHealth(account, "Scheduled task creation", "degraded");
    const coverage = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(coverage).toMatchObject({ covered: 2, stale: false });
    expect(coverage.health.degraded).toBe(1);

    const gaps = await reportGaps(account);
    expect(gaps.techniques.find((t) => t.id === "T1053.005")).toMatchObject({
      covered: true,
      degraded: 1,
      detections: [{ name: "Scheduled task creation", degraded: true }],
    });
    expect(gaps.techniques.find((t) => t.id === "T1059.001")).toMatchObject({ covered: true, degraded: 1 });

    const mcp = dataOf(
      await callTool(client, "report_gap_analysis", { account_id: account, report_id: reportId }),
    ) as Brief;
    expect(mcp.items.find((t) => t.id === "T1053.005")).toMatchObject({
      covered: true,
      degraded: 1,
      detectionCount: 1,
    });

    const layer = await get<Layer>(`/api/v1/accounts/${account}/coverage/layer`);
    expect(validateLayer(layer)).toEqual({ ok: true });
    const task = entry(layer, "T1053.005");
    expect(task).toMatchObject({
      score: 1,
      metadata: [
        { name: "detections", value: "1" },
        { name: "degraded", value: "1" },
      ],
    });
    expect(task?.comment).toContain("Scheduled task creation (degraded)");
    expect(entry(layer, "T1059.001")?.comment).toMatch(/\[1 degraded\]/);
    const vs = await get<Layer>(`/api/v1/reports/${reportId}/layer?account=${account}`);
    expect(validateLayer(vs)).toEqual({ ok: true });
    expect(entry(vs, "T1053.005")).toMatchObject({
      score: 1,
      metadata: [
        { name: "detections", value: "1" },
        { name: "degraded", value: "1" },
      ],
    });
  });
});

describe("a rejected match never counts", () => {
  it("leaves the report's layers, gap analysis, tactics and get_report rows (REST and MCP)", async () => {
    const account = await seedAccount(key, RULES);
    const ids = async () => {
      const layer = await get<Layer>(`/api/v1/reports/${reportId}/layer`);
      expect(validateLayer(layer)).toEqual({ ok: true });
      const vs = await get<Layer>(`/api/v1/reports/${reportId}/layer?account=${account}`);
      const mcp = dataOf(
        await callTool(client, "report_gap_analysis", { account_id: account, report_id: reportId, limit: 100 }),
      ) as Brief;
      const { tactics } = await get<{ tactics: { techniques: { id: string }[] }[] }>(`/api/v1/reports/${reportId}`);
      return {
        layer: layer.techniques.map((t) => t.techniqueID),
        vs: vs.techniques.map((t) => t.techniqueID),
        gaps: (await reportGaps(account)).techniques.map((t) => t.id),
        mcp: mcp.items.map((t) => t.id),
        tactics: tactics.flatMap((t) => t.techniques.map((x) => x.id)),
        rows: (await digest()).techniques.map((r) => r[0]),
      };
    };
    const digest = async () =>
      dataOf(await callTool(client, "get_report", { report_id: reportId })) as {
        techniques: (string | number)[][];
        rejected: string[];
      };
    const before = await ids();
    for (const list of Object.values(before)) expect(list).toContain("T1053.005");
    expect((await digest()).rejected).toEqual([]);

    const report = await get<{ techniques: { id: string; matchId: string }[] }>(`/api/v1/reports/${reportId}`);
    const matchId = report.techniques.find((t) => t.id === "T1053.005")?.matchId ?? "";
    const feedback = (verdict: string) =>
      postJson(`/api/v1/reports/${reportId}/matches/${matchId}/feedback`, key, { verdict });
    // Accepting changes nothing.
    expect((await feedback("accept")).status).toBe(201);
    expect(await ids()).toEqual(before);

    expect((await feedback("reject")).status).toBe(201);
    const after = await ids();
    for (const list of Object.values(after)) {
      expect(list).not.toContain("T1053.005");
      expect(list).toContain("T1059.001");
    }
    const gaps = await reportGaps(account);
    expect(gaps.covered + gaps.uncovered).toBe(new Set(after.gaps).size);
    // Still listed with its verdict, to see and revisit: the report's techniques, the evidence.
    const stored = await get<{ techniques: { id: string; feedback?: string }[] }>(`/api/v1/reports/${reportId}`);
    expect(stored.techniques.find((t) => t.id === "T1053.005")?.feedback).toBe("reject");
    expect((await digest()).rejected).toEqual(["T1053.005"]);
    const evidence = dataOf(
      await callTool(client, "get_report_evidence", { report_id: reportId, technique: "T1053.005" }),
    ) as { items: { feedback?: string }[] };
    expect(evidence.items.length).toBeGreaterThan(0);
    expect(evidence.items.every((e) => e.feedback === "reject")).toBe(true);
    // Accepted again, it is back everywhere.
    expect((await feedback("accept")).status).toBe(201);
    expect(await ids()).toEqual(before);
  });
});
