/**
 * @module Deprecated APIs, events or log fields, and the detections they affect. An admin records a
 * deprecation; every present detection (any tenant) whose rule content names it is recorded as
 * impacted, and its health turns degraded (broken once the removal date has passed).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { providerExists } from "../db/repos/accounts";
import { apiDeprecationImpacts, apiDeprecations, detectionHealth, detections } from "../db/schema";
import { NOW } from "../db/schema/common";
import { AppError, badRequest } from "../errors";
import { accountOrThrow } from "./coverage.service";

type HealthStatus = (typeof detectionHealth.$inferSelect)["status"];

export const DeprecationInput = z
  .object({
    provider: z.string().max(40).optional().describe("aws, azure, gcp …; omit for any"),
    apiName: z
      .string()
      .trim()
      .min(3)
      .max(200)
      .describe("the API, event or field name as rules write it, e.g. CreateAccessKey"),
    description: z.string().max(2000).optional(),
    deprecatedAt: z.string().date().optional(),
    removalDate: z
      .string()
      .date()
      .optional()
      .describe("after this date impacted detections are broken, before it degraded"),
    replacement: z.string().max(200).optional(),
  })
  .openapi("DeprecationInput");

/**
 * Records the deprecation and, in the same batch, its impacts and the health of every affected
 * detection (INSERT … SELECT: a fixed number of statements, all or nothing).
 */
export async function addDeprecation(db: Db, input: z.infer<typeof DeprecationInput>, now = new Date()) {
  if (input.provider && !(await providerExists(db, input.provider)))
    throw badRequest(`unknown provider '${input.provider}'`);
  const id = crypto.randomUUID();
  const removed = input.removalDate !== undefined && input.removalDate <= now.toISOString().slice(0, 10);
  const impact = removed ? "high" : "medium";
  const status: HealthStatus = removed ? "broken" : "degraded";
  const pattern = `%${input.apiName.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const issue = `uses ${input.apiName}, deprecated${input.removalDate ? `; removed ${input.removalDate}` : ""}${input.replacement ? `; use ${input.replacement}` : ""}`;
  const d = detections;
  const affected = and(
    isNull(d.removedAt),
    sql`${d.rawConfig} LIKE ${pattern} ESCAPE '\\'`,
    // Only if this deprecation was inserted: a duplicate (409) writes nothing.
    sql`EXISTS (SELECT 1 FROM ${apiDeprecations} WHERE ${apiDeprecations.id} = ${id})`,
  );
  const [inserted, impacts] = await db.batch([
    db
      .insert(apiDeprecations)
      .values({
        id,
        providerId: input.provider ?? null,
        apiName: input.apiName,
        description: input.description ?? "",
        deprecatedAt: input.deprecatedAt ?? null,
        removalDate: input.removalDate ?? null,
        replacement: input.replacement ?? null,
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
          updatedAt: now.toISOString(),
        },
      }),
  ]);
  if (inserted.length === 0) throw new AppError(409, "conflict", `${input.apiName} is already recorded as deprecated`);
  return { id, apiName: input.apiName, impactedDetections: impacts.length, impact };
}

export async function accountDeprecations(db: Db, tenantId: string, accountId: string) {
  await accountOrThrow(db, tenantId, accountId);
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
