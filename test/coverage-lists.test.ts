/**
 * Coverage lists page with cursors (REST and MCP alike): accounts, gaps, mappings and an account's
 * detections, each walked to its end; and report_gap_analysis answers a group as large as APT29
 * concisely, its techniques paged.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  callTool,
  connectMcp,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  type ErrorBody,
  dataOf,
} from "./helpers";
import { ACTIVE_TECHNIQUES_18_1, RULES, seedAccount, sigma, type Coverage } from "./coverage-fixtures";

interface Page<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** Every page of a list from its first, checking that hasMore and nextCursor agree. */
async function walk<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= 100; pages++) {
    const page = await fetchPage(cursor);
    expect(page.hasMore).toBe(page.nextCursor !== null);
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    cursor = page.nextCursor;
  }
  throw new Error("more than 100 pages");
}

const restPage =
  <T>(key: string, path: string) =>
  async (cursor: string | undefined): Promise<Page<T>> => {
    const sep = path.includes("?") ? "&" : "?";
    const res = await api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path, key);
    expect(res.status, await res.clone().text()).toBe(200);
    return json<Page<T>>(res);
  };

const mcpPage =
  <T>(client: Client, tool: string, args: Record<string, unknown>) =>
  async (cursor: string | undefined): Promise<Page<T>> => {
    const result = await callTool(client, tool, cursor ? { ...args, cursor } : args);
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    return dataOf(result) as Page<T>;
  };

const unique = (ids: string[]) => new Set(ids).size === ids.length;

/** A cursor no page handed out: well-formed base64url, but not JSON of a key. */
const FORGED = "bm90LWEtY3Vyc29y";

let key: string;
let client: Client;
let account: string;
beforeAll(async () => {
  await loadShippedAttackAndModel();
  key = (await newTenantKey("coverage-lists")).key;
  client = await connectMcp(key);
  account = await seedAccount(key, RULES);
});
afterAll(async () => {
  await client.close();
});

describe("accounts", () => {
  it("page newest first to the end, REST and list_accounts alike", async () => {
    const own = await newTenantKey("coverage-lists-accounts");
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await seedAccount(own.key));
    const rest = await walk(restPage<{ id: string; createdAt: string }>(own.key, "/api/v1/accounts?limit=2"));
    expect(rest.pages).toBe(3);
    expect(rest.items.map((a) => a.id)).toEqual([...created].reverse());
    const mcp = await connectMcp(own.key);
    const viaMcp = await walk(mcpPage<{ id: string }>(mcp, "list_accounts", { limit: 2 }));
    await mcp.close();
    expect(viaMcp.items).toEqual(rest.items);
    // Another tenant's accounts are never listed.
    const mine = await walk(restPage<{ id: string }>(key, "/api/v1/accounts?limit=100"));
    expect(mine.items.map((a) => a.id)).toEqual([account]);
  });
});

describe("gaps", () => {
  it("page riskiest first (ties by technique id) to the last gap, REST and list_gaps alike", async () => {
    const coverage = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, key));
    type G = { techniqueId: string; riskScore: number };
    const rest = await walk(restPage<G>(key, `/api/v1/accounts/${account}/gaps?limit=100`));
    expect(rest.pages).toBeGreaterThan(5);
    expect(rest.items).toHaveLength(ACTIVE_TECHNIQUES_18_1 - coverage.covered);
    expect(unique(rest.items.map((g) => g.techniqueId))).toBe(true);
    const sorted = [...rest.items].sort(
      (x, y) => y.riskScore - x.riskScore || (x.techniqueId < y.techniqueId ? -1 : 1),
    );
    expect(rest.items).toEqual(sorted);
    // Ties exist, so the order within equal risk is what the cursor must keep.
    expect(new Set(rest.items.map((g) => g.riskScore)).size).toBeLessThan(rest.items.length);
    const viaMcp = await walk(mcpPage<G>(client, "list_gaps", { account_id: account, limit: 100 }));
    expect(viaMcp.items.map((g) => g.techniqueId)).toEqual(rest.items.map((g) => g.techniqueId));
  });
});

