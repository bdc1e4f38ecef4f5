import { env, SELF } from "cloudflare:test";
import { loadAttackBundle, type LoadOptions, type LoadResult } from "../src/attack/loader";
import { createDb } from "../src/db/client";
import { createApiKey, ensureTenant } from "../src/db/repos/tenants";

export const SHIPPED_BUNDLE = "/repo/data/attack/enterprise-attack-18.1.json.gz";
export const sharedBundle = (version: string) => `/shared/attack/enterprise-attack-${version}.json.gz`;

/** A fixture file as a stream, as the Worker would get a download. */
export async function fixtureStream(path: string): Promise<ReadableStream<Uint8Array>> {
  const res = await env.FIXTURES.fetch(`http://fixtures${path}`);
  if (!res.ok || !res.body) throw new Error(`fixture ${path}: ${res.status} ${await res.text()}`);
  return res.body;
}

export async function loadFixture(path: string, options?: LoadOptions): Promise<LoadResult> {
  return loadAttackBundle(env.DB, await fixtureStream(path), options);
}

export function streamOf(text: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return new Blob([bytes]).stream();
}

export async function newTenantKey(name: string): Promise<{ tenantId: string; key: string }> {
  const db = createDb(env.DB);
  const { tenant } = await ensureTenant(db, name);
  const { key } = await createApiKey(db, tenant.id);
  return { tenantId: tenant.id, key };
}

export function api(path: string, key?: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set("authorization", `Bearer ${key}`);
  return SELF.fetch(`http://ttpscope.test${path}`, { ...init, headers });
}

export async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
