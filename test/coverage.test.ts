import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { validateLayer } from "../src/coverage/navigator";
import { createDb } from "../src/db/client";
import { createApiKey } from "../src/db/repos/tenants";
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
} from "./helpers";

type Gaps = { items: { techniqueId: string; riskScore: number; controls: { id: string }[] }[] };
type Coverage = {
  covered: number;
  total: number;
  tactics: { shortname: string; covered: number }[];
  health: Record<string, number>;
};

const sigma = (id: string, title: string, tags: string[], extra = "") => `title: ${title}
id: ${id}
status: test
description: ${title} for the test
author: test
date: 2024-01-01
tags:
${tags.map((t) => `  - ${t}`).join("\n")}
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\powershell.exe'
    CommandLine|contains: '-enc'${extra}
  condition: selection
level: high
`;

const RULES = [
  {
    path: "a.yml",
    content: sigma("11111111-1111-4111-8111-111111111111", "Encoded PowerShell", [
      "attack.execution",
      "attack.t1059.001",
    ]),
  },
  {
    path: "b.yml",
    content: sigma("22222222-2222-4222-8222-222222222222", "Scheduled task creation", [
      "attack.persistence",
      "attack.t1053.005",
      "attack.t1059.001",
    ]),
  },
  {
    path: "c.yml",
    content: sigma("33333333-3333-4333-8333-333333333333", "Credential dumping from LSASS memory with Mimikatz", []),
  },
  { path: "d.yml", content: sigma("44444444-4444-4444-8444-444444444444", "Unknown tag", ["attack.t9999"]) },
  { path: "broken.yml", content: "title: Broken\nid: x\n  detection: [\n" },
];

let a: { key: string; tenantId: string };
let b: { key: string; tenantId: string };
let account: string;
beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("blue-team");
  b = await newTenantKey("other-team");
  const res = await postJson("/api/v1/accounts", a.key, {
    name: "Prod AWS",
    provider: "aws",
    identifier: "111122223333",
    environment: "prod",
    criticality: "high",
  });
  expect(res.status).toBe(201);
  account = (await json<{ id: string }>(res)).id;
});

const importRules = (
  files: { path: string; content: string }[],
  extra: Record<string, unknown> = {},
  key = a.key,
  format = "sigma",
) => postJson(`/api/v1/accounts/${account}/detections/import`, key, { format, files, ...extra });

describe("accounts", () => {
  it("refuses a duplicate provider + identifier and an unknown provider", async () => {
    const dup = await postJson("/api/v1/accounts", a.key, {
      name: "again",
      provider: "aws",
      identifier: "111122223333",
      environment: "dev",
      criticality: "low",
    });
    expect(dup.status).toBe(409);
    const bad = await postJson("/api/v1/accounts", a.key, {
      name: "x",
      provider: "oracle",
      identifier: "1",
      environment: "dev",
      criticality: "low",
    });
    expect(bad.status).toBe(400);
    expect((await json<ErrorBody>(bad)).error.message).toMatch(/unknown provider/);
    // Another tenant may register the same identifier: accounts are per tenant.
    expect(
      (
        await postJson("/api/v1/accounts", b.key, {
          name: "theirs",
          provider: "aws",
          identifier: "111122223333",
          environment: "prod",
          criticality: "low",
        })
      ).status,
    ).toBe(201);
  });
});

describe("import, drift and coverage", () => {
  it("imports rules, reports bad files and unknown ids per file, infers mappings for untagged rules", async () => {
    const out = await json<ImportOut>(await importRules(RULES));
    expect(out).toMatchObject({ imported: 4, updated: 0, unchanged: 0, skipped: 1 });
    expect(out.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "broken.yml" }),
        expect.objectContaining({ path: "d.yml", message: expect.stringMatching(/T9999/) }),
      ]),
    );
    expect(out.mappings.tag).toBe(3);
    expect(out.mappings.nlp).toBeGreaterThan(0);
    const nlp = await json<{ items: { techniqueId: string; validation: string }[] }>(
      await api(`/api/v1/accounts/${account}/mappings?method=nlp`, a.key),
    );
    expect(nlp.items.map((m) => m.techniqueId)).toContain("T1003.001");
    expect(nlp.items.every((m) => m.validation === "pending")).toBe(true);
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
  });

  it("re-importing the same rules changes nothing; an edited rule becomes a new version", async () => {
    const again = await json<ImportOut>(await importRules(RULES.slice(0, 3)));
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
    const out = await json<ImportOut>(await importRules(edited));
    expect(out).toMatchObject({ imported: 0, updated: 1, unchanged: 0 });
    const history = await json<{ items: { scan: { modified: number } | null }[] }>(
      await api(`/api/v1/accounts/${account}/history`, a.key),
    );
    expect(history.items[0]?.scan).toMatchObject({ modified: 1 });
    const row = await env.DB.prepare(
      "SELECT version, previous_version_id FROM detections WHERE source_rule_id = '11111111-1111-4111-8111-111111111111' AND tenant_id = ?",
    )
      .bind(a.tenantId)
      .first<{ version: number; previous_version_id: number }>();
    expect(row?.version).toBe(2);
    expect(row?.previous_version_id).not.toBeNull();
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
    expect(overlaps.items).toContainEqual(expect.objectContaining({ techniqueId: "T1059.001", detectionCount: 2 }));
    const layer = await json<{ techniques: { techniqueID: string; score: number; tactic: string }[] }>(
      await api(`/api/v1/accounts/${account}/coverage/layer`, a.key),
    );
    expect(validateLayer(layer)).toEqual({ ok: true });
    expect(layer.techniques).toContainEqual(
      expect.objectContaining({ techniqueID: "T1059.001", tactic: "execution", score: 2 }),
    );
  });

  it("maps a revoked id to its successor with a note (Splunk)", async () => {
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
    const out = await json<ImportOut>(await importRules([{ path: "dll.yml", content: splunk }], {}, a.key, "splunk"));
    expect(out.imported).toBe(1);
    expect(out.notes).toContainEqual(
      expect.objectContaining({ path: "dll.yml", message: expect.stringMatching(/T1574\.002.*revoked.*T1574\.001/) }),
    );
    const layer = await json<{ techniques: { techniqueID: string }[] }>(
      await api(`/api/v1/accounts/${account}/coverage/layer`, a.key),
    );
    expect(layer.techniques.map((t) => t.techniqueID)).toContain("T1574.001");
  });

  it("reports broken TOML per file (Elastic)", async () => {
    const out = await json<ImportOut>(
      await importRules([{ path: "bad.toml", content: "[rule\nname = " }], {}, a.key, "elastic"),
    );
    expect(out).toMatchObject({ imported: 0, skipped: 1 });
    expect(out.errors[0]?.path).toBe("bad.toml");
  });
});

