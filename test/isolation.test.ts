/**
 * The isolation battery: every id-taking route of the OpenAPI document and every id-taking MCP tool
 * (tools/list under an operator key, so none is hidden), called on tenant A's objects with tenant B's
 * member key, B's admin key and a revoked key of A. Nothing of A may show (no 2xx, no successful
 * tool result, none of A's markers in any answer) and nothing of A may change. Ids come from the
 * registry (battery/registry.ts): an id parameter, body or tool argument it lacks fails the battery.
 */
import { env } from "cloudflare:test";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeAll, describe, expect, it } from "vitest";
import { BODIES, EXTRA_ROUTES, isIdName, RULE, SEEDERS, toolCall, type Seeded } from "./battery/registry";
import {
  api,
  connectMcp,
  driveWorkflow,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  signedHeaders,
} from "./helpers";

const MARKER = "zq-isolation-secret-of-tenant-a";
const markers = [MARKER, "iso-tenant-a"];

interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  security?: unknown[];
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

let seeded: Seeded;
let keyA: string;
let operatorKey: string;
const intruders: Record<string, string> = {};
let webhookSecretB: string;

/** Tenant A's rows, keys included: what the battery must leave exactly as it was. */
async function tenantADigest(): Promise<string> {
  // D1 refuses pragma functions: the tenant's tables are those whose CREATE statement has tenant_id.
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%tenant_id%' AND name NOT LIKE '%_fts%'`,
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables) {
    const cols = name === "api_keys" ? "id, role, revoked_at" : "*";
    const { results } = await env.DB.prepare(`SELECT ${cols} FROM "${name}" WHERE tenant_id = ? ORDER BY rowid`)
      .bind(seeded.tenantId)
      .all();
    parts.push(`${name}:${JSON.stringify(results)}`);
  }
  return parts.join("\n");
}

beforeAll(async () => {
  await loadShippedAttackAndModel();
  const a = await newTenantKey("iso-tenant-a", "admin");
  keyA = a.key;
  const account = await json<{ id: string }>(
    await postJson("/api/v1/accounts", keyA, {
      name: `account ${MARKER}`,
      provider: "aws",
      identifier: "999988887777",
      environment: "prod",
      criticality: "high",
    }),
  );
  await postJson(`/api/v1/accounts/${account.id}/detections/import`, keyA, {
    format: "sigma",
    files: [{ path: "a.yml", content: RULE }],
  });
  const mappings = await json<{ items: { id: string; detectionId: string }[] }>(
    await api(`/api/v1/accounts/${account.id}/mappings`, keyA),
  );
  const report = await json<{ reportId: string; techniques: { matchId: string }[] }>(
    await postJson("/api/v1/analyze", keyA, {
      text: `The actor ran encoded PowerShell commands (${MARKER}).`,
      title: `report ${MARKER}`,
    }),
  );
  const started = await json<{ workflowId: string }>(
    await postJson("/api/v1/analyses", keyA, { text: `The actor used PowerShell again (${MARKER}).` }),
  );
  await driveWorkflow(started.workflowId);
  expect((await api("/api/v1/webhooks/secret", keyA, { method: "POST" })).status).toBe(201);
  const spare = await newTenantKey("iso-tenant-a", "member");
  seeded = {
    tenantId: a.tenantId,
    accountId: account.id,
    detectionId: mappings.items[0]?.detectionId ?? "",
    mappingId: mappings.items[0]?.id ?? "",
    reportId: report.reportId,
    matchId: report.techniques[0]?.matchId ?? "",
    workflowId: started.workflowId,
    keyId: spare.keyId,
  };
  expect(Object.values(seeded).every((v) => v !== "")).toBe(true);

  const revoked = await newTenantKey("iso-tenant-a", "member");
  expect((await api(`/api/v1/keys/${revoked.keyId}`, keyA, { method: "DELETE" })).status).toBe(200);
  intruders["B member"] = (await newTenantKey("iso-tenant-b", "member")).key;
  const adminB = await newTenantKey("iso-tenant-b", "admin");
  intruders["B admin"] = adminB.key;
  intruders["A revoked"] = revoked.key;
  operatorKey = (await newTenantKey("iso-operators", "operator")).key;
  webhookSecretB = (
    await json<{ secret: string }>(await api("/api/v1/webhooks/secret", adminB.key, { method: "POST" }))
  ).secret;
});

interface RouteCall {
  route: string;
  method: string;
  url: string;
  body: unknown;
  public: boolean;
}

