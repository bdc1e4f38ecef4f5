import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateLayer } from "../src/coverage/navigator";
import type { AnalysisOutputT } from "../src/analyses/analyses.schemas";
import {
  api,
  callTool,
  connectMcp,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  type ErrorBody,
  type ImportOut,
  dataOf,
} from "./helpers";
import { ACTIVE_TECHNIQUES_18_1, RULES, sigma, type Coverage, type Gaps } from "./coverage-fixtures";
import * as fixtures from "./coverage-fixtures";

let a: { key: string; tenantId: string };
let b: { key: string; tenantId: string };
beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("blue-team");
  b = await newTenantKey("other-team");
});

const seedAccount = (rules?: { path: string; content: string }[]) => fixtures.seedAccount(a.key, rules);
const importRules = (
  account: string,
  files: { path: string; content: string }[],
  extra: Record<string, unknown> = {},
  key = a.key,
  format = "sigma",
) => fixtures.importRules(key, account, files, extra, format);

describe("accounts", () => {
  it("refuses a duplicate provider + identifier and an unknown provider", async () => {
    const account = {
      name: "Prod AWS",
      provider: "aws",
      identifier: "999988887777",
      environment: "prod",
      criticality: "high",
    };
    expect((await postJson("/api/v1/accounts", a.key, account)).status).toBe(201);
    const dup = await postJson("/api/v1/accounts", a.key, { ...account, environment: "dev", criticality: "low" });
    expect(dup.status).toBe(409);
    const bad = await postJson("/api/v1/accounts", a.key, { ...account, provider: "oracle", identifier: "1" });
    expect(bad.status).toBe(400);
    expect((await json<ErrorBody>(bad)).error.message).toMatch(/unknown provider/);
    // Another tenant may register the same identifier: accounts are per tenant.
    expect((await postJson("/api/v1/accounts", b.key, account)).status).toBe(201);
  });

  it("a new account has its (empty) coverage stored at once, current and honest about it", async () => {
    const account = await seedAccount();
    const coverage = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    expect(coverage).toMatchObject({ attackVersion: "18.1", covered: 0, stale: false });
    expect(coverage.total).toBe(ACTIVE_TECHNIQUES_18_1);
    expect(coverage.computedAt).not.toBeNull();
  });
});

