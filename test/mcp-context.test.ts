/**
 * What an agent pays for, in bytes of the JSON-RPC result its client receives, under both result
 * formats: tools/list for a member key ≤ 20 KB; every tool's default answer ≤ 25 KB; get_report's
 * default answer ≤ 10 KB for a report of about 120 techniques. Standing budgets: every tool listed
 * is called (arguments from the battery's registry), so a new tool is measured by being registered.
 * The big report is synthetic, written from ATT&CK's own technique descriptions, so this runs on a
 * fresh clone.
 */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RULE, toolCall, type Seeded } from "./battery/registry";
import { sigma } from "./coverage-fixtures";
import type { ReportT } from "../src/reports/reports.schemas";
import {
  api,
  callAnalyzeDocument,
  callTool,
  connectMcp,
  dataOf,
  documentFixture,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
} from "./helpers";

const KB = 1024;
const LIST_BUDGET = 20 * KB;
/** Structured results add every tool's output schema: a client asks for them (and pays) with ?results=structured. */
const STRUCTURED_LIST_BUDGET = 56 * KB;
const ANSWER_BUDGET = 25 * KB;
const REPORT_BUDGET = 10 * KB;
/** Tools whose default call is not made here, and why. */
const NOT_CALLED: Record<string, string> = {
  refresh_attack: "starts a deployment-wide download of ATT&CK; its answer is a workflow id and a status",
  delete_report: "would delete the report the other tools are measured on; its answer is the ids it deleted",
};
/** Tools whose default call here is refused, and why: the budget still holds for the refusal. */
const REFUSED: Record<string, string> = {
  get_attack_changes: "one ATT&CK version is loaded here, and it is not compared with itself",
  add_technique: "the seeded technique is already in the report (a 409 that says to give feedback instead)",
  set_gap_status: "the seeded technique is covered, so it is no gap of the account",
  update_account: "a default call names nothing to change (a 400 listing what may change)",
};
const FORMATS = ["text", "structured"] as const;

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** A report from ATT&CK's own words: the first two sentences of every fourth technique's description. */
async function syntheticReport(count: number): Promise<string> {
  const { results } = await env.DB.prepare(
    `SELECT attack_id, name, description FROM attack_techniques
     WHERE version = '18.1' AND revoked = 0 AND deprecated = 0 AND description <> '' ORDER BY attack_id`,
  ).all<{ attack_id: string; name: string; description: string }>();
  const chosen = results.filter((_, i) => i % 3 === 0).slice(0, count);
  return chosen
    .map((t) => {
      const plain = t.description.replace(/\(Citation:[^)]*\)/g, "").replace(/\[([^\]]+)\]\([^)]*\)/g, "$1");
      return (plain.match(/[^.!?]+[.!?]+/g) ?? [plain]).slice(0, 2).join(" ").trim();
    })
    .join("\n\n");
}

let seeded: Seeded;
let memberKey: string;
let adminKey: string;
let reportTechniques = 0;
let analyzeBytes = 0;
const clients: Partial<Record<(typeof FORMATS)[number], Client>> = {};

beforeAll(async () => {
  await loadShippedAttackAndModel();
  const admin = await newTenantKey("mcp-budgets", "admin");
  adminKey = admin.key;
  memberKey = (await newTenantKey("mcp-budgets", "member")).key;
  for (const f of FORMATS) clients[f] = await connectMcp(adminKey, f);

  // The big report, made the way an agent makes one: analyze_document.
  const { result } = await callAnalyzeDocument(clients.text as Client, {
    text: await syntheticReport(280),
    title: "Synthetic report from ATT&CK descriptions",
  });
  analyzeBytes = bytes(result);
  const analyzed = dataOf(result) as { reportId: string };
  const report = await json<{ techniques: { matchId: string }[]; techniqueCount: number }>(
    await api(`/api/v1/reports/${analyzed.reportId}`, adminKey),
  );
  reportTechniques = report.techniqueCount;

  const account = await json<{ id: string }>(
    await postJson("/api/v1/accounts", adminKey, {
      name: "budgets",
      provider: "aws",
      identifier: "123412341234",
      environment: "prod",
      criticality: "high",
    }),
  );
  const rules = [
    RULE,
    ...["t1059.003", "t1003.001", "t1021.001", "t1547.001"].map((t, i) =>
      sigma(`7777777${i}-7777-4777-8777-777777777777`, `Budget rule ${t}`, [`attack.${t}`]),
    ),
  ];
  await postJson(`/api/v1/accounts/${account.id}/detections/import`, adminKey, {
    format: "sigma",
    files: rules.map((content, i) => ({ path: `r${i}.yml`, content })),
  });
  const mappings = await json<{ items: { id: string; detectionId: string }[] }>(
    await api(`/api/v1/accounts/${account.id}/mappings`, adminKey),
  );
  const started = await json<{ workflowId: string }>(
    await postJson("/api/v1/analyses", adminKey, { text: "The actor ran PowerShell." }),
  );
  seeded = {
    tenantId: admin.tenantId,
    accountId: account.id,
    detectionId: mappings.items[0]?.detectionId ?? "",
    mappingId: mappings.items[0]?.id ?? "",
    reportId: analyzed.reportId,
    matchId: report.techniques[0]?.matchId ?? "",
    workflowId: started.workflowId,
    keyId: admin.keyId,
  };
});