describe("mappings", () => {
  it("page by technique to the end with the route's filters; list_mappings answers the same", async () => {
    type M = { id: string; techniqueId: string; method: string };
    const all = await json<Page<M>>(await api(`/api/v1/accounts/${account}/mappings?limit=100`, key));
    expect(all.hasMore).toBe(false);
    expect(all.items.length).toBeGreaterThan(3);
    const rest = await walk(restPage<M>(key, `/api/v1/accounts/${account}/mappings?limit=2`));
    expect(rest.pages).toBe(Math.ceil(all.items.length / 2));
    expect(rest.items).toEqual(all.items);
    expect(unique(rest.items.map((m) => m.id))).toBe(true);
    const viaMcp = await walk(mcpPage<M>(client, "list_mappings", { account_id: account, limit: 2 }));
    expect(viaMcp.items).toEqual(all.items);
    const nlp = await walk(mcpPage<M>(client, "list_mappings", { account_id: account, method: "nlp", limit: 1 }));
    expect(nlp.items).toEqual(all.items.filter((m) => m.method === "nlp"));
    expect(nlp.items.length).toBeGreaterThan(0);
  });
});

describe("an account's detections", () => {
  type D = { id: string; name: string; format: string; status: string; health: string; techniques: string[] };
  let detAccount: string;
  beforeAll(async () => {
    // Three rules with one name: the order among them (by id) is what the cursor must keep.
    const twins = ["a", "b", "c"].map((n, i) => ({
      path: `twin-${n}.yml`,
      content: sigma(`5555555${i}-5555-4555-8555-555555555555`, "Same name", ["attack.t1053.005"]),
    }));
    detAccount = await seedAccount(key, [...RULES, ...twins]);
  });

  it("page by name, then id, to the end; each item compact", async () => {
    const rest = await walk(restPage<D>(key, `/api/v1/accounts/${detAccount}/detections?limit=2`));
    // a, b, c and d of RULES (the broken file is not a detection) and the three twins.
    expect(rest.items).toHaveLength(7);
    expect(unique(rest.items.map((d) => d.id))).toBe(true);
    const sorted = [...rest.items].sort((x, y) =>
      x.name === y.name ? (x.id < y.id ? -1 : 1) : x.name < y.name ? -1 : 1,
    );
    expect(rest.items).toEqual(sorted);
    expect(rest.items.filter((d) => d.name === "Same name")).toHaveLength(3);
    for (const d of rest.items)
      expect(Object.keys(d).sort()).toEqual(["format", "health", "id", "name", "status", "techniques"]);
    expect(rest.items.find((d) => d.name === "Scheduled task creation")).toMatchObject({
      format: "sigma",
      status: "enabled",
      health: "unknown",
      techniques: ["T1053.005", "T1059.001"],
    });
    const viaMcp = await walk(mcpPage<D>(client, "list_detections", { account_id: detAccount, limit: 3 }));
    expect(viaMcp.items).toEqual(rest.items);
  });

  it("filter by technique (a parent finds its sub-techniques), format, health and enabled", async () => {
    const names = async (query: string) =>
      (await json<Page<D>>(await api(`/api/v1/accounts/${detAccount}/detections?limit=100&${query}`, key))).items
        .map((d) => d.name)
        .sort();
    expect(await names("technique=T1059.001")).toEqual(["Encoded PowerShell", "Scheduled task creation"]);
    expect(await names("technique=t1059")).toEqual(["Encoded PowerShell", "Scheduled task creation"]);
    expect(await names("format=sigma")).toHaveLength(7);
    expect(await names("format=splunk")).toEqual([]);
    expect(await names("enabled=true")).toHaveLength(7);
    expect(await names("enabled=false")).toEqual([]);
    const target = (
      await json<Page<D>>(await api(`/api/v1/accounts/${detAccount}/detections?technique=T1059.001&limit=1`, key))
    ).items[0];
    const put = await api(`/api/v1/accounts/${detAccount}/detections/${target?.id}/health`, key, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "broken", issues: ["index gone"] }),
    });
    expect(put.status).toBe(200);
    expect(await names("health=broken")).toEqual([target?.name]);
    expect(await names("health=unknown")).toHaveLength(6);
    const broken = await callTool(client, "list_detections", { account_id: detAccount, health: "broken" });
    expect((dataOf(broken) as Page<D>).items.map((d) => d.id)).toEqual([target?.id]);
    const bad = await api(`/api/v1/accounts/${detAccount}/detections?technique=powershell`, key);
    expect(bad.status).toBe(400);
    expect((await json<ErrorBody>(bad)).error.message).toMatch(/not an ATT&CK technique id/);
  });
});

