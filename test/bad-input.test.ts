/**
 * Bad input as a grid: each class of hostile input (malformed, empty, wrong type, deeply nested,
 * huge, binary, non-UTF-8, bombs, bad ids and params) sent through each surface that takes input
 * (REST JSON, raw-body upload, MCP, rule import, signed webhook). Every cell ends in a 4xx JSON error
 * (an isError tool result on MCP), or in a workflow `failed` with its reason, and leaves what was
 * stored before as it was.
 */
import { env } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, it } from "vitest";
import { nestedHtml, pdfBomb } from "./bombs";
import {
  api,
  driveWorkflow,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  publicDnsHandler,
  signedHeaders,
} from "./helpers";
import { useHandlers } from "./setup/msw";

const BOMB_BYTES = 120 * 1024 * 1024; // the hostile tester's PDF inflated to about this much
let bomb: Uint8Array;
useHandlers(
  publicDnsHandler,
  http.get("https://intel.example.com/bomb.pdf", () =>
    HttpResponse.arrayBuffer(bomb.slice().buffer, { headers: { "content-type": "application/pdf" } }),
  ),
);

type Surface = "rest" | "raw" | "mcp" | "import" | "webhook";
type Class =
  | "malformed"
  | "empty"
  | "wrong type"
  | "deeply nested"
  | "huge"
  | "binary"
  | "non-UTF-8"
  | "bombs"
  | "bad ids and params";
type Body = string | Uint8Array;

let key: string;
let tenantId: string;
let accountId: string;
let secret: string;

beforeAll(async () => {
  await loadShippedAttackAndModel();
  const t = await newTenantKey("bad-input", "admin");
  [key, tenantId] = [t.key, t.tenantId];
  accountId = (
    await json<{ id: string }>(
      await postJson("/api/v1/accounts", key, {
        name: "grid",
        provider: "aws",
        identifier: "111122223333",
        environment: "prod",
        criticality: "low",
      }),
    )
  ).id;
  secret = (await json<{ secret: string }>(await api("/api/v1/webhooks/secret", key, { method: "POST" }))).secret;
  // Something stored before, for the cells to leave alone.
  await postJson("/api/v1/analyze", key, { text: "The actor ran PowerShell and dumped LSASS memory." });
  bomb = await pdfBomb(BOMB_BYTES);
});

const b64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const binary = () => new Uint8Array(8192).map((_, i) => (i * 7919 + 13) % 256);
const nestedJson = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const huge = (bytes: number) => `{"text":"${"a".repeat(bytes)}"}`;

const send = (path: string, body: Body, contentType = "application/json") =>
  api(path, key, { method: "POST", headers: { "content-type": contentType }, body });
const rest = (body: Body) => send("/api/v1/analyses", body);
const raw = (body: Body, contentType = "text/plain", query = "") => send(`/api/v1/analyze${query}`, body, contentType);
const importRules = (body: Body, account = accountId) => send(`/api/v1/accounts/${account}/detections/import`, body);
const mcpRaw = (body: Body) =>
  api("/mcp", key, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body,
  });
const mcpTool = (name: string, args: unknown) =>
  mcpRaw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }));

async function webhook(body: Body, tenant = tenantId): Promise<Response> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return api(`/api/v1/webhooks/documents/${tenant}`, undefined, {
    method: "POST",
    headers: { "content-type": "application/json", ...signedHeaders(secret, bytes) },
    body: bytes,
  });
}

const nonUtf8Json = latin1('{"text":"Le groupe a utilis\xe9 PowerShell."}');
const yamlBomb = [
  "title: laughs",
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const [from, to] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
    return `${to}: &${to} [*${from},*${from},*${from},*${from},*${from},*${from},*${from},*${from},*${from}]`;
  }),
  "tags: [attack.t1059.001]",
  "detection: {selection: {CommandLine: *i}, condition: selection}",
].join("\n");

