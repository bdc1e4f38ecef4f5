import { env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroupT, TechniqueHitT, TechniqueT } from "../src/attack/attack.schemas";
import { AppError } from "../src/errors";
import { defineTool, type ToolCallEvent } from "../src/mcp/define-tool";
import { createMcpServer } from "../src/mcp/server";
import type { Caller } from "../src/tenants/caller";
import { createDb } from "../src/db/client";
import { api, callTool, connectMcp, dataOf, json, loadFixture, newTenantKey, SHIPPED_BUNDLE } from "./helpers";

const ALL_TOOL_NAMES = [
  "add_technique",
  "analyze_document",
  "cancel_analysis",
  "create_account",
  "delete_report",
  "export",
  "get_analysis_status",
  "get_attack_changes",
  "get_coverage",
  "get_detection_health",
  "get_attack_object",
  "get_refresh_status",
  "get_report",
  "get_report_evidence",
  "get_technique",
  "import_detections",
  "list_accounts",
  "list_detections",
  "list_gaps",
  "list_mappings",
  "list_procedure_examples",
  "list_reports",
  "list_tactics",
  "refresh_attack",
  "report_gap_analysis",
  "review_mapping",
  "search_reports",
  "search_techniques",
  "set_gap_status",
  "submit_match_feedback",
  "update_account",
];

async function keyOf(tenant: string, role: "admin" | "operator"): Promise<string> {
  return (await newTenantKey(tenant, role)).key;
}

