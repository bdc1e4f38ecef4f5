import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroupT, TechniqueHitT, TechniqueT } from "../src/attack/attack.schemas";
import { api, callTool, connectMcp, loadFixture, newTenantKey, SHIPPED_BUNDLE } from "./helpers";

describe("MCP endpoint through the SDK's own client", () => {
  let client: Client;

  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
    client = await connectMcp((await newTenantKey("mcp-agents")).key);
  });
  afterAll(async () => {
    await client.close();
  });

  it("lists every tool with described inputs, output schemas and honest hints", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "analyze_document",
      "cancel_analysis",
      "create_account",
      "export_navigator_layer",
      "get_analysis_status",
      "get_attack_changes",
      "get_coverage",
      "get_detection_health",
      "get_group",
      "get_refresh_status",
      "get_report",
      "get_technique",
      "import_detections",
      "list_gaps",
      "list_reports",
      "list_tactics",
      "refresh_attack",
      "report_gap_analysis",
      "review_mapping",
      "search_techniques",
      "submit_match_feedback",
    ]);
    const mutating = new Set([
      "analyze_document",
      "cancel_analysis",
      "create_account",
      "import_detections",
      "refresh_attack",
      "review_mapping",
      "submit_match_feedback",
    ]);
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(!mutating.has(tool.name));
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.outputSchema).toBeDefined();
      const properties = Object.values(tool.inputSchema.properties ?? {}) as { description?: string }[];
      expect(
        properties.every((p) => (p.description ?? "").length > 0),
        JSON.stringify(tool.inputSchema),
      ).toBe(true);
    }
    expect(tools.find((t) => t.name === "cancel_analysis")?.annotations?.destructiveHint).toBe(true);
  });

  it("search_techniques ranks T1566.001 first for 'spearphishing attachment'", async () => {
    const result = await callTool(client, "search_techniques", { query: "spearphishing attachment", limit: 3 });
    expect(result.isError).toBeFalsy();
    const items = (result.structuredContent as { items: TechniqueHitT[] }).items;
    expect(items[0]?.id).toBe("T1566.001");
    // Clients that only read text get the same JSON.
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(result.structuredContent);
  });

  it("get_technique returns the technique and says what revoked a revoked one", async () => {
    const t = (await callTool(client, "get_technique", { id: "T1059.001" })).structuredContent as TechniqueT;
    expect(t).toMatchObject({ id: "T1059.001", name: "PowerShell", parent: { id: "T1059" } });
    const revoked = (await callTool(client, "get_technique", { id: "T1574.002" })).structuredContent as TechniqueT;
    expect(revoked.revokedBy?.id).toBe("T1574.001");
  });

  it("list_tactics and get_group answer", async () => {
    const tactics = (await callTool(client, "list_tactics", {})).structuredContent as { tactics: unknown[] };
    expect(tactics.tactics).toHaveLength(14);
    const group = (await callTool(client, "get_group", { id: "APT29" })).structuredContent as GroupT;
    expect(group.id).toBe("G0016");
  });

  it("reports expected failures as isError results with the reason", async () => {
    const unknown = await callTool(client, "get_technique", { id: "T9999" });
    expect(unknown.isError).toBe(true);
    expect((unknown.content[0] as { text: string }).text).toMatch(/T9999 does not exist/);
    const malformed = await callTool(client, "get_technique", { id: "not-an-id" });
    expect(malformed.isError).toBe(true);
    expect((malformed.content[0] as { text: string }).text).toMatch(/not an ATT&CK technique id/);
    const version = await callTool(client, "list_tactics", { version: "1.0" });
    expect(version.isError).toBe(true);
  });

  it("refuses GET on the stateless endpoint", async () => {
    const res = await api("/mcp", (await newTenantKey("mcp-get")).key);
    expect(res.status).toBe(405);
  });
});
