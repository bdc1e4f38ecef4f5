import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { http, HttpResponse } from "msw";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import type { ModelData } from "../src/analysis/model";
import { loadAttackBundle, type LoadOptions, type LoadResult } from "../src/attack/loader";
import { createDb } from "../src/db/client";
import { ensureTenant } from "../src/db/repos/tenants";
import { issueApiKey } from "../src/tenants/keys.service";
import { AppError } from "../src/errors";
import worker from "../src/index";

import { chunks } from "../src/lib/collections";
import { readArtifact } from "../src/models/model-cache";
import { importModelArtifact } from "../src/models/models.service";
import { TERMINAL, type WorkflowState } from "../src/workflows/types";

export const SHIPPED_BUNDLE = "/repo/data/attack/enterprise-attack-18.1.json.gz";
export const sharedBundle = (version: string) => `/shared/attack/enterprise-attack-${version}.json.gz`;

/**
 * A GET to the fixture server, repeated once if the connection drops: miniflare's loopback server
 * closes idle sockets after Node's default 5 s keep-alive, racing workerd's next request on them
 * (cloudflare/workers-sdk#14848), e.g. after a bundle load of several seconds. A GET is safe to repeat.
 */
async function fetchFixture(urlPath: string): Promise<Response> {
  try {
    return await env.FIXTURES.fetch(`http://fixtures${urlPath}`);
  } catch (e) {
    if (!(e instanceof Error && e.message.includes("Network connection lost"))) throw e;
    return env.FIXTURES.fetch(`http://fixtures${urlPath}`);
  }
}

/** A fixture file as a stream, as the Worker would get a download. */
export async function fixtureStream(path: string): Promise<ReadableStream<Uint8Array>> {
  const res = await fetchFixture(path);
  if (!res.ok || !res.body) throw new Error(`fixture ${path}: ${res.status} ${await res.text()}`);
  return res.body;
}

/** The bytes of a file under test/fixtures/documents. */
export async function documentFixture(path: string): Promise<Uint8Array> {
  const res = await fetchFixture(`/repo/test/fixtures/documents/${path}`);
  expect(res.status, path).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** The typed error a promise rejects with (the test fails if it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

export async function loadFixture(path: string, options?: LoadOptions): Promise<LoadResult> {
  return loadAttackBundle(env.DB, await fixtureStream(path), options);
}

export function streamOf(text: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return new Blob([bytes]).stream() as ReadableStream<Uint8Array>;
}

/** A key of the tenant `name` (created if needed): a member key unless `role` says otherwise. */
export async function newTenantKey(
  name: string,
  role: "member" | "admin" | "operator" = "member",
): Promise<{ tenantId: string; key: string; keyId: string }> {
  const db = createDb(env.DB);
  const { tenant } = await ensureTenant(db, name);
  const { key, apiKey } = await issueApiKey(db, tenant.id, role, role);
  return { tenantId: tenant.id, key, keyId: apiKey.id };
}

export function api(path: string, key?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  return SELF.fetch(`http://ttpscope.test${path}`, { ...init, headers });
}

export async function json<T>(res: Response): Promise<T> {
  return await res.json();
}

/** The JSON body of every REST error. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** What a detections import answers (REST). */
export type { ImportResult as ImportOut } from "../src/coverage/rule-import";

export const SHIPPED_MODEL = "/repo/data/model/model.json.gz";

async function shippedModelBytes(): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await fixtureStream(SHIPPED_MODEL)).arrayBuffer());
}

/** The shipped mapping model, gunzipped and parsed. */
export async function shippedModelData(): Promise<ModelData> {
  return readArtifact(await shippedModelBytes());
}

/** Loads the shipped ATT&CK bundle and mapping model: what `npm start` does on a fresh clone. */
export async function loadShippedAttackAndModel(): Promise<void> {
  await loadFixture(SHIPPED_BUNDLE);
  await importModelArtifact(createDb(env.DB), await shippedModelBytes());
}

/**
 * The shipped bundle relabelled as a release not loaded yet (its collection says 18.2): a second
 * version without ../shared, or a stand-in for a new download. Gzipped on request, as downloads are.
 */
export async function relabelledBundle(options: { gzip: boolean }): Promise<Uint8Array> {
  const text = await new Response(
    (await fixtureStream(SHIPPED_BUNDLE)).pipeThrough(new DecompressionStream("gzip")),
  ).text();
  const relabelled = text.replace('"x_mitre_version": "18.1"', '"x_mitre_version": "18.2"');
  expect(relabelled).not.toBe(text);
  const plain = streamOf(relabelled);
  return new Uint8Array(
    await new Response(options.gzip ? plain.pipeThrough(new CompressionStream("gzip")) : plain).arrayBuffer(),
  );
}

/**
 * Runs the Worker's scheduled handler for a cron trigger (e.g. DAILY_CRON) and waits for its work;
 * `at` (ms) is the trigger's time, later than now to stand for time passing without sleeping.
 */