afterAll(async () => {
  for (const c of Object.values(clients)) await c.close();
});

describe("MCP size budgets", () => {
  it("the synthetic report is big enough to measure (100–200 techniques)", () => {
    expect(reportTechniques).toBeGreaterThanOrEqual(100);
    expect(reportTechniques).toBeLessThanOrEqual(200);
  });

  it(`analyze_document's answer for the big report stays within ${ANSWER_BUDGET / KB} KB`, () => {
    expect(analyzeBytes).toBeLessThanOrEqual(ANSWER_BUDGET);
  });

  for (const format of FORMATS) {
    const listBudget = format === "text" ? LIST_BUDGET : STRUCTURED_LIST_BUDGET;
    it(`tools/list for a member key stays within ${listBudget / KB} KB (${format})`, async () => {
      const member = await connectMcp(memberKey, format);
      const listed = await member.listTools();
      await member.close();
      expect(listed.tools.length).toBeGreaterThan(15);
      expect(bytes(listed), JSON.stringify(listed.tools.map((t) => [t.name, bytes(t)]))).toBeLessThanOrEqual(
        listBudget,
      );
    });

    it(`get_report's default answer for the big report stays within ${REPORT_BUDGET / KB} KB (${format})`, async () => {
      const result = await callToolOf(format, "get_report", { report_id: seeded.reportId });
      expect(result.isError).toBeFalsy();
      expect(bytes(result), `${reportTechniques} techniques`).toBeLessThanOrEqual(REPORT_BUDGET);
    });

    it(`every tool's default answer stays within ${ANSWER_BUDGET / KB} KB (${format})`, async () => {
      const client = clients[format] as Client;
      const { tools } = await client.listTools();
      const sizes: string[] = [];
      const problems: string[] = [];
      for (const tool of tools) {
        if (tool.name in NOT_CALLED) continue;
        const call = toolCall(tool, seeded, { defaultsOnly: true });
        if ("missing" in call) {
          problems.push(`${call.missing} (register it in test/battery/registry.ts)`);
          continue;
        }
        const result = await callToolOf(format, tool.name, call.args);
        const size = bytes(result);
        sizes.push(`${tool.name} ${size}`);
        if (result.isError && !(tool.name in REFUSED))
          problems.push(`${tool.name} answered an error: ${JSON.stringify(result).slice(0, 200)}`);
        if (tool.name === "get_report")
          console.log(`get_report ${format}: ${size} bytes for ${reportTechniques} techniques`);
        if (size > ANSWER_BUDGET) problems.push(`${tool.name} answered ${size} bytes`);
      }
      expect(problems, sizes.join(", ")).toEqual([]);
    });
  }
});

async function callToolOf(format: (typeof FORMATS)[number], name: string, args: Record<string, unknown>) {
  return (await (clients[format] as Client).callTool({ name, arguments: args })) as CallToolResult;
}

/**
 * What makes a JSON Schema unportable, by path (the MCP Inspector's portability check): a `type`
 * holding an array, or a schema with no keyword at all (`{}`, the object spelling of `true`).
 */
function typeArrays(node: unknown, path = "$"): string[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => typeArrays(n, `${path}[${i}]`));
  if (typeof node !== "object" || node === null) return [];
  if (Object.keys(node).length === 0 && path !== "$") return [`${path} is {}`];
  return Object.entries(node).flatMap(([k, v]) => {
    if (k === "type" && Array.isArray(v)) return [`${path}.type`];
    // Keywords whose values are not schemas.
    if (k === "properties") return Object.entries(v as object).flatMap(([p, x]) => typeArrays(x, `${path}.${k}.${p}`));
    if (["required", "enum", "default", "const", "examples", "description"].includes(k)) return [];
    return typeArrays(v, `${path}.${k}`);
  });
}

