/**
 * @module A coverage gap's status as people set it (acknowledged, accepted risk, remediated, open
 * again), and the cron's reopening of accepted risks past their expiry. Tenant and account scope
 * each query but the cron's, which says so in its argument.
 */
import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog, coverageGaps, type CoverageGap, type GAP_STATUSES } from "../schema";

export type GapStatus = (typeof GAP_STATUSES)[number];

/** Who sets the cron's changes, in the gap and the audit (keys' prefixes start `ttp_`). */
export const SYSTEM_ACTOR = "system";
/** The audit action of the cron's reopening. */
export const REOPEN_ACTION = "cron:gap.reopen";

/** The one gap of a technique in a tenant's account. */
const gapOf = (tenantId: string, accountId: string, techniqueId: string) =>
  and(
    eq(coverageGaps.tenantId, tenantId),
    eq(coverageGaps.accountId, accountId),
    eq(coverageGaps.techniqueId, techniqueId),
  );

export async function getGap(
  db: Db,
  tenantId: string,
  accountId: string,
  techniqueId: string,
): Promise<CoverageGap | null> {
  return (
    (await db
      .select()
      .from(coverageGaps)
      .where(gapOf(tenantId, accountId, techniqueId))
      .get()) ?? null
  );
}

export interface GapStatusChange {
  /** The status the caller saw: the update applies only if the gap still has it. */
  from: GapStatus;
  status: GapStatus;
  by: string;
  reason: string | null;
  expiresAt: string | null;
  at: string;
}

/** Sets the status if it is still `change.from`; null when the gap is gone or changed meanwhile. */
export async function updateGapStatus(
  db: Db,
  tenantId: string,
  accountId: string,
  techniqueId: string,
  change: GapStatusChange,
): Promise<CoverageGap | null> {
  const g = coverageGaps;
  const [row] = await db
    .update(g)
    .set({
      status: change.status,
      statusChangedAt: change.at,
      statusChangedBy: change.by,
      statusReason: change.reason,
      statusExpiresAt: change.expiresAt,
      resolvedAt: change.status === "remediated" ? change.at : null,
      updatedAt: change.at,
    })
    .where(and(gapOf(tenantId, accountId, techniqueId), eq(g.status, change.from)))
    .returning();
  return row ?? null;
}

/**
 * Reopens every accepted risk whose expiry is at or before `now`, each with an audit row of the
 * system, in one batch: both statements see the same rows. Returns how many were reopened.
 */
export async function reopenExpiredGaps(db: Db, scope: "all-tenants", now: string): Promise<number> {
  void scope;
  const g = coverageGaps;
  const expired = and(eq(g.status, "accepted_risk"), lte(g.statusExpiresAt, now));
  const [, reopened] = await db.batch([
    // Every audit_log column, in the table's order (id null: the next rowid).
    db.insert(auditLog).select(
      sql`SELECT NULL, ${g.tenantId}, ${SYSTEM_ACTOR}, ${REOPEN_ACTION}, ${g.accountId} || '/' || ${g.techniqueId},
            'success', NULL, NULL, ${now} FROM ${g} WHERE ${expired}`,
    ),
    db
      .update(g)
      .set({
        status: "open",
        statusChangedAt: now,
        statusChangedBy: SYSTEM_ACTOR,
        statusReason: "accepted risk expired",
        statusExpiresAt: null,
        updatedAt: now,
      })
      .where(expired),
  ]);
  return reopened.meta.changes;
}
