/**
 * @module A tenant's API keys, managed by the tenant's admin keys: list, create, revoke. A member
 * key sees and revokes only itself. Operator keys are never made here (the CLI makes them).
 */
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { insertApiKey, listApiKeys, revokeApiKey } from "../db/repos/tenants";
import { displayPrefix, generateApiKey, hashApiKey } from "./api-keys";
import type { ApiKey } from "../db/schema";
import { notFound } from "../errors";
import { hasRole, requireRole, type Caller } from "./caller";
import type { KeyInfoT, KeyInput } from "./tenants.schemas";

export const toKeyInfo = (k: ApiKey): KeyInfoT => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  prefix: k.prefix,
  role: k.role,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

export async function listKeys(db: Db, caller: Caller): Promise<KeyInfoT[]> {
  const keys = await listApiKeys(db, caller.tenantId);
  return (hasRole(caller, "admin") ? keys : keys.filter((k) => k.id === caller.keyId)).map(toKeyInfo);
}

/** A new key for the caller's tenant; the key itself is in this answer only. */
export async function createKey(
  db: Db,
  caller: Caller,
  input: z.infer<typeof KeyInput>,
): Promise<KeyInfoT & { key: string }> {
  requireRole(caller, "admin");
  const { key, apiKey } = await issueApiKey(db, caller.tenantId, input.name, input.role);
  return { ...toKeyInfo(apiKey), key };
}

/** Makes a key and stores its hash; the plaintext is returned once and never stored. */
export async function issueApiKey(
  db: Db,
  tenantId: string,
  name = "default",
  role: ApiKey["role"] = "member",
): Promise<{ key: string; apiKey: ApiKey }> {
  const key = generateApiKey();
  const apiKey = await insertApiKey(db, {
    tenantId,
    name,
    role,
    prefix: displayPrefix(key),
    keyHash: await hashApiKey(key),
  });
  return { key, apiKey };
}

export async function revokeKey(db: Db, caller: Caller, keyId: string): Promise<KeyInfoT> {
  // A member may revoke only itself; another key of the tenant is as unknown to it as any other.
  if (!hasRole(caller, "admin") && keyId !== caller.keyId) throw notFound("no such API key for this tenant");
  const revoked = await revokeApiKey(db, caller.tenantId, keyId, new Date().toISOString());
  if (!revoked) throw notFound("no such API key for this tenant");
  return toKeyInfo(revoked);
}