describe("MCP result formats", () => {
  it("sends each result once: JSON text by default, structuredContent with a summary when asked", async () => {
    const args = { report_id: seeded.reportId, limit: 5 };
    const text = await callToolOf("text", "get_report", args);
    expect(text.structuredContent).toBeUndefined();
    expect(text.content).toHaveLength(1);
    const structured = await callToolOf("structured", "get_report", args);
    expect(structured.structuredContent).toEqual(JSON.parse((text.content[0] as { text: string }).text));
    // 1 rejected: the budgets' default submit_match_feedback rejected the seeded match.
    expect((structured.content[0] as { text: string }).text).toBe(
      "get_report: 5 columns, 5 techniques, more on the next page (nextCursor), 1 rejected; the result is in structuredContent",
    );
    const listedText = await (clients.text as Client).listTools();
    expect(listedText.tools.every((t) => t.outputSchema === undefined)).toBe(true);
    expect((await api("/mcp?results=json", adminKey, { method: "POST", body: "{}" })).status).toBe(400);
  });

  it("writes portable schemas: no `type` array in any input or output schema", async () => {
    const { tools } = await (clients.structured as Client).listTools();
    expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    const found = tools.flatMap((t) => [
      ...typeArrays(t.inputSchema, `${t.name}.input`),
      ...typeArrays(t.outputSchema, `${t.name}.output`),
    ]);
    expect(found).toEqual([]);
    // Nullable fields are still declared as such, portably.
    const report = tools.find((t) => t.name === "get_report")?.outputSchema?.properties ?? {};
    expect(report.nextCursor).toMatchObject({ anyOf: [{ type: "string" }, { type: "null" }] });
  });

  it("leaves string length bounds out of the listing and still enforces them", async () => {
    const { tools } = await (clients.text as Client).listTools();
    expect(JSON.stringify(tools)).not.toContain("maxLength");
    const search = tools.find((t) => t.name === "search_techniques")?.inputSchema.properties ?? {};
    expect(search.query).toMatchObject({ type: "string" });
    const long = await callToolOf("text", "search_techniques", { query: "powershell ".repeat(30) });
    expect(long.isError).toBe(true);
    expect(JSON.stringify(long.content)).toMatch(/200/);
  });
});

describe("concise reports and paged evidence", () => {
  let full: ReportT;
  beforeAll(async () => {
    full = await json<ReportT>(await api(`/api/v1/reports/${seeded.reportId}`, adminKey));
  });

  it("get_report pages one row per technique, in the report's order, each once", async () => {
    type Digest = { columns: string[]; techniques: (string | number)[][]; nextCursor: string | null };
    const rows: (string | number)[][] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = dataOf(
        await callToolOf("text", "get_report", {
          report_id: seeded.reportId,
          limit: 40,
          ...(cursor ? { cursor } : {}),
        }),
      ) as Digest;
      expect(page.columns).toEqual(["id", "name", "tactics", "confidence", "evidence"]);
      rows.push(...page.techniques);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    // The budgets' default submit_match_feedback rejected a match: its technique is no row.
    const found = full.techniques.filter((t) => t.feedback !== "reject");
    expect(rows.map((r) => r[0])).toEqual(found.map((t) => t.id));
    const first = found[0];
    expect(rows[0]).toEqual([
      first?.id,
      first?.name,
      expect.any(String),
      Math.round((first?.confidence ?? 0) * 100) / 100,
      first?.evidence.length,
    ]);
    const byTactic = full.tactics.find((t) => t.techniques.some((x) => x.id === first?.id));
    expect(String(rows[0]?.[2]).split(",")).toContain(byTactic?.shortname);
  });

  it("get_report_evidence pages through every span of the report, and of one technique", async () => {
    type Page = {
      items: { technique: string; matchId: string; text: string; start: number }[];
      total: number;
      nextCursor: string | null;
    };
    const collect = async (technique?: string) => {
      const items: Page["items"] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = dataOf(
          await callToolOf("text", "get_report_evidence", {
            report_id: seeded.reportId,
            limit: 25,
            ...(technique ? { technique } : {}),
            ...(cursor ? { cursor } : {}),
          }),
        ) as Page;
        items.push(...page.items);
        if (!page.nextCursor) return { items, total: page.total };
        cursor = page.nextCursor;
      }
      throw new Error("evidence did not end");
    };
    const all = await collect();
    const expected = full.techniques.flatMap((t) => t.evidence.map((e) => [t.id, t.matchId, e.start]));
    expect(all.items.map((e) => [e.technique, e.matchId, e.start])).toEqual(expected);
    expect(all.total).toBe(expected.length);
    const one = full.techniques.find((t) => t.evidence.length > 1) ?? full.techniques[0];
    const own = await collect(one?.id);
    expect(own.items.map((e) => e.text)).toEqual(one?.evidence.map((e) => e.text));
    const absent = await callToolOf("text", "get_report_evidence", { report_id: seeded.reportId, technique: "T1600" });
    expect(absent.isError).toBe(true);
    expect((absent.content[0] as { text: string }).text).toMatch(/has no technique T1600; get_report lists/);
  });

  it("analyze_document takes a base64 PDF", async () => {
    const pdf = await documentFixture("report.pdf");
    const { result } = await callAnalyzeDocument(clients.text as Client, {
      content: btoa(String.fromCharCode(...pdf)),
      content_type: "application/pdf",
    });
    const out = dataOf(result) as { status: string; techniques: (string | number)[][] };
    expect(out.status).toBe("completed");
    // The PDF names T1566.001 explicitly (test/fixtures/documents/report.pdf).
    expect(out.techniques.map((t) => t[0])).toContain("T1566.001");
    const refused = await callTool(clients.text as Client, "analyze_document", { content: "aGk=" });
    expect(refused.isError).toBe(true);
    expect((refused.content[0] as { text: string }).text).toMatch(/content needs its content_type/);
  });
});
