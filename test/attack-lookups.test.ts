/**
 * Software, campaign, mitigation and group lookups (by id, name or alias, with their techniques a
 * page at a time) and a technique's procedure examples, over REST and MCP, on the shipped ATT&CK 18.1.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CampaignT,
  GroupT,
  MitigationT,
  ProcedureExampleT,
  SoftwareT,
  TechniqueT,
} from "../src/attack/attack.schemas";
import {
  api,
  callTool,
  connectMcp,
  json,
  loadFixture,
  newTenantKey,
  SHIPPED_BUNDLE,
  type ErrorBody,
  dataOf,
} from "./helpers";

interface ProcedurePage {
  attackVersion: string;
  techniqueId: string;
  total: number;
  items: ProcedureExampleT[];
  hasMore: boolean;
  nextCursor: string | null;
}

let key: string;
let client: Client;

beforeAll(async () => {
  await loadFixture(SHIPPED_BUNDLE);
  key = (await newTenantKey("lookups")).key;
  client = await connectMcp(key);
});
afterAll(async () => {
  await client.close();
});

const get = async <T>(path: string) => {
  const res = await api(path, key);
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
  return json<T>(res);
};
const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;

/** Every page of a paged answer, following nextCursor to the end. */
async function allPages<T extends { nextCursor: string | null }>(first: string, read: (url: string) => Promise<T>) {
  const pages = [await read(first)];
  for (let last = pages[0]; last?.nextCursor; last = pages.at(-1)) {
    expect(pages.length, "more pages than items").toBeLessThan(50);
    pages.push(await read(`${first}${first.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(last.nextCursor)}`));
  }
  return pages;
}

describe("REST lookups by id, name and alias", () => {
  it.each([
    ["software/S0002", "S0002", "Mimikatz"],
    ["software/mimikatz", "S0002", "Mimikatz"],
    ["software/Totbrick", "S0266", "TrickBot"],
    ["campaigns/C0024", "C0024", "SolarWinds Compromise"],
    ["campaigns/solarwinds%20compromise", "C0024", "SolarWinds Compromise"],
    ["campaigns/operation%20north%20star", "C0022", "Operation Dream Job"],
    ["mitigations/m1036", "M1036", "Account Use Policies"],
    ["mitigations/ACCOUNT%20USE%20POLICIES", "M1036", "Account Use Policies"],
    ["groups/cozy%20bear", "G0016", "APT29"],
  ])("GET /api/v1/attack/%s → %s", async (path, id, name) => {
    const body = await get<{ id: string; name: string; techniqueCount: number; techniques: unknown[] }>(
      `/api/v1/attack/${path}`,
    );
    expect(body).toMatchObject({ id, name, attackVersion: "18.1" });
    expect(body.techniqueCount).toBeGreaterThan(0);
    expect(body.techniques.length).toBe(Math.min(25, body.techniqueCount));
  });

  it("answers compact techniques by default and their texts on request", async () => {
    const mimikatz = await get<SoftwareT>("/api/v1/attack/software/S0002");
    expect(mimikatz).toMatchObject({ type: "tool", platforms: expect.arrayContaining(["Windows"]) });
    expect(mimikatz.techniques.map((t) => t.id)).toContain("T1003.001");
    expect(mimikatz.techniques.every((t) => Object.keys(t).join() === "id,name")).toBe(true);
    expect(mimikatz.procedureSample?.length).toBe(3);
    const detailed = await get<SoftwareT>("/api/v1/attack/software/S0002?detail=true");
    expect(detailed.techniques.map((t) => t.id)).toEqual(mimikatz.techniques.map((t) => t.id));
    expect(detailed.techniques.every((t) => (t.procedure ?? "").length > 0)).toBe(true);
    expect(detailed.procedureSample).toBeNull();

    const policies = await get<MitigationT>("/api/v1/attack/mitigations/M1036?detail=true&limit=100");
    expect(policies.techniques).toHaveLength(policies.techniqueCount);
    expect(policies.techniques.some((t) => (t.guidance ?? "").length > 0)).toBe(true);

    const solarwinds = await get<CampaignT>("/api/v1/attack/campaigns/C0024");
    expect(solarwinds.attributedTo).toEqual([{ id: "G0016", name: "APT29" }]);
    const allSoftware = await get<CampaignT>("/api/v1/attack/campaigns/C0024?detail=true&limit=1");
    expect(allSoftware.software.map((s) => s.name)).toContain("SUNBURST");
    expect(allSoftware.software).toHaveLength(solarwinds.softwareCount);
    expect(solarwinds.software.length).toBe(Math.min(15, solarwinds.softwareCount));
    expect(solarwinds.firstSeen).toBeTruthy();
  });

  it("pages through Cobalt Strike's techniques to the end, every one once", async () => {
    const pages = await allPages("/api/v1/attack/software/S0154?limit=20", (u) => get<SoftwareT>(u));
    const ids = pages.flatMap((p) => p.techniques.map((t) => t.id));
    const total = pages[0]?.techniqueCount ?? 0;
    expect(total).toBeGreaterThan(60);
    expect(pages).toHaveLength(Math.ceil(total / 20));
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toEqual([...ids].sort());
    expect(pages.slice(1).every((p) => p.procedureSample === null)).toBe(true);
    const all = await get<SoftwareT>("/api/v1/attack/software/S0154?limit=100");
    expect(all.techniques.map((t) => t.id)).toEqual(ids);
    expect(all.nextCursor).toBeNull();
  });

  it.each([
    ["software/DNSMessenger", 400, "ambiguous", /names 2 software in ATT&CK 18.1: S0145 .*, S0146 .*; ask again by id/],
    ["software/nosuchtool", 404, "not_found", /no ATT&CK 18.1 software .* 'nosuchtool'.*search_techniques/],
    ["software/APT29", 404, "not_found", /'APT29' is the group G0016 \(APT29\).*get_attack_object/],
    ["software/G0016", 404, "not_found", /'G0016' is the group G0016.*\/api\/v1\/attack\/groups\/G0016/],
    ["campaigns/Mimikatz", 404, "not_found", /the software S0002 .*get_attack_object/],
    ["mitigations/C9999", 404, "not_found", /'C9999' is a campaign id.*get_attack_object/],
    ["groups/G9999", 404, "not_found", /no ATT&CK 18.1 group has the id, name or alias 'G9999'/],
    ["software/S0002?cursor=garbage", 400, "bad_request", /invalid cursor/],
    ["software/S0002?version=99.9", 404, "not_found", /ATT&CK 99.9 is not loaded/],
  ])("GET /api/v1/attack/%s → %i %s", async (path, status, code, message) => {
    const res = await api(`/api/v1/attack/${path}`, key);
    expect(res.status).toBe(status);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });
});

