/**
 * @module Accounts of a tenant (cloud accounts, subscriptions, projects, on-prem estates).
 */
import { and, asc, desc, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { accounts, cloudProviders, type Account } from "../schema";
import { markCoveragePending } from "./coverage";

export type NewAccount = Omit<typeof accounts.$inferInsert, "id" | "tenantId" | "createdAt" | "updatedAt">;

export async function providerExists(db: Db, providerId: string): Promise<boolean> {
  return (
    (await db.select({ id: cloudProviders.id }).from(cloudProviders).where(eq(cloudProviders.id, providerId)).get()) !==
    undefined
  );
}

export async function listProviders(db: Db): Promise<string[]> {
  return (await db.select({ id: cloudProviders.id }).from(cloudProviders).orderBy(asc(cloudProviders.id))).map(
    (p) => p.id,
  );
}

/** Creates the account; null when the tenant already has one with this provider and identifier. */
export async function createAccount(db: Db, tenantId: string, a: NewAccount): Promise<Account | null> {
  const [row] = await db
    .insert(accounts)
    .values({ ...a, id: crypto.randomUUID(), tenantId })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/**
 * Changes an account (null if the tenant has no such account); with `inputsChanged`, its coverage
 * is marked pending in the same batch.
 */
export async function updateAccount(
  db: Db,
  tenantId: string,
  id: string,
  changes: Partial<Pick<NewAccount, "name" | "environment" | "criticality" | "regions" | "platforms">>,
  inputsChanged: boolean,
): Promise<Account | null> {
  const where = and(eq(accounts.tenantId, tenantId), eq(accounts.id, id));
  const update = db
    .update(accounts)
    .set({ ...changes, updatedAt: new Date().toISOString() })
    .where(where)
    .returning();
  if (!inputsChanged) return (await update)[0] ?? null;
  const [rows] = await db.batch([update, markCoveragePending(db, { tenantId, accountId: id })]);
  return rows[0] ?? null;
}

export async function getAccount(db: Db, tenantId: string, id: string): Promise<Account | null> {
  return (
    (await db
      .select()
      .from(accounts)
      .where(and(eq(accounts.tenantId, tenantId), eq(accounts.id, id)))
      .get()) ?? null
  );
}

/** A page of a tenant's accounts, newest first (`limit + 1` rows: the extra one says there is more). */
export async function listAccounts(
  db: Db,
  tenantId: string,
  page: { limit: number; after?: { createdAt: string; id: string } },
): Promise<Account[]> {
  const a = accounts;
  const where: SQL[] = [eq(a.tenantId, tenantId)];
  if (page.after) {
    const { createdAt, id } = page.after;
    where.push(or(lt(a.createdAt, createdAt), and(eq(a.createdAt, createdAt), lt(a.id, id))) as SQL);
  }
  return db
    .select()
    .from(a)
    .where(and(...where))
    .orderBy(desc(a.createdAt), desc(a.id))
    .limit(page.limit + 1);
}

/** A page of a tenant's accounts, or of every tenant's (a deployment operation, which the scope says), by id. */
export async function accountsPage(
  db: Db,
  scope: { tenantId: string } | "all-tenants",
  page: { after?: string; limit: number },
): Promise<Account[]> {
  const where = [
    ...(scope === "all-tenants" ? [] : [eq(accounts.tenantId, scope.tenantId)]),
    ...(page.after ? [gt(accounts.id, page.after)] : []),
  ];
  return db
    .select()
    .from(accounts)
    .where(and(...where))
    .orderBy(asc(accounts.id))
    .limit(page.limit);
}
