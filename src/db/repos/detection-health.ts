/**
 * @module Detection health as operators report it: the latest status of each detection, counts per
 * status, and the detections that need attention. A report marks the account's coverage pending
 * in the same batch (broken detections stop counting).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../client";
import { detectionHealth, detections } from "../schema";
import { markCoveragePending } from "./coverage";

/** Present detections of an account per health status (no health record yet counts as unknown). */
export async function healthCounts(db: Db, tenantId: string, accountId: string) {
  return db.all<{ status: string; detections: number }>(sql`
    SELECT coalesce(h.status, 'unknown') AS status, count(*) AS detections
    FROM detections d LEFT JOIN detection_health h ON h.detection_id = d.id
    WHERE d.account_id = ${accountId} AND d.tenant_id = ${tenantId} AND d.removed_at IS NULL
    GROUP BY coalesce(h.status, 'unknown')`);
}

/** Present detections of an account that are degraded or broken (at most 200). */
export async function unhealthyDetections(db: Db, tenantId: string, accountId: string) {
  return db.all<{
    id: string;
    name: string;
    status: string;
    issues: string | null;
    lastTriggeredAt: string | null;
    parseConfidence: number | null;
  }>(sql`
    SELECT d.id, d.name, coalesce(h.status, 'unknown') AS status, h.issues, h.last_triggered_at AS lastTriggeredAt, l.parse_confidence AS parseConfidence
    FROM ${detections} d LEFT JOIN detection_health h ON h.detection_id = d.id LEFT JOIN detection_logic l ON l.detection_id = d.id
    WHERE d.tenant_id = ${tenantId} AND d.account_id = ${accountId} AND d.removed_at IS NULL AND coalesce(h.status, 'unknown') IN ('degraded', 'broken')
    ORDER BY h.status, d.name LIMIT 200`);
}

export type HealthRow = typeof detectionHealth.$inferInsert;

/** Records a detection's health and marks its account's coverage pending, in one batch. */
export async function upsertHealth(db: Db, row: HealthRow & { accountId: string }): Promise<void> {
  await db.batch([
    db.insert(detectionHealth).values(row).onConflictDoUpdate({ target: detectionHealth.detectionId, set: row }),
    markCoveragePending(db, { tenantId: row.tenantId, accountId: row.accountId }),
  ]);
}