describe("what a threat means for the account", () => {
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
    const ps = gaps.techniques.find((t) => t.id === "T1059.001");
    expect(ps).toMatchObject({ covered: true });
    expect(ps?.detections.map((d) => d.name)).toContain("Encoded PowerShell");
    const uncovered = gaps.techniques.filter((t) => !t.covered);
    expect(uncovered.length).toBeGreaterThan(0);
    expect(uncovered.some((t) => t.controls.length > 0)).toBe(true);
    const layer = await json<unknown>(await api(`/api/v1/reports/${report.reportId}/layer?account=${account}`, a.key));
    expect(validateLayer(layer)).toEqual({ ok: true });
    const group = await json<G>(await api(`/api/v1/attack/groups/G0016/gaps?account=${account}`, a.key));
    expect(group.covered + group.uncovered).toBeGreaterThan(20);
  });
});

describe("deprecated APIs and detection health", () => {
  it("an admin records a deprecation; detections that use it turn degraded and are listed", async () => {
    const { key: adminKey } = await createApiKey(createDb(env.DB), a.tenantId, "ops", "admin");
    const body = {
      apiName: "winword.exe",
      description: "test deprecation",
      removalDate: "2999-01-01",
      replacement: "the new field",
    };
    expect((await postJson("/api/v1/coverage/deprecations", a.key, body)).status).toBe(403);
    const res = await postJson("/api/v1/coverage/deprecations", adminKey, body);
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ impactedDetections: 1, impact: "medium" });
    const listed = await json<{ items: { detection: string; apiName: string }[] }>(
      await api(`/api/v1/accounts/${account}/deprecations`, a.key),
    );
    expect(listed.items).toEqual([
      expect.objectContaining({ detection: "Encoded PowerShell", apiName: "winword.exe" }),
    ]);
    const health = await json<{
      summary: Record<string, number>;
      attention: { name: string; status: string; issues: string[] }[];
    }>(await api(`/api/v1/accounts/${account}/health`, a.key));
    expect(health.summary.degraded).toBe(1);
    expect(health.attention[0]).toMatchObject({ name: "Encoded PowerShell", status: "degraded" });
    expect(health.attention[0]?.issues[0]).toMatch(/winword\.exe/);
  });
});

describe("tenant isolation", () => {
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
    expect((await importRules(RULES.slice(0, 1), {}, b.key)).status).toBe(404);
    const theirs = await json<{ accounts: { id: string }[] }>(await api("/api/v1/accounts", b.key));
    expect(theirs.accounts.map((x) => x.id)).not.toContain(account);
  });
});

describe("MCP coverage tools", () => {
  it("create_account, import_detections, get_coverage and export_navigator_layer through the SDK client", async () => {
    const client = await connectMcp(a.key);
    const created = await callTool(client, "create_account", {
      name: "Azure sub",
      provider: "azure",
      identifier: "sub-1",
      environment: "staging",
      criticality: "medium",
    });
    const id = (created.structuredContent as { id: string }).id;
    const imported = await callTool(client, "import_detections", {
      account_id: id,
      format: "sigma",
      files: RULES.slice(0, 2),
    });
    expect(imported.structuredContent).toMatchObject({ imported: 2 });
    const coverage = await callTool(client, "get_coverage", { account_id: id });
    expect((coverage.structuredContent as { covered: number }).covered).toBe(2);
    const layer = await callTool(client, "export_navigator_layer", { account_id: id });
    expect(validateLayer((layer.structuredContent as { layer: unknown }).layer)).toEqual({ ok: true });
    const foreign = await callTool(client, "get_coverage", { account_id: crypto.randomUUID() });
    expect(foreign.isError).toBe(true);
    await client.close();
  });
});
