/**
 * @module Tenants and their API keys (stored by hash; tenants/api-keys.ts makes and hashes them).
 * Every key query is scoped to a tenant except the lookup by hash, which is how a request finds its
 * tenant in the first place.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { apiKeys, tenants, type ApiKey, type Tenant } from "../schema";

export async function findTenantByName(db: Db, name: string): Promise<Tenant | null> {
  return (await db.select().from(tenants).where(eq(tenants.name, name)).get()) ?? null;
}

export async function ensureTenant(db: Db, name: string): Promise<{ tenant: Tenant; created: boolean }> {
  const existing = await findTenantByName(db, name);
  if (existing) return { tenant: existing, created: false };
  const inserted = await db.insert(tenants).values({ id: crypto.randomUUID(), name }).onConflictDoNothing().returning();
  // Lost a race with another creator: theirs is as good as ours.
  const tenant = inserted[0] ?? (await findTenantByName(db, name));
  if (!tenant) throw new Error(`tenant ${name} could not be created`);
  return { tenant, created: inserted.length > 0 };
}

/** Stores a key by its hash and display prefix: the plaintext never reaches the database. */
export async function insertApiKey(
  db: Db,
  k: { tenantId: string; name: string; role: ApiKey["role"]; prefix: string; keyHash: string },
): Promise<ApiKey> {
  const [apiKey] = await db
    .insert(apiKeys)
    .values({ id: crypto.randomUUID(), ...k })
    .returning();
  if (!apiKey) throw new Error("api key insert returned no row");
  return apiKey;
}

/** The live (not revoked) key with this hash, with its tenant. */
export async function findActiveKeyByHash(db: Db, keyHash: string): Promise<{ apiKey: ApiKey; tenant: Tenant } | null> {
  const row = await db
    .select({ apiKey: apiKeys, tenant: tenants })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .get();
  return row ?? null;
}

export async function touchApiKey(db: Db, tenantId: string, keyId: string, at: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)));
}

export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKey[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(desc(apiKeys.createdAt));
}

/** Revokes one of the tenant's keys; null when the tenant has no such key. */
export async function revokeApiKey(db: Db, tenantId: string, keyId: string, at: string): Promise<ApiKey | null> {
  const key = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)))
    .get();
  if (!key) return null;
  if (key.revokedAt) return key;
  const [updated] = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)))
    .returning();
  return updated ?? null;
}