describe("import", () => {
  it("imports rules, reports bad files and unknown ids per file, infers mappings for untagged rules", async () => {
    const account = await seedAccount();
    const out = await json<ImportOut>(await importRules(account, RULES));
    expect(out).toMatchObject({ imported: 4, updated: 0, unchanged: 0, skipped: 1 });
    expect(out.errors).toEqual([
      expect.objectContaining({ path: "broken.yml" }),
      expect.objectContaining({ path: "d.yml", message: expect.stringMatching(/T9999/) }),
    ]);
    expect(out.mappings.tag).toBe(3);
    // Up to three inferred per untagged rule; one untagged rule here.
    expect(out.mappings.nlp).toBeGreaterThanOrEqual(1);
    expect(out.mappings.nlp).toBeLessThanOrEqual(3);
    const nlp = await json<{ items: { techniqueId: string; validation: string }[] }>(
      await api(`/api/v1/accounts/${account}/mappings?method=nlp`, a.key),
    );
    expect(nlp.items).toHaveLength(out.mappings.nlp);
    expect(nlp.items.map((m) => m.techniqueId)).toContain("T1003.001");
    expect(nlp.items.every((m) => m.validation === "pending")).toBe(true);
  });

  it("re-importing the same rules changes nothing; an edited rule becomes a new version", async () => {
    const account = await seedAccount(RULES);
    const again = await json<ImportOut>(await importRules(account, RULES.slice(0, 3)));
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 3 });
    const edited = [
      {
        path: "a.yml",
        content: sigma(
          "11111111-1111-4111-8111-111111111111",
          "Encoded PowerShell",
          ["attack.execution", "attack.t1059.001"],
          "\n    ParentImage|endswith: '\\\\winword.exe'",
        ),
      },
    ];
    const out = await json<ImportOut>(await importRules(account, edited));
    expect(out).toMatchObject({ imported: 0, updated: 1, unchanged: 0 });
    const history = await json<{ items: { scan: { modified: number } | null }[] }>(
      await api(`/api/v1/accounts/${account}/history`, a.key),
    );
    expect(history.items[0]?.scan).toMatchObject({ modified: 1 });
    const row = await env.DB.prepare(
      "SELECT version, previous_version_id FROM detections WHERE source_rule_id = '11111111-1111-4111-8111-111111111111' AND account_id = ?",
    )
      .bind(account)
      .first<{ version: number; previous_version_id: number }>();
    expect(row?.version).toBe(2);
    expect(row?.previous_version_id).not.toBeNull();
  });

  it("maps a revoked id to its successor with a note (Splunk)", async () => {
    const account = await seedAccount();
    const splunk = `name: DLL Side Loading
id: 55555555-5555-4555-8555-555555555555
version: 1
date: '2024-01-01'
author: test
status: production
type: TTP
description: Detects DLL side loading.
search: '| tstats count from datamodel=Endpoint.Processes'
tags:
  mitre_attack_id:
  - T1574.002
  required_fields:
  - process_name
`;
    const out = await json<ImportOut>(
      await importRules(account, [{ path: "dll.yml", content: splunk }], {}, a.key, "splunk"),
    );
    expect(out.imported).toBe(1);
    expect(out.notes).toContainEqual(
      expect.objectContaining({ path: "dll.yml", message: expect.stringMatching(/T1574\.002.*revoked.*T1574\.001/) }),
    );
    const layer = await json<{ techniques: { techniqueID: string }[] }>(
      await api(`/api/v1/accounts/${account}/coverage/layer`, a.key),
    );
    expect(layer.techniques.map((t) => t.techniqueID)).toEqual(["T1574.001", "T1574.001", "T1574.001"]);
  });

  it("reports broken TOML per file (Elastic)", async () => {
    const account = await seedAccount();
    const out = await json<ImportOut>(
      await importRules(account, [{ path: "bad.toml", content: "[rule\nname = " }], {}, a.key, "elastic"),
    );
    expect(out).toMatchObject({ imported: 0, skipped: 1 });
    expect(out.errors.map((e) => e.path)).toEqual(["bad.toml"]);
  });
});

describe("coverage, gaps and overlaps", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount(RULES);
  });

  it("counts tag mappings, not pending inferred ones, until an analyst validates them", async () => {
    const before = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    expect(before.covered).toBe(2);
    // T1059.001 and T1053.005 (scheduled tasks execute too).
    expect(before.tactics.find((t) => t.shortname === "execution")?.covered).toBe(2);
    const nlp = await json<{ items: { id: string; techniqueId: string }[] }>(
      await api(`/api/v1/accounts/${account}/mappings?method=nlp`, a.key),
    );
    const lsass = nlp.items.find((m) => m.techniqueId === "T1003.001");
    const reviewed = await api(`/api/v1/accounts/${account}/mappings/${lsass?.id}`, a.key, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ validation: "validated", rationale: "the rule does catch LSASS dumping" }),
    });
    expect(reviewed.status).toBe(200);
    const after = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    expect(after.covered).toBe(3);
    expect(after.stale).toBe(false);
  });

  it("ranks gaps by risk with NIST controls, finds overlaps, and exports a valid Navigator layer", async () => {
    const gaps = await json<Gaps>(await api(`/api/v1/accounts/${account}/gaps?limit=5`, a.key));
    expect(gaps.items).toHaveLength(5);
    expect(gaps.items.map((g) => g.riskScore)).toEqual([...gaps.items.map((g) => g.riskScore)].sort((x, y) => y - x));
    expect(gaps.items.map((g) => g.techniqueId)).not.toContain("T1059.001");
    expect(gaps.items.some((g) => g.controls.length > 0)).toBe(true);
    const overlaps = await json<{ items: { techniqueId: string; detectionCount: number }[] }>(
      await api(`/api/v1/accounts/${account}/overlaps`, a.key),
    );
    expect(overlaps.items).toEqual([expect.objectContaining({ techniqueId: "T1059.001", detectionCount: 2 })]);
    const layer = await json<{ techniques: { techniqueID: string; score: number; tactic: string }[] }>(
      await api(`/api/v1/accounts/${account}/coverage/layer`, a.key),
    );
    expect(validateLayer(layer)).toEqual({ ok: true });
    expect(layer.techniques).toContainEqual(
      // Two counting tag rules of unknown health: fair (2), backed by a second rule (+1).
      expect.objectContaining({ techniqueID: "T1059.001", tactic: "execution", score: 3 }),
    );
  });
});

