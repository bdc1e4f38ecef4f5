import { env } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { getActiveVersion } from "../src/db/repos/attack";
import { issueApiKey } from "../src/tenants/keys.service";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import type { ReportT } from "../src/reports/reports.schemas";
import { DAILY_CRON } from "../src/scheduled";
import { latestModel } from "../src/db/repos/models";
import { gzip } from "../src/lib/bytes";
import { importModelArtifact } from "../src/models/models.service";
import { carryModel } from "../src/models/models.service";
import {
  api,
  callTool,
  connectMcp,
  driveWorkflow,
  fixtureStream,
  json,
  loadFixture,
  newTenantKey,
  postJson,
  runScheduled,
  sharedBundle,
  shippedModelData,
  type ErrorBody,
} from "./helpers";
import { useHandlers } from "./setup/msw";

const ORIGIN = "https://attack-data.example.com";
const db = createDb(env.DB);

/** What the mocked release index lists: version → bundle path on ORIGIN. */
const published = new Map<string, string>();
useHandlers(
  http.get(`${ORIGIN}/index.json`, () =>
    HttpResponse.json({
      id: "index",
      name: "MITRE ATT&CK",
      collections: [
        {
          id: "x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019",
          name: "Enterprise ATT&CK",
          versions: [...published].map(([version, path]) => ({
            version,
            url: `${ORIGIN}${path}`,
            modified: "2025-01-01T00:00:00.000Z",
          })),
        },
      ],
    }),
  ),
  http.get(`${ORIGIN}/bundles/:version/:variant`, async ({ params }) => {
    const body = await fixtureStream(sharedBundle(String(params.version)));
    if (params.variant === "good") return new HttpResponse(body, { headers: { "content-type": "application/gzip" } });
    const bytes = new Uint8Array(await new Response(body).arrayBuffer());
    if (params.variant === "corrupt") bytes.fill(0x41, 4096, 1 << 20);
    // "cut": the connection drops half-way through the body.
    const half = bytes.slice(0, bytes.length >> 1);
    const stream =
      params.variant === "cut"
        ? new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(half);
              controller.error(new Error("connection reset"));
            },
          })
        : new Blob([bytes]).stream();
    return new HttpResponse(stream, { headers: { "content-type": "application/gzip" } });
  }),
);

async function refreshWorkflows(): Promise<{ id: string; status: string; error: string | null }[]> {
  const { results } = await env.DB.prepare(
    "SELECT id, status, error FROM workflows WHERE type = 'refresh' ORDER BY created_at",
  ).all<{ id: string; status: string; error: string | null }>();
  return results;
}

/** Runs the daily cron and returns the one refresh workflow it started. */
async function refreshStartedByCron(): Promise<{ id: string }> {
  const before = await refreshWorkflows();
  await runScheduled(DAILY_CRON);
  const started = (await refreshWorkflows()).filter((w) => !before.some((b) => b.id === w.id));
  expect(started).toHaveLength(1);
  return started[0] as { id: string };
}

/** The model of a version, carried from the shipped 18.1 model (what a refresh does). */
async function modelFor(version: string): Promise<void> {
  await carryModel(db, await shippedModelData(), version);
}

let member: string;
let admin: string;
let operator: string;
beforeAll(async () => {
  const t = await newTenantKey("refreshers");
  member = t.key;
  admin = (await issueApiKey(db, t.tenantId, "admin", "admin")).key;
  operator = (await issueApiKey(db, t.tenantId, "operator", "operator")).key;
});