describe("a technique's procedure examples", () => {
  it("pages to the end with every example once, continuing where get_technique stops", async () => {
    const t = await get<TechniqueT>("/api/v1/attack/techniques/T1566.001");
    expect(t.procedureExamples).toHaveLength(5);
    expect(t.proceduresCursor).toBeTruthy();
    const pages = await allPages("/api/v1/attack/techniques/T1566.001/procedures?limit=30", (u) =>
      get<ProcedurePage>(u),
    );
    const items = pages.flatMap((p) => p.items);
    expect(pages[0]?.total).toBe(t.procedureCount);
    expect(items).toHaveLength(t.procedureCount);
    expect(new Set(items.map((i) => `${i.sourceId} ${i.description}`)).size).toBe(items.length);
    expect(pages.slice(0, -1).every((p) => p.hasMore && p.items.length === 30)).toBe(true);
    expect(pages.at(-1)?.hasMore).toBe(false);
    expect(items.slice(0, 5)).toEqual(t.procedureExamples);
    expect(new Set(items.map((i) => i.sourceType))).toEqual(new Set(["group", "software", "campaign"]));
    // get_technique's cursor picks up at the sixth.
    const rest = await get<ProcedurePage>(
      `/api/v1/attack/techniques/T1566.001/procedures?limit=3&cursor=${encodeURIComponent(t.proceduresCursor ?? "")}`,
    );
    expect(rest.items).toEqual(items.slice(5, 8));
  });

  it("says so when the technique does not exist", async () => {
    const res = await api("/api/v1/attack/techniques/T9999/procedures", key);
    expect(res.status).toBe(404);
    expect((await json<ErrorBody>(res)).error.message).toMatch(/T9999 does not exist.*search_techniques/);
  });
});

