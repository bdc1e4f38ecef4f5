/**
 * @module Deprecated APIs, events or fields and the detections they impact. A deprecation is
 * recorded with its impacts, the affected detections' health and their accounts' pending coverage
 * in one batch (INSERT … SELECT: a fixed number of statements, all or nothing).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client";
import { apiDeprecationImpacts, apiDeprecations, detectionHealth, detections } from "../schema";
import { NOW } from "../schema/common";
import { markCoveragePending } from "./coverage";

export type HealthStatus = (typeof detectionHealth.$inferSelect)["status"];
type Impact = (typeof apiDeprecationImpacts.$inferSelect)["impact"];

export interface NewDeprecation {
  id: string;
  row: Omit<typeof apiDeprecations.$inferInsert, "id">;
  /** LIKE pattern (backslash-escaped) a present detection's rule content must match to be impacted. */
  pattern: string;
  impact: Impact;
  /** The health impacted detections take (never better than they have). */
  status: HealthStatus;
  issue: string;
  now: string;
}

/** `inserted` is false when the API was already recorded (nothing is written then). */
export async function insertDeprecation(db: Db, n: NewDeprecation): Promise<{ inserted: boolean; impacted: number }> {
  const { id, impact, status, issue } = n;
  const removed = status === "broken";
  const d = detections;
  const affected = and(
    isNull(d.removedAt),
    sql`${d.rawConfig} LIKE ${n.pattern} ESCAPE '\\'`,
    // Only if this deprecation was inserted: a duplicate (409) writes nothing.
    sql`EXISTS (SELECT 1 FROM ${apiDeprecations} WHERE ${apiDeprecations.id} = ${id})`,
  );
  const [inserted, impacts] = await db.batch([
    db
      .insert(apiDeprecations)
      .values({
        id,
        ...n.row,
      })
      .onConflictDoNothing()
      .returning({ id: apiDeprecations.id }),
    db
      .insert(apiDeprecationImpacts)
      .select((qb) =>
        qb
          .select({
            tenantId: d.tenantId,
            deprecationId: sql<string>`${id}`.as("deprecation_id"),
            detectionId: d.id,
            accountId: d.accountId,
            impact: sql<typeof impact>`${impact}`.as("impact"),
            detectedAt: sql<string>`${NOW}`.as("detected_at"),
          })
          .from(d)
          .where(affected),
      )
      .returning({ detectionId: apiDeprecationImpacts.detectionId }),
    db
      .insert(detectionHealth)
      .select((qb) =>
        qb
          .select({
            detectionId: d.id,
            tenantId: d.tenantId,
            accountId: d.accountId,
            status: sql<HealthStatus>`${status}`.as("status"),
            lastValidatedAt: sql<string | null>`NULL`.as("last_validated_at"),
            lastTriggeredAt: sql<string | null>`NULL`.as("last_triggered_at"),
            issues: sql<string[]>`json_array(${issue})`.as("issues"),
            updatedAt: sql<string>`${NOW}`.as("updated_at"),
          })
          .from(d)
          .where(affected),
      )
      .onConflictDoUpdate({
        target: detectionHealth.detectionId,
        set: {
          // Never better than it was: a broken detection stays broken.
          status: removed
            ? "broken"
            : sql`CASE WHEN ${detectionHealth.status} = 'broken' THEN 'broken' ELSE 'degraded' END`,
          issues: sql`json_insert(${detectionHealth.issues}, '$[#]', ${issue})`,
          updatedAt: n.now,
        },
      }),
    markCoveragePending(db, sql`(SELECT DISTINCT ${d.accountId} FROM ${d} WHERE ${affected})`, n.now),
  ]);
  return { inserted: inserted.length > 0, impacted: impacts.length };
}

export async function listAccountDeprecations(db: Db, tenantId: string, accountId: string) {
  const i = apiDeprecationImpacts;
  return db
    .select({
      detectionId: i.detectionId,
      detection: detections.name,
      impact: i.impact,
      apiName: apiDeprecations.apiName,
      removalDate: apiDeprecations.removalDate,
      replacement: apiDeprecations.replacement,
    })
    .from(i)
    .innerJoin(apiDeprecations, eq(apiDeprecations.id, i.deprecationId))
    .innerJoin(detections, eq(detections.id, i.detectionId))
    .where(and(eq(i.tenantId, tenantId), eq(i.accountId, accountId)));
}
