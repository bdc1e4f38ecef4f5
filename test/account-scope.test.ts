/**
 * Coverage scoped to an account's ATT&CK platforms, and the detection score (issue 19): a
 * Windows-only estate and a cloud account are measured on their own techniques, PRE only when
 * asked for; a change of platforms recomputes at once; a report's techniques of other platforms
 * are listed apart; layers score techniques on the DeTT&CT scale.
 */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import { validateLayer } from "../src/coverage/navigator";
import { api, callTool, connectMcp, dataOf, json, loadShippedAttackAndModel, newTenantKey, postJson } from "./helpers";
import { RULES, seedAccount, sigma, type Coverage } from "./coverage-fixtures";
import * as fixtures from "./coverage-fixtures";

interface Layer {
  filters: { platforms: string[] };
  techniques: { techniqueID: string; score: number; comment?: string }[];
  gradient: { minValue: number; maxValue: number };
  legendItems: { label: string }[];
}
interface ReportGaps {
  account: { platforms: string[] };
  techniques: { id: string; covered: boolean; detectionScore: number }[];
  outOfScope: { id: string; platforms: string[] }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

let key: string;
let client: Client;
beforeAll(async () => {
  await loadShippedAttackAndModel();
  key = (await newTenantKey("account-scope")).key;
  client = await connectMcp(key);
});
afterAll(async () => {
  await client.close();
});

const get = async <T>(path: string) => {
  const res = await api(path, key);
  expect(res.status, path).toBe(200);
  return json<T>(res);
};
const patch = (path: string, body: unknown) =>
  api(path, key, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Active 18.1 techniques listing any of `platforms`, counted in SQL: what an account of them is measured on. */
async function techniquesFor(platforms: string[]): Promise<Set<string>> {
  const { results } = await env.DB.prepare(
    `SELECT attack_id AS id FROM attack_techniques t WHERE version = '18.1' AND revoked = 0 AND deprecated = 0
       AND EXISTS (SELECT 1 FROM json_each(t.platforms) p WHERE p.value IN (SELECT value FROM json_each(?)))`,
  )
    .bind(JSON.stringify(platforms))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

const allGaps = (account: string) => fixtures.allGaps(key, account);

const CLOUD_RULE = {
  path: "cloud.yml",
  content: sigma("55555555-5555-4555-8555-555555555555", "New cloud instance", ["attack.t1578.002"]),
};

describe("a Windows-only estate", () => {
  let account: string;
  let windows: Set<string>;
  beforeAll(async () => {
    account = await seedAccount(key, [...RULES, CLOUD_RULE], { provider: "on_prem", platforms: ["windows"] });
    windows = await techniquesFor(["Windows"]);
  });

  it("is measured on the Windows techniques only: no cloud, no PRE", async () => {
    const detail = await get<{ platforms: string[] }>(`/api/v1/accounts/${account}`);
    // Matched without case, stored as ATT&CK spells it.
    expect(detail.platforms).toEqual(["Windows"]);
    const coverage = await get<Omit<Coverage, "tactics"> & { tactics: { shortname: string; total: number }[] }>(
      `/api/v1/accounts/${account}/coverage`,
    );
    expect(coverage.total).toBe(windows.size);
    expect(coverage.total).toBeLessThan(691);
    // Two Windows techniques covered by tags; the cloud rule's technique is not the estate's.
    expect(coverage.covered).toBe(2);
    expect(coverage.tactics.find((t) => t.shortname === "reconnaissance")?.total).toBe(0);
    const gaps = await allGaps(account);
    expect(gaps.length).toBe(windows.size - 2);
    expect(gaps.every((id) => windows.has(id))).toBe(true);
    expect(gaps).toContain("T1003.001");
    expect(gaps).not.toContain("T1595"); // PRE
    expect(gaps).not.toContain("T1578.002"); // IaaS
  });

  it("exports a layer of its platforms only, filtered to them", async () => {
    const layer = await get<Layer>(`/api/v1/accounts/${account}/coverage/layer`);
    expect(validateLayer(layer)).toEqual({ ok: true });
    expect(layer.filters.platforms).toEqual(["Windows"]);
    const ids = new Set(layer.techniques.map((t) => t.techniqueID));
    expect(ids.has("T1059.001")).toBe(true);
    expect(ids.has("T1578.002")).toBe(false);
    expect([...ids].every((id) => windows.has(id))).toBe(true);
  });

  it("counts PRE only when asked for", async () => {
    const withPre = await seedAccount(key, undefined, { provider: "on_prem", platforms: ["Windows", "PRE"] });
    const pre = await techniquesFor(["PRE"]);
    expect((await get<Coverage>(`/api/v1/accounts/${withPre}/coverage`)).total).toBe(windows.size + pre.size);
    expect(await allGaps(withPre)).toContain("T1595");
  });
});

describe("a cloud account", () => {
  it("gets its provider's platforms and is measured on them", async () => {
    const account = await seedAccount(key, [...RULES, CLOUD_RULE], { provider: "aws", platforms: undefined });
    const detail = await get<{ platforms: string[] }>(`/api/v1/accounts/${account}`);
    expect([...detail.platforms].sort()).toEqual(["Containers", "IaaS"]);
    const cloud = await techniquesFor(["IaaS", "Containers"]);
    const coverage = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(coverage.total).toBe(cloud.size);
    // Only the cloud rule counts here: the Windows rules' techniques are not the account's.
    expect(coverage.covered).toBe(1);
    const gaps = await allGaps(account);
    expect(gaps).not.toContain("T1578.002");
    expect(gaps).not.toContain("T1003.001");
    expect(gaps.every((id) => cloud.has(id))).toBe(true);
  });

  it("refuses a platform ATT&CK does not have, naming those it has", async () => {
    const res = await postJson("/api/v1/accounts", key, {
      name: "typo",
      provider: "gcp",
      identifier: "typo-project",
      environment: "dev",
      criticality: "low",
      platforms: ["IaaS", "Mainframe"],
    });
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.message).toMatch(/'Mainframe'/);
    expect(body.error.message).toMatch(/Identity Provider/);
  });
});

describe("changing platforms", () => {
  it("recomputes in the same request (REST and MCP), and refuses an empty change", async () => {
    const account = await seedAccount(key, [...RULES, CLOUD_RULE], { provider: "on_prem", platforms: ["Windows"] });
    const before = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    const res = await patch(`/api/v1/accounts/${account}`, { platforms: ["IaaS"] });
    expect(res.status).toBe(200);
    expect((await json<{ platforms: string[] }>(res)).platforms).toEqual(["IaaS"]);
    const after = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(after).toMatchObject({ stale: false, covered: 1, total: (await techniquesFor(["IaaS"])).size });
    expect(after.computedAt).not.toBe(before.computedAt);
    expect(await allGaps(account)).not.toContain("T1003.001");

    const viaMcp = await callTool(client, "update_account", { account_id: account, platforms: ["Windows", "IaaS"] });
    expect(viaMcp.isError).toBeFalsy();
    expect(dataOf(viaMcp)).toMatchObject({ platforms: ["IaaS", "Windows"] });
    const both = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    expect(both).toMatchObject({ stale: false, covered: 3, total: (await techniquesFor(["Windows", "IaaS"])).size });

    expect((await patch(`/api/v1/accounts/${account}`, {})).status).toBe(400);
    expect((await patch(`/api/v1/accounts/${account}`, { platforms: [] })).status).toBe(400);
    expect((await patch(`/api/v1/accounts/${crypto.randomUUID()}`, { platforms: ["Windows"] })).status).toBe(404);
  });
});

describe("hostile account changes", () => {
  it("are 400s that leave the account and its coverage as they were", async () => {
    const account = await seedAccount(key, RULES, { provider: "on_prem", platforms: ["Windows"] });
    const before = await get<Record<string, unknown>>(`/api/v1/accounts/${account}`);
    const coverage = await get<Coverage>(`/api/v1/accounts/${account}/coverage`);
    const bodies: unknown[] = [
      { platforms: "Windows" },
      { platforms: [42] },
      { platforms: ["Windows", " "] },
      { platforms: Array.from({ length: 41 }, () => "Windows") },
      { platforms: ["W".repeat(65)] },
      { platforms: ["Windows", "<script>alert(1)</script>"] },
      { criticality: "extreme" },
      { name: "" },
      [],
      null,
    ];
    for (const body of bodies) {
      const res = await patch(`/api/v1/accounts/${account}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json<ErrorBody>(res)).error.message.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
    const raw = await api(`/api/v1/accounts/${account}`, key, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: '{"platforms": ["Windows"',
    });
    expect(raw.status).toBe(400);
    expect(await get<Record<string, unknown>>(`/api/v1/accounts/${account}`)).toEqual(before);
    expect(await get<Coverage>(`/api/v1/accounts/${account}/coverage`)).toEqual(coverage);
    const viaMcp = await callTool(client, "update_account", { account_id: account, platforms: ["Mainframe"] });
    expect(viaMcp.isError).toBe(true);
    expect(JSON.stringify(viaMcp.content)).toMatch(/Mainframe/);
  });
});

describe("a report against an account of other platforms", () => {
  it("lists the report's techniques of other platforms apart, not as gaps", async () => {
    const report = await json<AnalysisOutputT>(
      await postJson("/api/v1/analyze", key, {
        text: "The actor dumped LSASS memory with Mimikatz (T1003.001) and then created new cloud instances (T1578.002) in the victim's AWS account to mine.",
      }),
    );
    expect(report.techniques.map((t) => t.id)).toEqual(expect.arrayContaining(["T1003.001", "T1578.002"]));
    const account = await seedAccount(key, RULES, { provider: "on_prem", platforms: ["Windows"] });
    const gaps = await get<ReportGaps>(`/api/v1/reports/${report.reportId}/gaps?account=${account}`);
    expect(gaps.account.platforms).toEqual(["Windows"]);
    expect(gaps.techniques.map((t) => t.id)).toContain("T1003.001");
    expect(gaps.techniques.map((t) => t.id)).not.toContain("T1578.002");
    expect(gaps.outOfScope).toContainEqual({ id: "T1578.002", name: expect.any(String), platforms: ["IaaS"] });
    const mcp = dataOf(
      await callTool(client, "report_gap_analysis", { account_id: account, report_id: report.reportId }),
    ) as { outOfScope: string[]; items: { id: string }[] };
    expect(mcp.outOfScope).toContain("T1578.002");
    expect(mcp.items.map((t) => t.id)).not.toContain("T1578.002");
    const vs = await get<Layer>(`/api/v1/reports/${report.reportId}/layer?account=${account}`);
    expect(validateLayer(vs)).toEqual({ ok: true });
    expect(vs.techniques.map((t) => t.techniqueID)).not.toContain("T1578.002");
    expect(vs.filters.platforms).toEqual(["Windows"]);
  });
});

describe("the detection score", () => {
  const scoreIn = (layer: Layer, id: string) => layer.techniques.find((t) => t.techniqueID === id)?.score;

  it("rises with a confirmed mapping, reported health and a second rule, and falls when degraded", async () => {
    const account = await seedAccount(key, RULES, { provider: "on_prem", platforms: ["Windows"] });
    const layerNow = () => get<Layer>(`/api/v1/accounts/${account}/coverage/layer`);
    let layer = await layerNow();
    expect(layer.gradient).toMatchObject({ minValue: -1, maxValue: 5 });
    expect(layer.legendItems.map((l) => l.label)).toEqual([
      "-1 none",
      "0 mapped, not counting",
      "1 poor",
      "2 fair",
      "3 good",
      "4 very good",
      "5 excellent",
    ]);
    // Tag rules of unknown health: one is fair (2), two back each other (3). The untagged Mimikatz
    // rule's inferred mapping waits for review: mapped, not counting (0).
    expect(scoreIn(layer, "T1053.005")).toBe(2);
    expect(scoreIn(layer, "T1059.001")).toBe(3);
    expect(scoreIn(layer, "T1003.001")).toBe(0);

    const detections = await get<{ items: { id: string; name: string }[] }>(
      `/api/v1/accounts/${account}/detections?limit=100`,
    );
    const idOf = (name: string) => detections.items.find((d) => d.name === name)?.id ?? "";
    const health = (name: string, status: string) =>
      api(`/api/v1/accounts/${account}/detections/${idOf(name)}/health`, key, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ status }),
      });
    expect((await health("Scheduled task creation", "healthy")).status).toBe(200);
    layer = await layerNow();
    expect(scoreIn(layer, "T1053.005")).toBe(3); // fair + healthy
    expect(scoreIn(layer, "T1059.001")).toBe(4); // the healthy rule, backed by the other

    const mappings = await get<{ items: { id: string; techniqueId: string; method: string }[] }>(
      `/api/v1/accounts/${account}/mappings?method=nlp&limit=100`,
    );
    const inferred = mappings.items.find((m) => m.techniqueId === "T1003.001");
    expect(inferred).toBeDefined();
    const review = await patch(`/api/v1/accounts/${account}/mappings/${inferred?.id}`, { validation: "validated" });
    expect(review.status).toBe(200);
    expect((await health("Credential dumping from LSASS memory with Mimikatz", "healthy")).status).toBe(200);
    layer = await layerNow();
    expect(scoreIn(layer, "T1003.001")).toBe(4); // validated (confirmed) and healthy

    expect((await health("Encoded PowerShell", "healthy")).status).toBe(200);
    expect(scoreIn(await layerNow(), "T1059.001")).toBe(4); // two healthy rules, neither confirmed
    const tags = await get<{ items: { id: string; techniqueId: string; detectionId: string }[] }>(
      `/api/v1/accounts/${account}/mappings?method=tag&limit=100`,
    );
    const tag = tags.items.find((m) => m.techniqueId === "T1059.001" && m.detectionId === idOf("Encoded PowerShell"));
    expect((await patch(`/api/v1/accounts/${account}/mappings/${tag?.id}`, { validation: "validated" })).status).toBe(
      200,
    );
    expect(scoreIn(await layerNow(), "T1059.001")).toBe(5); // a confirmed healthy rule, backed by another

    expect((await health("Scheduled task creation", "degraded")).status).toBe(200);
    layer = await layerNow();
    expect(scoreIn(layer, "T1053.005")).toBe(1); // its only rule, degraded
    expect(scoreIn(layer, "T1059.001")).toBe(4); // the confirmed healthy rule, no longer backed

    const report = await json<AnalysisOutputT>(
      await postJson("/api/v1/analyze", key, {
        text: "Scheduled tasks (T1053.005) ran encoded PowerShell (T1059.001).",
      }),
    );
    const gaps = await get<ReportGaps>(`/api/v1/reports/${report.reportId}/gaps?account=${account}`);
    expect(gaps.techniques.find((t) => t.id === "T1053.005")?.detectionScore).toBe(1);
    expect(gaps.techniques.find((t) => t.id === "T1059.001")?.detectionScore).toBe(4);
  });
});