const GRID: Record<Class, Record<Surface, () => Promise<Response>>> = {
  malformed: {
    rest: () => rest('{"text": '),
    raw: () => raw(latin1("%PDF-1.7\n1 0 obj garbage"), "application/pdf"),
    mcp: () => mcpRaw('{"jsonrpc":"2.0","id":1,"method":'),
    import: () => importRules('{"format":"sigma","files":['),
    webhook: () => webhook('{"text": '),
  },
  empty: {
    rest: () => rest(""),
    raw: () => raw(""),
    mcp: () => mcpRaw(""),
    import: () => importRules(""),
    webhook: () => webhook(""),
  },
  "wrong type": {
    rest: () => rest(JSON.stringify({ text: 42 })),
    raw: () => raw("The actor ran PowerShell.", "text/plain", "?force=yes"),
    mcp: () => mcpTool("analyze_document", { text: 42 }),
    import: () => importRules(JSON.stringify({ format: "sigma", files: "all of them" })),
    webhook: () => webhook(JSON.stringify({ text: ["not", "a", "string"] })),
  },
  "deeply nested": {
    rest: () => rest(nestedJson(100_000)),
    raw: () => raw(nestedHtml(50_000), "text/html"),
    mcp: () => mcpRaw(nestedJson(100_000)),
    import: () => importRules(nestedJson(100_000)),
    webhook: () => webhook(nestedJson(100_000)),
  },
  huge: {
    rest: () => rest(huge(30 * 1024 * 1024)),
    raw: () => raw("a ".repeat(1.5 * 1024 * 1024)),
    mcp: () => mcpTool("analyze_document", { text: "a".repeat(30 * 1024 * 1024) }),
    import: () => importRules(huge(65 * 1024 * 1024)),
    webhook: () => webhook(huge(30 * 1024 * 1024)),
  },
  binary: {
    rest: () => rest(binary()),
    raw: () => raw(binary()),
    mcp: () => mcpRaw(binary()),
    import: () => importRules(binary()),
    webhook: () => webhook(binary()),
  },
  "non-UTF-8": {
    rest: () => rest(nonUtf8Json),
    raw: () => raw(latin1("Le groupe a utilis\xe9 PowerShell."), "text/plain; charset=utf-8"),
    mcp: () =>
      mcpRaw(
        latin1(
          '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_technique","arguments":{"id":"T1059\xe9"}}}',
        ),
      ),
    import: () => importRules(latin1('{"format":"sigma","files":[{"path":"\xe9.yml","content":"title: x"}]}')),
    webhook: () => webhook(nonUtf8Json),
  },
  bombs: {
    rest: () => send("/api/v1/analyses", JSON.stringify({ content: b64(bomb), contentType: "application/pdf" })),
    raw: () => raw(bomb, "application/pdf"),
    mcp: () => mcpTool("analyze_document", { url: "https://intel.example.com/bomb.pdf", wait_seconds: 0 }),
    import: () => importRules(JSON.stringify({ format: "sigma", files: [{ path: "laughs.yml", content: yamlBomb }] })),
    webhook: () => webhook(JSON.stringify({ content: b64(bomb), contentType: "application/pdf" })),
  },
  "bad ids and params": {
    rest: () => api("/api/v1/reports/not-a-uuid", key),
    raw: () => raw("The actor ran PowerShell.", "text/plain", `?title=${"t".repeat(600)}`),
    mcp: () => mcpTool("get_report", { report_id: "../../etc/passwd" }),
    import: () => importRules(JSON.stringify({ format: "sigma", files: [] }), "not-a-uuid"),
    webhook: () => webhook(JSON.stringify({ text: "x" }), "t".repeat(300)),
  },
};

/** What is stored, but the audit log (a refused request is audited) and, for cells that start a
 * workflow, the workflow bookkeeping. */