describe("MCP endpoint through the SDK's own client", () => {
  let client: Client;
  let key: string;

  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
    key = (await newTenantKey("mcp-agents")).key;
    client = await connectMcp(key);
  });
  afterAll(async () => {
    await client.close();
  });

  it("lists every tool to an operator key with described inputs, output schemas and honest hints", async () => {
    const admin = await connectMcp(await keyOf("mcp-operator", "operator"), "structured");
    const { tools } = await admin.listTools();
    await admin.close();
    expect(tools.map((t) => t.name).sort()).toEqual([...ALL_TOOL_NAMES].sort());
    const mutating = new Set([
      "add_technique",
      "analyze_document",
      "cancel_analysis",
      "create_account",
      "delete_report",
      "import_detections",
      "refresh_attack",
      "review_mapping",
      "set_gap_status",
      "submit_match_feedback",
      "update_account",
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
    expect(tools.find((t) => t.name === "delete_report")?.annotations?.destructiveHint).toBe(true);
  });

  it("does not show a member or tenant admin key the tools it may not use, and names every tool it may in the instructions", async () => {
    const tenantAdmin = await connectMcp(await keyOf("mcp-tenant-admin", "admin"));
    const adminTools = (await tenantAdmin.listTools()).tools.map((t) => t.name);
    await tenantAdmin.close();
    expect(adminTools).not.toContain("refresh_attack");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ALL_TOOL_NAMES.filter((n) => n !== "refresh_attack" && n !== "get_refresh_status").sort(),
    );
    const instructions = client.getInstructions() ?? "";
    for (const tool of tools) expect(instructions, tool.name).toContain(tool.name);
    expect(instructions).not.toContain("refresh_attack");
    const refused = await callTool(client, "refresh_attack", {});
    expect(refused.isError).toBe(true);
    expect((refused.content[0] as { text: string }).text).toMatch(/refresh_attack not found/);
  });

  it("search_techniques ranks T1566.001 first for 'spearphishing attachment'", async () => {
    const result = await callTool(client, "search_techniques", { query: "spearphishing attachment", limit: 3 });
    expect(result.isError).toBeFalsy();
    const items = (dataOf(result) as { items: TechniqueHitT[] }).items;
    expect(items[0]?.id).toBe("T1566.001");
  });

  it("search_techniques pages with the cursors REST hands out, every hit once", async () => {
    type Page = { items: TechniqueHitT[]; nextCursor: string | null };
    const viaMcp: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = dataOf(
        await callTool(client, "search_techniques", { query: "credential", limit: 10, ...(cursor ? { cursor } : {}) }),
      ) as Page;
      viaMcp.push(...page.items.map((t) => t.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const viaRest: string[] = [];
    let next: string | null = null;
    do {
      const url = `/api/v1/attack/techniques?q=credential&limit=10${next ? `&cursor=${next}` : ""}`;
      const page: Page = await json<Page>(await api(url, key));
      viaRest.push(...page.items.map((t) => t.id));
      next = page.nextCursor;
    } while (next && viaRest.length < 1000);
    expect(viaMcp).toEqual(viaRest);
    expect(viaMcp.length).toBeGreaterThan(10);
    expect(new Set(viaMcp).size).toBe(viaMcp.length);
  });

  it("get_technique returns the technique and says what revoked a revoked one", async () => {
    const t = dataOf(await callTool(client, "get_technique", { id: "T1059.001" })) as TechniqueT;
    expect(t).toMatchObject({ id: "T1059.001", name: "PowerShell", parent: { id: "T1059" } });
    const revoked = dataOf(await callTool(client, "get_technique", { id: "T1574.002" })) as TechniqueT;
    expect(revoked.revokedBy?.id).toBe("T1574.001");
  });

  it("list_tactics and get_attack_object answer", async () => {
    const tactics = dataOf(await callTool(client, "list_tactics", {})) as { tactics: unknown[] };
    expect(tactics.tactics).toHaveLength(14);
    const group = dataOf(await callTool(client, "get_attack_object", { id: "APT29" })) as GroupT;
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

describe("defineTool: no tool can skip error mapping, audit, role or hooks", () => {
  const db = createDb(env.DB);
  let member: { tenantId: string; key: string };
  const events: ToolCallEvent[] = [];

  const shout = defineTool({
    name: "shout",
    title: "Shout",
    group: "analysis",
    description: "Changes something: answers the word in capitals, refuses 'no' (AppError), fails on 'boom'.",
    input: { word: z.string().describe("a word") },
    output: { loud: z.string() },
    effect: {
      readOnly: false,
      destructive: false,
      idempotent: true,
      auditTarget: (args, out) => out?.loud ?? args.word,
    },
    async run({ word }) {
      if (word === "no") throw new AppError(409, "conflict", "no is not a word to shout");
      if (word === "boom") throw new Error("secret internals");
      return { loud: word.toUpperCase() };
    },
  });
  const whisper = defineTool({
    name: "whisper",
    title: "Whisper",
    group: "attack",
    description: "Reads only: answers the word in lower case.",
    input: { word: z.string().describe("a word") },
    output: { quiet: z.string() },
    effect: { readOnly: true },
    run: async ({ word }) => ({ quiet: word.toLowerCase() }),
  });
  const secret = defineTool({
    name: "secret",
    title: "Secret",
    group: "admin",
    role: "admin",
    description: "Only for admin keys; never listed to a member key.",
    input: {},
    output: { ok: z.boolean() },
    effect: { readOnly: true },
    run: async () => ({ ok: true }),
  });

  async function connect(caller: Caller): Promise<Client> {
    const server = createMcpServer(
      {
        env,
        db,
        caller,
        requestId: "req-define-tool",
        results: "text",
        onToolCall: [
          (e) => void events.push(e),
          () => {
            throw new Error("a broken hook");
          },
        ],
      },
      [shout, whisper, secret],
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "t", version: "1" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    await client.connect(clientSide);
    return client;
  }
  const callerOf = (tenantId: string, role: Caller["role"]): Caller => ({
    tenantId,
    tenantName: "define-tool",
    keyId: "k",
    keyPrefix: "ttp_testkey1",
    role,
  });
  async function auditRows(tenantId: string) {
    const { results } = await env.DB.prepare(
      "SELECT action, target, outcome FROM audit_log WHERE tenant_id = ? ORDER BY id",
    )
      .bind(tenantId)
      .all<{ action: string; target: string | null; outcome: string }>();
    return results;
  }

  beforeAll(async () => {
    member = await newTenantKey("define-tool");
  });

  it("maps errors, audits what changes something, and tells the hooks, whatever a hook does", async () => {
    const c = await connect(callerOf(member.tenantId, "member"));
    const loud = await callTool(c, "shout", { word: "hello" });
    expect(dataOf(loud)).toEqual({ loud: "HELLO" });
    const refused = await callTool(c, "shout", { word: "no" });
    expect(refused).toMatchObject({ isError: true, content: [{ type: "text", text: "no is not a word to shout" }] });
    const broken = await callTool(c, "shout", { word: "boom" });
    expect(broken.isError).toBe(true);
    expect((broken.content[0] as { text: string }).text).not.toContain("secret internals");
    expect(dataOf(await callTool(c, "whisper", { word: "HUSH" }))).toEqual({ quiet: "hush" });
    await c.close();

    expect(await auditRows(member.tenantId)).toEqual([
      { action: "mcp:shout", target: "HELLO", outcome: "success" },
      { action: "mcp:shout", target: "no", outcome: "failure" },
      { action: "mcp:shout", target: "boom", outcome: "failure" },
    ]);
    expect(events.map((e) => [e.tool, e.outcome, e.error ?? null])).toEqual([
      ["shout", "success", null],
      ["shout", "failure", "no is not a word to shout"],
      ["shout", "failure", "internal error while running the tool"],
      ["whisper", "success", null],
    ]);
    expect(events.every((e) => e.tenantId === member.tenantId && e.requestId === "req-define-tool")).toBe(true);
  });

  it("lists a tool only to the role it needs, and hints follow the declared effect", async () => {
    const asMember = await connect(callerOf(member.tenantId, "member"));
    const asAdmin = await connect(callerOf(member.tenantId, "admin"));
    expect((await asMember.listTools()).tools.map((t) => t.name)).toEqual(["shout", "whisper"]);
    const adminTools = (await asAdmin.listTools()).tools;
    expect(adminTools.map((t) => t.name)).toEqual(["shout", "whisper", "secret"]);
    expect(adminTools.map((t) => [t.name, t.annotations?.readOnlyHint, t.annotations?.idempotentHint])).toEqual([
      ["shout", false, true],
      // Read-only: the destructive and idempotent hints are not sent (they mean nothing there).
      ["whisper", true, undefined],
      ["secret", true, undefined],
    ]);
    expect(asAdmin.getInstructions()).toMatch(/Deployment operations \(operator keys\)\. .*Tools: secret \(secret\)\./);
    await asMember.close();
    await asAdmin.close();
  });
});

describe("MCP endpoint: malformed JSON-RPC", () => {
  const post = async (body: string) =>
    api("/mcp", (await newTenantKey("mcp-malformed")).key, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body,
    });

  it("answers an empty batch with one Invalid Request error, as JSON-RPC 2.0 says", async () => {
    const res = await post("[]");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: expect.any(String) },
    });
  });

  it.each([
    ["100,000 nested arrays", "[".repeat(100_000) + "]".repeat(100_000)],
    ["an unterminated nest", "[".repeat(100_000)],
    ["a batch of nested arrays", `[${"[".repeat(50_000)}${"]".repeat(50_000)}, {"jsonrpc":"2.0","id":1}]`],
    ["not JSON", "{jsonrpc: 2.0"],
  ])("answers %s with a 4xx JSON-RPC error, not a 500", async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: expect.any(Number) } });
  });
});