describe("a cursor no page handed out", () => {
  it("is a 400 on REST and an error result on MCP, for every list", async () => {
    const routes = [
      "/api/v1/accounts",
      ...["gaps", "mappings", "detections"].map((p) => `/api/v1/accounts/${account}/${p}`),
    ];
    for (const path of routes) {
      const res = await api(`${path}?cursor=${FORGED}`, key);
      expect(res.status, path).toBe(400);
      expect((await json<ErrorBody>(res)).error.message).toMatch(/invalid cursor/);
    }
    // A real cursor of another list does not hold this list's key either.
    const gaps = await json<Page<unknown>>(await api(`/api/v1/accounts/${account}/gaps?limit=1`, key));
    expect((await api(`/api/v1/accounts/${account}/mappings?cursor=${gaps.nextCursor}`, key)).status).toBe(400);
    const calls: [string, Record<string, unknown>][] = [
      ["list_accounts", {}],
      ["list_gaps", { account_id: account }],
      ["list_mappings", { account_id: account }],
      ["list_detections", { account_id: account }],
      ["report_gap_analysis", { account_id: account, group: "G0016" }],
    ];
    for (const [tool, args] of calls) {
      const result = await callTool(client, tool, { ...args, cursor: FORGED });
      expect(result, tool).toMatchObject({
        isError: true,
        content: [{ text: expect.stringMatching(/invalid cursor/) }],
      });
    }
  });
});

describe("report_gap_analysis", () => {
  type T = {
    id: string;
    tactics: string[];
    covered: boolean;
    detectionCount: number;
    detections?: { name: string }[];
    controls?: unknown[];
  };
  type Answer = Page<T> & {
    covered: number;
    uncovered: number;
    tactics: { tactic: string; covered: number; uncovered: number }[];
    subject: { id: string; name: string };
  };
  const analyse = async (args: Record<string, unknown>): Promise<{ result: CallToolResult; answer: Answer }> => {
    const result = await callTool(client, "report_gap_analysis", { account_id: account, group: "G0016", ...args });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    return { result, answer: dataOf(result) as Answer };
  };

  it("answers APT29 (G0016) under 25 KB by default: counts per tactic and a compact first page", async () => {
    const { result, answer } = await analyse({});
    const bytes = new TextEncoder().encode(JSON.stringify(result)).length;
    expect(bytes).toBeLessThan(25 * 1024);
    expect(answer.subject).toEqual({ id: "G0016", name: "APT29" });
    expect(answer.items).toHaveLength(25);
    expect(answer.hasMore).toBe(true);
    expect(answer.items.every((t) => t.detections === undefined && t.controls === undefined)).toBe(true);
    // The whole group is counted, not the page: REST still answers every technique.
    type Rest = { covered: number; uncovered: number; techniques: (T & { detections: { name: string }[] })[] };
    const rest = await json<Rest>(await api(`/api/v1/attack/groups/G0016/gaps?account=${account}`, key));
    expect(rest.techniques.length).toBeGreaterThan(50);
    expect(answer).toMatchObject({ covered: rest.covered, uncovered: rest.uncovered });
    expect(answer.covered).toBeGreaterThan(0);
    for (const { tactic, covered, uncovered } of answer.tactics) {
      const of = rest.techniques.filter((t) => t.tactics.includes(tactic));
      expect({ tactic, covered, uncovered }).toEqual({
        tactic,
        covered: of.filter((t) => t.covered).length,
        uncovered: of.filter((t) => !t.covered).length,
      });
    }
    expect(new Set(answer.tactics.map((t) => t.tactic))).toEqual(new Set(rest.techniques.flatMap((t) => t.tactics)));

    // Paged to the end, the techniques are REST's, in REST's order, each once.
    const all = await walk(async (cursor) => (await analyse({ limit: 20, ...(cursor ? { cursor } : {}) })).answer);
    expect(all.items.map((t) => t.id)).toEqual(rest.techniques.map((t) => t.id));
    expect(all.items.map((t) => t.detectionCount)).toEqual(rest.techniques.map((t) => t.detections.length));
  });

  it("gives detections and controls with `detail`, and only covered or uncovered techniques on request", async () => {
    const { answer: covered } = await analyse({ covered: true, detail: true, limit: 100 });
    expect(covered.items).toHaveLength(covered.covered);
    expect(covered.items.every((t) => t.covered && (t.detections ?? []).length === t.detectionCount)).toBe(true);
    expect(covered.items.flatMap((t) => t.detections ?? []).map((d) => d.name)).toContain("Encoded PowerShell");
    const { answer: open } = await analyse({ covered: false, detail: true });
    expect(open.items.every((t) => !t.covered && Array.isArray(t.controls))).toBe(true);
    expect(open.items.some((t) => (t.controls ?? []).length > 0)).toBe(true);
  });
});