async function storedDigest(alsoSkip: string[] = []): Promise<string> {
  const skip = new Set(["audit_log", "api_keys", ...alsoSkip]);
  const { results } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
       AND name NOT LIKE 'attack_%' AND name NOT LIKE '%_fts%' ORDER BY name`,
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of results.filter((t) => !skip.has(t.name))) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all();
    parts.push(`${name}:${JSON.stringify(rows.results)}`);
  }
  return parts.join("\n");
}

/** Bookkeeping a refusal may add to: a workflow that ended failed, the log of an import whose files were all refused. */
const WORKFLOW_TABLES = ["workflows", "task_results", "webhook_deliveries"];
const SCAN_LOG = ["scan_snapshots"];

interface Outcome {
  /** How the cell refused the input, for the failure message. */
  how: string;
  ok: boolean;
  /** Tables the refusal may have added rows to. */
  logs: string[];
}

/** A 4xx JSON error, an isError tool result, or a started workflow that ends failed with a reason. */
async function judge(res: Response): Promise<Outcome> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { how: `${res.status} not JSON: ${text.slice(0, 120)}`, ok: false, logs: [] };
  }
  const b = body as {
    error?: { code?: unknown; message?: unknown };
    workflowId?: string;
    result?: { isError?: boolean; content?: { text?: string }[] };
  };
  if (res.status >= 400 && res.status < 500) {
    return { how: `${res.status} ${JSON.stringify(b.error)}`, ok: b.error !== undefined, logs: [] };
  }
  const workflowId = b.workflowId ?? mcpWorkflowId(b.result?.content?.[0]?.text);
  if (b.result?.isError === true) return { how: `isError ${text.slice(0, 160)}`, ok: true, logs: [] };
  // A rule import answers per file: every file refused in `errors`, nothing imported, is a refusal.
  const imp = body as { imported?: number; updated?: number; errors?: unknown[] };
  if (res.status === 200 && imp.errors !== undefined) {
    const refused = imp.errors.length > 0 && imp.imported === 0 && imp.updated === 0;
    return { how: `import ${text.slice(0, 200)}`, ok: refused, logs: SCAN_LOG };
  }
  if (workflowId) {
    const state = await driveWorkflow(workflowId);
    return {
      how: `workflow ${state.status}: ${state.error ?? ""}`,
      ok: state.status === "failed" && (state.error ?? "").length > 0,
      logs: WORKFLOW_TABLES,
    };
  }
  return { how: `${res.status} ${text.slice(0, 160)}`, ok: false, logs: [] };
}

describe("bad input grid", () => {
  const cells = (Object.keys(GRID) as Class[]).flatMap((cls) =>
    (Object.keys(GRID[cls]) as Surface[]).map((surface) => [cls, surface] as const),
  );
  it.each(cells)("%s × %s: refused, nothing stored changed", async (cls, surface) => {
    const before = await storedDigest(WORKFLOW_TABLES.concat(SCAN_LOG));
    const beforeAll = await storedDigest();
    const outcome = await judge(await GRID[cls][surface]());
    expect(outcome.ok, outcome.how).toBe(true);
    const after = outcome.logs.length > 0 ? await storedDigest(WORKFLOW_TABLES.concat(SCAN_LOG)) : await storedDigest();
    const changed = after.split("\n").filter((line) => !(outcome.logs.length > 0 ? before : beforeAll).includes(line));
    expect(changed.map((line) => line.slice(0, 300))).toEqual([]);
  });

  it("the bombs really are bombs: the cap, not something cheaper, refuses them", async () => {
    const res = await raw(bomb, "application/pdf");
    expect(res.status).toBe(422);
    expect((await json<{ error: { code: string } }>(res)).error.code).toBe("document_too_complex");
  });
});

describe("a JSON body says what is wrong with it", () => {
  it.each([
    ["not UTF-8", nonUtf8Json, /not valid UTF-8/],
    ["nested 65 deep", `{"text":"x","a":${nestedJson(65)}}`, /nested more than 64 deep/],
    [
      "holding 300,000 numbers beside its text",
      `{"text":"x","n":[${"1,".repeat(300_000)}1]}`,
      /more than 200,000 values/,
    ],
  ])("%s: 400 naming it, on REST and MCP alike", async (_name, body, message) => {
    for (const res of [await rest(body), await mcpRaw(body)]) {
      expect(res.status).toBe(400);
      expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(message);
    }
  });

  it("a document as one long string is not a value count: 20 MB of text is accepted", async () => {
    const res = await rest(JSON.stringify({ text: `The actor ran PowerShell. ${"a, b: [c] {d} ".repeat(1_400_000)}` }));
    expect(res.status).toBe(202);
  });
});

/** The workflow id in a tool's JSON text answer, if it is one. */
function mcpWorkflowId(text: string | undefined): string | undefined {
  try {
    const out = JSON.parse(text ?? "") as { workflowId?: unknown };
    return typeof out.workflowId === "string" ? out.workflowId : undefined;
  } catch {
    return undefined;
  }
}
