/**
 * @module The audit log: one row per mutating REST request, MCP tool call that changes something,
 * and webhook delivery, readable only by its tenant; pruned by the daily cron.
 */
import type { Db } from "../db/client";
import { insertAudit, listAudit, pruneAudit, type NewAuditEntry } from "../db/repos/audit";
import { takePage } from "../lib/collections";
import type { AuditEntryT } from "./audit.schemas";

export type { NewAuditEntry };

export const recordAudit = (db: Db, entry: NewAuditEntry): Promise<void> => insertAudit(db, entry);

/** A page of the tenant's entries, newest first, after the entry `before` (an id) when given. */
export async function listAuditPage(
  db: Db,
  tenantId: string,
  page: { limit: number; before?: number },
): Promise<{ items: AuditEntryT[]; hasMore: boolean }> {
  const rows = await listAudit(db, tenantId, page);
  const { page: items, hasMore } = takePage(rows, page.limit);
  return { items: items.map(({ tenantId: _, ...row }) => row), hasMore };
}

/** Deletes entries older than `before`, every tenant's (retention is the deployment's policy). */
export const pruneAuditBefore = (db: Db, before: string): Promise<number> => pruneAudit(db, before);