describe("operator only", () => {
  it("refuses a member and a tenant admin (REST 403, MCP not listed) and accepts an operator key", async () => {
    for (const key of [member, admin]) {
      const res = await postJson("/api/v1/attack/refresh", key, {});
      expect(res.status).toBe(403);
      expect((await json<ErrorBody>(res)).error).toMatchObject({ code: "forbidden", message: /operator key/ });
      const client = await connectMcp(key);
      const r = await callTool(client, "refresh_attack", {});
      await client.close();
      expect(r.isError).toBe(true);
    }
    expect(await refreshWorkflows()).toEqual([]);
    const refused = await postJson("/api/v1/attack/refresh", operator, { url: "http://10.0.0.1/bundle.json" });
    expect(refused.status).toBe(400);
  });

  it("checks the version the same way over REST and MCP (one schema)", async () => {
    const rest = await postJson("/api/v1/attack/refresh", operator, { version: "latest" });
    expect(rest.status).toBe(400);
    expect((await json<ErrorBody>(rest)).error.message).toMatch(/an ATT&CK version such as 18\.1/);
    const client = await connectMcp(operator);
    const mcp = await callTool(client, "refresh_attack", { version: "latest" });
    await client.close();
    expect(mcp.isError).toBe(true);
    expect((mcp.content[0] as { text: string }).text).toMatch(/an ATT&CK version such as 18\.1/);
    expect(await refreshWorkflows()).toEqual([]);
  });
});

describe("storing a model", () => {
  it("refuses a model for an ATT&CK version that is not loaded, saying which, and stores nothing", async () => {
    const data = { ...(await shippedModelData()), attackVersion: "99.9" };
    const artifact = await gzip(JSON.stringify(data));
    await expect(importModelArtifact(db, artifact)).rejects.toMatchObject({
      status: 409,
      code: "attack_version_missing",
      message: expect.stringContaining("ATT&CK 99.9"),
    });
    expect(await latestModel(db, "99.9")).toBeNull();
  });
});