describe("what a threat means for the account", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount(RULES);
  });

  it("checks an analysed report and an ATT&CK group against the account", async () => {
    const report = await json<AnalysisOutputT>(
      await postJson("/api/v1/analyze", a.key, {
        text: "The actor ran encoded PowerShell commands (T1059.001), then exfiltrated archives over its C2 channel and encrypted files for impact.",
      }),
    );
    type G = {
      covered: number;
      uncovered: number;
      techniques: { id: string; covered: boolean; detections: { name: string }[]; controls: { id: string }[] }[];
    };
    const gaps = await json<G>(await api(`/api/v1/reports/${report.reportId}/gaps?account=${account}`, a.key));
    expect(gaps.techniques.map((t) => t.id).sort()).toEqual(report.techniques.map((t) => t.id).sort());
    const ps = gaps.techniques.find((t) => t.id === "T1059.001");
    expect(ps).toMatchObject({ covered: true });
    expect(ps?.detections.map((d) => d.name)).toEqual(["Encoded PowerShell", "Scheduled task creation"]);
    const uncovered = gaps.techniques.filter((t) => !t.covered);
    expect(gaps.uncovered).toBe(uncovered.length);
    expect(gaps.covered + gaps.uncovered).toBe(report.techniques.length);
    expect(uncovered.some((t) => t.controls.length > 0)).toBe(true);
    const layer = await json<unknown>(await api(`/api/v1/reports/${report.reportId}/layer?account=${account}`, a.key));
    expect(validateLayer(layer)).toEqual({ ok: true });
    const group = await json<G>(await api(`/api/v1/attack/groups/G0016/gaps?account=${account}`, a.key));
    const apt29 = await json<{ techniques: { id: string }[] }>(
      await api("/api/v1/attack/groups/G0016?limit=100", a.key),
    );
    expect(group.covered + group.uncovered).toBe(new Set(apt29.techniques.map((t) => t.id)).size);
  });
});

describe("tenant isolation", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount(RULES.slice(0, 1));
  });

  it("tenant B cannot read, import into or export tenant A's account", async () => {
    for (const path of [
      "",
      "/coverage",
      "/coverage/layer",
      "/gaps",
      "/overlaps",
      "/history",
      "/health",
      "/mappings",
      "/deprecations",
    ]) {
      expect((await api(`/api/v1/accounts/${account}${path}`, b.key)).status, path).toBe(404);
    }
    expect((await importRules(account, RULES.slice(0, 1), {}, b.key)).status).toBe(404);
    for (const path of ["/detections", "/mappings?limit=1"]) {
      expect((await api(`/api/v1/accounts/${account}${path}`, b.key)).status, path).toBe(404);
    }
    const theirs = await json<{ items: { id: string }[] }>(await api("/api/v1/accounts?limit=100", b.key));
    expect(theirs.items.map((x) => x.id)).not.toContain(account);
  });
});

