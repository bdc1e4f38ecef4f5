import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { newTenantKey, signedHeaders, type ErrorBody } from "./helpers";

// vitest.config gives the real bindings limits no test reaches; here TIGHT_RATE_LIMIT (2 a minute,
// miniflare's implementation of the binding) stands in for one of them.
type Limiter = "API_RATE_LIMIT" | "ANALYSIS_RATE_LIMIT";

async function send(tight: Limiter, path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://ttpscope.test${path}`, { ...init, headers }),
    { ...env, [tight]: env.TIGHT_RATE_LIMIT },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("60");
  const body = await res.json<ErrorBody>();
  expect(body.error.code).toBe("rate_limited");
  expect(body.error.message).toMatch(/retry after 60 s/);
}

const analysis = (key: string) => ({
  key,
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ text: `The actor ran PowerShell. ${crypto.randomUUID()}` }),
});

const mcpCall = (key: string, name: string, args: Record<string, unknown>) => ({
  key,
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
});

describe("per-key rate limits", () => {
  it("REST: a key over its request limit gets 429 with Retry-After; another key is not affected", async () => {
    const a = await newTenantKey("rl-rest-a");
    const b = await newTenantKey("rl-rest-b");
    for (let i = 0; i < 2; i++) expect((await send("API_RATE_LIMIT", "/api/v1/keys", { key: a.key })).status).toBe(200);
    await expectLimited(await send("API_RATE_LIMIT", "/api/v1/keys", { key: a.key }));
    expect((await send("API_RATE_LIMIT", "/api/v1/keys", { key: b.key })).status).toBe(200);
  });

  it("REST: analyses have their own, tighter limit; reads of the same key go on", async () => {
    const a = await newTenantKey("rl-analysis");
    expect((await send("ANALYSIS_RATE_LIMIT", "/api/v1/analyses", analysis(a.key))).status).toBe(202);
    expect((await send("ANALYSIS_RATE_LIMIT", "/api/v1/analyze", analysis(a.key))).status).not.toBe(429);
    await expectLimited(await send("ANALYSIS_RATE_LIMIT", "/api/v1/analyses", analysis(a.key)));
    expect((await send("ANALYSIS_RATE_LIMIT", "/api/v1/keys", { key: a.key })).status).toBe(200);
  });

  it("MCP: over the request limit gets 429; analyze_document counts against the analysis limit", async () => {
    const a = await newTenantKey("rl-mcp-api");
    for (let i = 0; i < 2; i++) {
      expect((await send("API_RATE_LIMIT", "/mcp", mcpCall(a.key, "list_tactics", {}))).status).toBe(200);
    }
    await expectLimited(await send("API_RATE_LIMIT", "/mcp", mcpCall(a.key, "list_tactics", {})));

    const b = await newTenantKey("rl-mcp-analysis");
    const analyze = () =>
      send(
        "ANALYSIS_RATE_LIMIT",
        "/mcp",
        mcpCall(b.key, "analyze_document", { text: `PowerShell ${crypto.randomUUID()}`, wait_seconds: 0 }),
      );
    for (let i = 0; i < 2; i++) expect((await analyze()).status).toBe(200);
    await expectLimited(await analyze());
    // Tools that start no analysis are not counted against it.
    expect((await send("ANALYSIS_RATE_LIMIT", "/mcp", mcpCall(b.key, "list_tactics", {}))).status).toBe(200);
  });

  it("webhook deliveries count against the tenant's analysis limit, after the signature", async () => {
    const t = await newTenantKey("rl-webhook", "admin");
    const created = await send("API_RATE_LIMIT", "/api/v1/webhooks/secret", { key: t.key, method: "POST" });
    const { secret } = await created.json<{ secret: string }>();
    const body = JSON.stringify({ text: "The actor ran PowerShell." });
    const deliver = (signedWith = secret) =>
      send("ANALYSIS_RATE_LIMIT", `/api/v1/webhooks/documents/${t.tenantId}`, {
        method: "POST",
        headers: signedHeaders(signedWith, body),
        body,
      });
    // Forgeries are refused before the limit: they cannot spend the tenant's budget.
    for (let i = 0; i < 3; i++) expect((await deliver(`whsec_${btoa("f".repeat(32))}`)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await deliver()).status).toBe(202);
    await expectLimited(await deliver());
  });
});