describe.skipIf(!env.HAS_SHARED_DATA)("scheduled refresh 16.1 → 17.1 → 18.1 (needs ../shared/data)", () => {
  let reportId: string;
  let accountId: string;

  beforeAll(async () => {
    await loadFixture(sharedBundle("16.1"));
    await modelFor("16.1");
    published.set("16.1", "/bundles/16.1/good");
    const out = await json<AnalysisOutputT>(
      await postJson("/api/v1/analyze", member, {
        text: "The loader uses T1574.002 to run its payload next to a signed binary.",
      }),
    );
    expect(out.attackVersion).toBe("16.1");
    expect(out.techniques.map((t) => t.id)).toContain("T1574.002");
    reportId = out.reportId ?? "";
    // An analyst's technique the model missed: re-evaluation must carry it.
    const manual = await postJson(`/api/v1/reports/${reportId}/techniques`, member, {
      technique: "T1036.001",
      evidence: "next to a signed binary",
    });
    expect(manual.status, await manual.clone().text()).toBe(201);
    const account = await postJson("/api/v1/accounts", member, {
      name: "refresh",
      provider: "aws",
      identifier: "111122223333",
      environment: "prod",
      criticality: "high",
    });
    accountId = (await json<{ id: string }>(account)).id;
  });

  it("does nothing while the index has nothing newer", async () => {
    await runScheduled(DAILY_CRON);
    expect(await refreshWorkflows()).toEqual([]);
    expect((await getActiveVersion(db))?.version).toBe("16.1");
  });

  it("loads 17.1, stores the changes, switches, and re-evaluates the report onto T1574.001", async () => {
    published.set("17.1", "/bundles/17.1/good");
    const refresh = await refreshStartedByCron();
    const state = await driveWorkflow(refresh.id);
    expect(state.status, state.error).toBe("completed");
    expect((await getActiveVersion(db))?.version).toBe("17.1");
    // The refresh recomputed every account's coverage under the new version (the recompute policy).
    const coverage = await json<{ attackVersion: string; stale: boolean }>(
      await api(`/api/v1/accounts/${accountId}/coverage`, member),
    );
    expect(coverage).toMatchObject({ attackVersion: "17.1", stale: false });

    const changes = await json<{
      added: string[];
      revoked: { id: string; revokedBy: string }[];
      renamed: { id: string }[];
      updated: string[];
    }>(await api("/api/v1/attack/changes?from=16.1&to=17.1", member));
    expect(changes.added).toHaveLength(24);
    expect(changes.revoked).toEqual([{ id: "T1574.002", revokedBy: "T1574.001" }]);
    expect(changes.renamed.map((r) => r.id)).toEqual(["T1036.003", "T1036.005", "T1176", "T1219", "T1574.001"]);
    expect(changes.updated).toHaveLength(383);

    // The refresh started one re-evaluation for our report.
    const reeval = await env.DB.prepare("SELECT id FROM workflows WHERE type = 'reeval'").all<{ id: string }>();
    expect(reeval.results).toHaveLength(1);
    expect((await driveWorkflow(reeval.results[0]?.id as string)).status).toBe("completed");
    const versions = await json<{
      versions: { id: string; versionNumber: number; latest: boolean; attackVersion: string }[];
    }>(await api(`/api/v1/reports/${reportId}/versions`, member));
    expect(versions.versions.map((v) => [v.versionNumber, v.attackVersion, v.latest])).toEqual([
      [1, "16.1", false],
      [2, "17.1", true],
    ]);
    const latest = await json<ReportT>(await api(`/api/v1/reports/${versions.versions[1]?.id}`, member));
    const moved = latest.techniques.find((t) => t.id === "T1574.001");
    expect(moved?.note).toMatch(/T1574\.002.*revoked.*T1574\.001/);
    expect(latest.techniques.map((t) => t.id)).not.toContain("T1574.002");
    expect(latest.techniques.find((t) => t.id === "T1036.001")).toMatchObject({
      method: "manual",
      evidence: [expect.objectContaining({ text: "next to a signed binary" })],
    });
    expect(latest.changes).toMatchObject({
      fromVersion: "16.1",
      toVersion: "17.1",
      moved: [{ from: "T1574.002", to: "T1574.001" }],
    });
    // History is kept: the first version still says what it said.
    const first = await json<ReportT>(await api(`/api/v1/reports/${reportId}`, member));
    expect(first.techniques.map((t) => t.id)).toContain("T1574.002");
  });

  it("a second cron run with nothing new is a no-op", async () => {
    const before = await refreshWorkflows();
    await runScheduled(DAILY_CRON);
    expect(await refreshWorkflows()).toEqual(before);
  });

  it.each(["cut", "corrupt"])(
    "a %s 18.1 download fails the refresh and leaves 17.1 active and untouched",
    async (variant) => {
      const rows = async () =>
        (await env.DB.prepare("SELECT count(*) AS n FROM attack_techniques").first<{ n: number }>())?.n;
      const before = await rows();
      published.set("18.1", `/bundles/18.1/${variant}`);
      const state = await driveWorkflow((await refreshStartedByCron()).id);
      expect(state.status).toBe("failed");
      expect(state.error).toMatch(/could not be read|ends early|not valid JSON/);
      expect((await getActiveVersion(db))?.version).toBe("17.1");
      expect(await rows()).toBe(before);
      const v = await env.DB.prepare("SELECT count(*) AS n FROM attack_versions WHERE version = '18.1'").first<{
        n: number;
      }>();
      expect(v?.n).toBe(0);
    },
  );

  it("then applies 18.1", async () => {
    published.set("18.1", "/bundles/18.1/good");
    const refresh = await refreshStartedByCron();
    expect((await driveWorkflow(refresh.id)).status).toBe("completed");
    expect((await getActiveVersion(db))?.version).toBe("18.1");
    const changes = await json<{ added: string[]; revoked: unknown[]; renamed: { id: string }[]; updated: string[] }>(
      await api("/api/v1/attack/changes?from=17.1&to=18.1", member),
    );
    expect([changes.added.length, changes.revoked.length, changes.updated.length]).toEqual([12, 0, 62]);
    expect(changes.renamed.map((r) => r.id)).toEqual(["T1497.003", "T1552.003"]);
    const status = await json<{ status: string; steps: { step: string }[] }>(
      await api(`/api/v1/attack/refresh/${refresh.id}`, operator),
    );
    expect(status.steps.map((s) => s.step)).toEqual([
      "resolve",
      "load",
      "diff",
      "model",
      "switch",
      "coverage",
      "reeval",
    ]);
  });
});