/** The id-taking routes with A's ids filled in, and what the registry lacks to call the others. */
function routeCalls(doc: OpenApi): { calls: RouteCall[]; missing: string[] } {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  for (const extra of EXTRA_ROUTES) {
    const [method = "GET", path = ""] = extra.split(" ");
    ops.push({ path, method, op: {} });
  }
  const calls: RouteCall[] = [];
  const missing: string[] = [];
  for (const { path, method, op } of ops) {
    const route = `${method} ${path}`;
    const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");
    const queryIds = (op.parameters ?? []).filter((p) => p.in === "query" && isIdName(p.name)).map((p) => p.name);
    const names = [...pathParams, ...queryIds];
    const unknown = names.filter((n) => !SEEDERS[n]);
    if (unknown.length > 0) {
      missing.push(`${route}: no seeder for ${unknown.join(", ")}`);
      continue;
    }
    if (!names.some((n) => SEEDERS[n]?.owned)) continue; // the shared catalogue only
    if (["POST", "PUT", "PATCH"].includes(method) && !(route in BODIES)) {
      missing.push(`${route}: no body in BODIES`);
      continue;
    }
    let url = path;
    for (const n of pathParams) url = url.replace(`{${n}}`, SEEDERS[n]?.value(seeded) ?? "");
    const query = queryIds.map((n) => `${n}=${SEEDERS[n]?.value(seeded) ?? ""}`).join("&");
    if (query) url += `?${query}`;
    calls.push({
      route,
      method,
      url,
      body: BODIES[route],
      public: Array.isArray(op.security) && op.security.length === 0,
    });
  }
  return { calls, missing };
}

async function send(call: RouteCall, key: string): Promise<Response> {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  // A route that authenticates otherwise (a signed webhook): B signs with its own secret.
  if (call.public && body !== undefined) Object.assign(headers, signedHeaders(webhookSecretB, body));
  return api(call.url, key, { method: call.method, headers, body });
}

describe("isolation battery", () => {
  it("REST: no id-taking route shows or changes tenant A's objects to B's keys or a revoked key", async () => {
    const { calls, missing } = routeCalls(await json<OpenApi>(await api("/openapi.json")));
    expect(missing, "routes the battery cannot call: register them in test/battery/registry.ts").toEqual([]);
    expect(calls.length).toBeGreaterThan(15);
    // The seeded ids are real: A's own key reads every GET route the battery calls.
    for (const call of calls.filter((c) => c.method === "GET")) {
      const res = await send(call, keyA);
      expect(res.status, `${call.route} for tenant A`).toBe(200);
      await res.arrayBuffer();
    }
    const before = await tenantADigest();
    const exposures: string[] = [];
    for (const call of calls) {
      for (const [who, key] of Object.entries(intruders)) {
        const res = await send(call, key);
        const text = await res.text();
        const allowed = call.public ? [401] : [401, 403, 404];
        if (!allowed.includes(res.status) || markers.some((m) => text.includes(m))) {
          exposures.push(`${who} ${call.route} → ${res.status} ${text.slice(0, 200)}`);
        }
      }
    }
    expect(exposures).toEqual([]);
    expect(await tenantADigest()).toBe(before);
    expect((await api("/api/v1/keys", keyA)).status).toBe(200);
  });

  it("MCP: no id-taking tool shows or changes tenant A's objects to B's keys; a revoked key cannot connect", async () => {
    const lister = await connectMcp(operatorKey);
    const { tools } = await lister.listTools();
    await lister.close();
    const missing: string[] = [];
    const calls: { tool: string; args: Record<string, unknown> }[] = [];
    for (const tool of tools) {
      const call = toolCall(tool, seeded);
      if ("missing" in call) missing.push(call.missing);
      else if (call.owned) calls.push({ tool: tool.name, args: call.args });
    }
    expect(
      missing,
      `tools the battery cannot call: register them in test/battery/registry.ts: ${missing.join("; ")}`,
    ).toEqual([]);
    expect(calls.length).toBeGreaterThan(5);

    const before = await tenantADigest();
    const exposures: string[] = [];
    for (const who of ["B member", "B admin"]) {
      const client = await connectMcp(intruders[who] ?? "");
      for (const { tool, args } of calls) {
        let result: CallToolResult | undefined;
        try {
          result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
        } catch {
          continue; // a protocol error (e.g. a tool this key is not shown): nothing shown
        }
        const text = JSON.stringify(result);
        if (!result.isError || markers.some((m) => text.includes(m))) {
          exposures.push(`${who} ${tool} → ${text.slice(0, 200)}`);
        }
      }
      await client.close();
    }
    expect(exposures).toEqual([]);
    expect(await tenantADigest()).toBe(before);
    await expect(connectMcp(intruders["A revoked"] ?? "")).rejects.toThrow();
  });

  it("fails on an id parameter the registry does not know", () => {
    const doc: OpenApi = { paths: { "/api/v1/widgets/{widgetId}": { get: {} } } };
    expect(routeCalls(doc).missing).toEqual(["GET /api/v1/widgets/{widgetId}: no seeder for widgetId"]);
  });
});
