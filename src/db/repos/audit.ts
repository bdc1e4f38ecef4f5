/**
 * @module The audit log: one row per mutating request, readable only by its tenant.
 */
import { and, desc, eq, lt } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog, type AuditEntry } from "../schema";

export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, "id" | "createdAt">;

export async function insertAudit(db: Db, entry: NewAuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry);
}

/** Newest first; `before` is the id of the last row of the previous page. */
export async function listAudit(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: number },
): Promise<AuditEntry[]> {
  const where =
    page.before === undefined
      ? eq(auditLog.tenantId, tenantId)
      : and(eq(auditLog.tenantId, tenantId), lt(auditLog.id, page.before));
  return db
    .select()
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1);
}

/** Deletes rows older than `before` (all tenants: retention is a policy of the deployment). */
export async function pruneAudit(db: Db, before: string): Promise<number> {
  const result = await db.delete(auditLog).where(lt(auditLog.createdAt, before)).run();
  return result.meta.changes;
}