describe("MCP coverage tools", () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectMcp(a.key);
  });
  afterAll(async () => {
    await client.close();
  });

  it("create_account, import_detections, get_coverage and export (navigator) through the SDK client", async () => {
    const created = await callTool(client, "create_account", {
      name: "Azure sub",
      provider: "azure",
      identifier: "sub-1",
      environment: "staging",
      criticality: "medium",
      // Windows VMs besides Azure's own platforms: the rules are Windows ones.
      platforms: ["IaaS", "Identity Provider", "Windows"],
    });
    const id = (dataOf(created) as { id: string }).id;
    const imported = await callTool(client, "import_detections", {
      account_id: id,
      format: "sigma",
      files: RULES.slice(0, 2),
    });
    expect(dataOf(imported)).toMatchObject({ imported: 2 });
    const coverage = await callTool(client, "get_coverage", { account_id: id });
    expect(dataOf(coverage)).toMatchObject({ covered: 2, stale: false });
    const brief = dataOf(await callTool(client, "export", { account_id: id }));
    expect(brief).toEqual({
      format: "navigator",
      name: expect.any(String),
      items: 2,
      download: `/api/v1/accounts/${id}/coverage/layer`,
      mediaType: "application/json",
    });
    const layer = await callTool(client, "export", { account_id: id, include_content: true });
    const { content: built } = dataOf(layer) as { content: unknown };
    expect(validateLayer(built)).toEqual({ ok: true });
    expect(built).toEqual(await json(await api(`/api/v1/accounts/${id}/coverage/layer`, a.key)));
    const foreign = await callTool(client, "get_coverage", { account_id: crypto.randomUUID() });
    expect(foreign.isError).toBe(true);
  });

  it("list_gaps, report_gap_analysis, get_detection_health and review_mapping answer as REST does", async () => {
    const account = await seedAccount(RULES);
    const gaps = await callTool(client, "list_gaps", { account_id: account, limit: 3 });
    const rest = await json<Gaps & { nextCursor: string | null }>(
      await api(`/api/v1/accounts/${account}/gaps?limit=3`, a.key),
    );
    // Concise: a gap's controls by id; detail gives REST's objects.
    const brief = rest.items.map((g) => ({ ...g, controls: g.controls.map((c) => c.id) }));
    expect(dataOf(gaps)).toMatchObject({ items: brief, hasMore: true, stale: false });
    const detailed = await callTool(client, "list_gaps", { account_id: account, limit: 3, detail: true });
    expect(dataOf(detailed)).toMatchObject({ items: rest.items });

    const byGroup = await callTool(client, "report_gap_analysis", { account_id: account, group: "APT29" });
    expect(dataOf(byGroup)).toMatchObject({ subject: { id: "G0016", name: "APT29" } });
    const restGroup = await json<{ covered: number; uncovered: number }>(
      await api(`/api/v1/attack/groups/G0016/gaps?account=${account}`, a.key),
    );
    expect(dataOf(byGroup)).toMatchObject({ covered: restGroup.covered, uncovered: restGroup.uncovered });
    const neither = await callTool(client, "report_gap_analysis", { account_id: account });
    expect(neither).toMatchObject({ isError: true, content: [{ text: "give exactly one of report_id or group" }] });

    const health = await callTool(client, "get_detection_health", { account_id: account });
    expect(dataOf(health)).toEqual(await json(await api(`/api/v1/accounts/${account}/health`, a.key)));

    const nlp = await json<{ items: { id: string; techniqueId: string }[] }>(
      await api(`/api/v1/accounts/${account}/mappings?method=nlp`, a.key),
    );
    const lsass = nlp.items.find((m) => m.techniqueId === "T1003.001");
    const reviewed = await callTool(client, "review_mapping", {
      account_id: account,
      mapping_id: lsass?.id,
      validation: "validated",
      rationale: "seen in the lab",
    });
    expect(dataOf(reviewed)).toMatchObject({
      id: lsass?.id,
      validation: "validated",
      rationale: "seen in the lab",
    });
    const coverage = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    expect(coverage.covered).toBe(3);
    const audit = await json<{ items: { action: string; target: string | null }[] }>(await api("/api/v1/audit", a.key));
    expect(audit.items[0]).toMatchObject({ action: "mcp:review_mapping", target: lsass?.id });
  });
});