describe("MCP lookups", () => {
  it.each([
    ["software", "S0002", "S0002"],
    ["software", "MIMIKATZ", "S0002"],
    ["software", "totbrick", "S0266"],
    ["campaign", "C0024", "C0024"],
    ["campaign", "SolarWinds Compromise", "C0024"],
    ["campaign", "Operation Interception", "C0022"],
    ["mitigation", "M1036", "M1036"],
    ["mitigation", "account use policies", "M1036"],
    ["group", "Cozy Bear", "G0016"],
  ])("get_attack_object finds the %s %s → %s, by id, name or alias, with no kind given", async (kind, id, expected) => {
    const result = await callTool(client, "get_attack_object", { id });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(dataOf(result)).toMatchObject({ kind, id: expected });
  });

  it.each([
    [
      "get_attack_object",
      { id: "nosuchtool" },
      /no ATT&CK 18.1 group, software, campaign or mitigation .*search_techniques/,
    ],
    ["get_attack_object", { id: "spicyomelette" }, /names 2 software.*S0284.*S0646.*ask again by id/],
    ["get_attack_object", { id: "APT29", kind: "campaign" }, /is the group G0016.*get_attack_object/],
    ["get_attack_object", { id: "M9999" }, /no ATT&CK 18.1 mitigation has the id, name or alias 'M9999'/],
    ["list_procedure_examples", { technique_id: "T9999" }, /T9999 does not exist/],
  ])("%s %j → isError saying what to do", async (tool, args, message) => {
    const result = await callTool(client, tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });

  it("list_procedure_examples pages with cursors to the end, every example once", async () => {
    const items: ProcedureExampleT[] = [];
    let cursor: string | undefined;
    let total = 0;
    for (let calls = 0; calls < 20; calls++) {
      const result = await callTool(client, "list_procedure_examples", {
        technique_id: "t1059.001",
        limit: 40,
        ...(cursor ? { cursor } : {}),
      });
      const page = dataOf(result) as ProcedurePage;
      items.push(...page.items);
      total = page.total;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(total).toBeGreaterThan(100);
    expect(items).toHaveLength(total);
    expect(new Set(items.map((i) => `${i.sourceId} ${i.description}`)).size).toBe(total);
  });

  it("get_attack_object pages a big group's techniques with detail, every one once", async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    let count = 0;
    for (let calls = 0; calls < 10; calls++) {
      const result = await callTool(client, "get_attack_object", {
        id: "Kimsuky",
        detail: true,
        ...(cursor ? { cursor } : {}),
      });
      const group = dataOf(result) as GroupT;
      expect(group.techniques.every((t) => (t.procedure ?? "").length > 0)).toBe(true);
      ids.push(...group.techniques.map((t) => t.id));
      count = group.techniqueCount;
      if (!group.nextCursor) break;
      cursor = group.nextCursor;
    }
    expect(count).toBeGreaterThan(100);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
  });
});

describe("MCP answers fit an agent's context", () => {
  const size = (r: CallToolResult) => new TextEncoder().encode(JSON.stringify(r)).length;

  // Kimsuky uses the most techniques (109) in ATT&CK 18.1, Lazarus Group the next most, APT29 the most software.
  it.each(["G0094", "G0032", "G0016"])(
    "get_attack_object's default answer for the big group %s is under 10 KB",
    async (id) => {
      const result = await callTool(client, "get_attack_object", { id });
      const group = dataOf(result) as GroupT;
      expect(group.techniqueCount).toBeGreaterThan(60);
      expect(group.techniques).toHaveLength(25);
      expect(group.nextCursor).toBeTruthy();
      expect(group.procedureSample).toHaveLength(3);
      expect(size(result)).toBeLessThan(10_000);
    },
  );

  it("get_attack_object gives a group's full description and every software with detail", async () => {
    const compact = dataOf(await callTool(client, "get_attack_object", { id: "G0016" })) as GroupT;
    const full = dataOf(await callTool(client, "get_attack_object", { id: "G0016", detail: true })) as GroupT;
    expect(compact.softwareCount).toBeGreaterThan(15);
    expect(compact.software).toHaveLength(15);
    expect(full.software).toHaveLength(compact.softwareCount);
    expect(full.description).toContain("](https://attack.mitre.org/");
    expect(compact.description).not.toContain("](https://");
    expect(full.description.length).toBeGreaterThan(compact.description.length);
  });

  it.each([
    ["get_attack_object", { id: "Cobalt Strike" }],
    ["get_attack_object", { id: "C0024" }],
    ["get_attack_object", { id: "M1018" }],
    ["list_procedure_examples", { technique_id: "T1059.001" }],
    ["get_technique", { id: "T1059.001" }],
  ])("%s's default answer stays under 25 KB", async (tool, args) => {
    const result = await callTool(client, tool, args);
    expect(result.isError).toBeFalsy();
    expect(size(result)).toBeLessThan(25_000);
  });
});
