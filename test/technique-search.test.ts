/**
 * Technique search ranked for what analysts type (issue 19): technique names, abbreviations with a
 * tactic, tools' names (ATT&CK software and aliases), phrases from procedure examples. Every query
 * runs through REST and through MCP's search_techniques.
 */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TechniqueHitT } from "../src/attack/attack.schemas";
import { api, callTool, connectMcp, dataOf, json, loadFixture, newTenantKey, SHIPPED_BUNDLE } from "./helpers";

let key: string;
let client: Client;

beforeAll(async () => {
  await loadFixture(SHIPPED_BUNDLE);
  ({ key } = await newTenantKey("search"));
  client = await connectMcp(key);
});
afterAll(async () => {
  await client.close();
});

async function viaRest(q: string): Promise<string[]> {
  const res = await api(`/api/v1/attack/techniques?q=${encodeURIComponent(q)}&limit=5`, key);
  expect(res.status, q).toBe(200);
  return (await json<{ items: TechniqueHitT[] }>(res)).items.map((t) => t.id);
}

async function viaMcp(q: string): Promise<string[]> {
  const result = await callTool(client, "search_techniques", { query: q, limit: 5 });
  expect(result.isError, q).toBeFalsy();
  return (dataOf(result) as { items: TechniqueHitT[] }).items.map((t) => t.id);
}

/** ATT&CK ids of the techniques the named software uses, from the 18.1 bundle's relationships. */
async function usedBy(software: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT t.attack_id AS id FROM attack_software s
     JOIN attack_procedures p ON p.version = s.version AND p.source_ref = s.stix_id
     JOIN attack_techniques t ON t.version = p.version AND t.stix_id = p.technique_ref
     WHERE s.version = '18.1' AND lower(s.name) = lower(?)`,
  )
    .bind(software)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

// Query → the technique that must come first.
const FIRST: [string, string][] = [
  ["powershell", "T1059.001"],
  ["rdp lateral movement", "T1021.001"],
  ["pass the hash", "T1550.002"],
  ["kerberoasting", "T1558.003"],
  ["golden ticket", "T1558.001"],
  ["scheduled task", "T1053.005"],
  ["phishing attachment", "T1566.001"],
  ["dump lsass", "T1003.001"],
  ["registry run key", "T1547.001"],
  ["wmi", "T1047"],
  ["clear event logs", "T1070.001"],
  ["ransomware encrypt files", "T1486"],
  ["uac bypass", "T1548.002"],
  ["vssadmin delete shadow copies", "T1490"],
  ["ntds.dit", "T1003.003"],
];

// A tool's name → techniques its ATT&CK software entry uses (checked below), one of which must be in
// the top 3; every top-3 hit must be one it uses. (Rclone uses T1048's sub-techniques, not T1048.)
const TOOLS: [string, string[]][] = [
  ["mimikatz", ["T1003.001"]],
  ["adfind", ["T1087.002", "T1482"]],
  ["rclone", ["T1567.002", "T1048.002", "T1048.003"]],
  ["psexec", ["T1569.002", "T1021.002"]],
  ["bloodhound", ["T1087.002", "T1069.002", "T1482"]],
];

describe("technique search ranks what analysts type", () => {
  it.each(FIRST)("'%s' finds %s first, through REST and MCP", async (q, id) => {
    expect((await viaRest(q))[0], q).toBe(id);
    expect((await viaMcp(q))[0], q).toBe(id);
  });

  it.each(TOOLS)("'%s' finds the techniques its software entry uses", async (tool, expected) => {
    const used = await usedBy(tool);
    for (const id of expected) expect(used, `${tool} uses ${id} in 18.1`).toContain(id);
    for (const top of [await viaRest(tool), await viaMcp(tool)]) {
      expect(
        top.slice(0, 3).some((id) => expected.includes(id)),
        `${tool}: ${top.join(" ")}`,
      ).toBe(true);
      for (const id of top.slice(0, 3)) expect(used, `${tool}: ${id} in its top 3`).toContain(id);
    }
  });

  it("an exact name wins over names that contain it, whatever the bm25 score", async () => {
    expect((await viaRest("PowerShell  Profile"))[0]).toBe("T1546.013");
    expect((await viaRest("dll"))[0]).toBe("T1574.001");
  });

  it.each([
    ["qbot", "QakBot"],
    ["geodo", "Emotet"],
  ])("an alias ('%s') finds what its software (%s) uses", async (alias, software) => {
    const used = await usedBy(software);
    const top = (await viaRest(alias)).slice(0, 3);
    expect(top.length).toBeGreaterThan(0);
    for (const id of top) expect(used, `${alias}: ${id}`).toContain(id);
  });
});