export async function runScheduled(cron: string, at = Date.now()): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron, scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** An msw handler for DNS over HTTPS that resolves every name to one public IPv4 address (no IPv6). */
export const publicDnsHandler = http.get("https://cloudflare-dns.com/dns-query", ({ request }) => {
  const type = new URL(request.url).searchParams.get("type") === "AAAA" ? 28 : 1;
  return HttpResponse.json({
    Status: 0,
    Answer: type === 1 ? [{ name: "x", type: 1, TTL: 60, data: "93.184.216.34" }] : [],
  });
});

/** The MCP SDK's own client, connected to the Worker's /mcp with a tenant's key. The caller closes it. */
export async function connectMcp(key: string, results: "text" | "structured" = "text"): Promise<Client> {
  const client = new Client(
    { name: "ttpscope-test", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(`http://ttpscope.test/mcp${results === "text" ? "" : "?results=structured"}`),
      {
        fetch: (input, init) => SELF.fetch(input, init),
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      },
    ),
  );
  return client;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/**
 * Runs a workflow's alarms until it ends (no sleeping: each alarm is fired on demand). Returns its
 * final state; fails the test when it does not end within `maxAlarms`.
 */
export async function driveWorkflow(id: string, maxAlarms = 30): Promise<WorkflowState> {
  const stub = env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id));
  for (let i = 0; i < maxAlarms; i++) {
    const state = await stub.state();
    if (!state) throw new Error(`workflow ${id} has no state`);
    if (TERMINAL.has(state.status)) return state;
    // An alarm already running (they also fire on their own) is waited for, not slept on.
    if (!(await runDurableObjectAlarm(stub))) await stub.waitForChange(state.revision, 10_000);
  }
  throw new Error(`workflow ${id} did not end within ${maxAlarms} alarms: ${JSON.stringify(await stub.state())}`);
}

export function postJson(path: string, key: string, body: unknown): Promise<Response> {
  return api(path, key, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Calls analyze_document and drives the workflow it starts: its id arrives in the first progress
 * notification, so no polling is needed. Returns the tool result and the progress values seen.
 */
export async function callAnalyzeDocument(
  client: Client,
  args: Record<string, unknown>,
): Promise<{ result: CallToolResult; progress: number[] }> {
  const progress: number[] = [];
  let driving: Promise<WorkflowState> | undefined;
  const result = (await client.callTool({ name: "analyze_document", arguments: args }, undefined, {
    onprogress: (p) => {
      progress.push(p.progress);
      const id = /analysis ([0-9a-f-]{36})/.exec(p.message ?? "")?.[1];
      if (id && !driving) driving = driveWorkflow(id);
    },
  })) as CallToolResult;
  await driving;
  return { result, progress };
}

/** Relative paths of the files below a fixture directory, e.g. "/shared/rules/sigma". */
export async function listFixtures(dir: string): Promise<string[]> {
  const res = await fetchFixture(`/list${dir}`);
  if (!res.ok) throw new Error(`fixture listing ${dir}: ${res.status}`);
  return res.json<string[]>();
}

export async function fixtureText(path: string): Promise<string> {
  return new Response(await fixtureStream(path)).text();
}

/** The files of a fixture folder whose names match, with their text: 32 reads at a time. */
export async function readCorpus(dir: string, names: RegExp): Promise<{ path: string; content: string }[]> {
  const files: { path: string; content: string }[] = [];
  for (const paths of chunks(
    (await listFixtures(dir)).filter((p) => names.test(p)),
    32,
  )) {
    files.push(
      ...(await Promise.all(paths.map(async (path) => ({ path, content: await fixtureText(`${dir}/${path}`) })))),
    );
  }
  return files;
}

/**
 * A digest of everything stored but the ATT&CK catalogue itself (immutable once loaded) and
 * api_keys (authentication records a key's last use, at most once a minute, on any request), nor
 * full-text indexes (derived by triggers from tables that are in it; some have no rowid to order by).
 * Equal before and after a request: the request wrote nothing.
 */
export async function tenantDataDigest(): Promise<string> {
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' AND name <> 'api_keys'
       AND (name NOT LIKE 'attack_%' OR name IN ('attack_versions', 'attack_changes'))
       AND name NOT LIKE '%_fts%'
     ORDER BY name`,
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all();
    parts.push(`${name}:${JSON.stringify(results)}`);
  }
  const bytes = new TextEncoder().encode(parts.join("\n"));
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** An ATT&CK release index (attack-stix-data's index.json) that lists these Enterprise releases. */
export function releaseIndex(releases: { version: string; url: string }[]) {
  return {
    id: "index",
    name: "MITRE ATT&CK",
    collections: [
      {
        id: "x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019",
        name: "Enterprise ATT&CK",
        versions: releases.map((r) => ({ ...r, modified: "2025-01-01T00:00:00.000Z" })),
      },
    ],
  };
}

/**
 * Standard Webhooks headers for `body`, signed with the specification's reference library (never
 * with our own code): a body that is not UTF-8 is signed over its bytes, as the spec says.
 */
export function signedHeaders(
  secret: string,
  body: string | Uint8Array,
  id = `msg_${crypto.randomUUID()}`,
  at = new Date(),
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

/** What a tool answered: its structuredContent, or the JSON of its text block (the default, `results=text`). */
export function dataOf(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const first = result.content[0];
  if (first?.type !== "text") throw new Error("the tool answered no text block");
  return JSON.parse(first.text) as unknown;
}
