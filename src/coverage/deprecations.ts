/**
 * @module Deprecated APIs, events or log fields, and the detections they affect. An admin records a
 * deprecation; every present detection (any tenant) whose rule content names it is recorded as
 * impacted, and its health turns degraded (broken once the removal date has passed).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { providerExists } from "../db/repos/accounts";
import { apiDeprecationImpacts, apiDeprecations, detectionHealth, detections } from "../db/schema";
import { AppError, badRequest } from "../errors";
import { accountOrThrow } from "./views";

export const DeprecationInput = z
  .object({
    provider: z.string().max(40).optional().describe("aws, azure, gcp …; omit for any"),
    apiName: z.string().trim().min(3).max(200).describe("the API, event or field name as rules write it, e.g. CreateAccessKey"),
    description: z.string().max(2000).optional(),
    deprecatedAt: z.string().date().optional(),
    removalDate: z.string().date().optional().describe("after this date impacted detections are broken, before it degraded"),
    replacement: z.string().max(200).optional(),
  })
  .openapi("DeprecationInput");

export async function addDeprecation(db: Db, input: z.infer<typeof DeprecationInput>, now = new Date()) {
  if (input.provider && !(await providerExists(db, input.provider))) throw badRequest(`unknown provider '${input.provider}'`);
  const id = crypto.randomUUID();
  const inserted = await db
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
    .returning();
  if (inserted.length === 0) throw new AppError(409, "conflict", `${input.apiName} is already recorded as deprecated`);
  const removed = input.removalDate !== undefined && input.removalDate <= now.toISOString().slice(0, 10);
  const pattern = `%${input.apiName.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const affected = await db
    .select({ id: detections.id, tenantId: detections.tenantId, accountId: detections.accountId })
    .from(detections)
    .where(and(isNull(detections.removedAt), sql`${detections.rawConfig} LIKE ${pattern} ESCAPE '\\'`));
  const issue = `uses ${input.apiName}, deprecated${input.removalDate ? `; removed ${input.removalDate}` : ""}${input.replacement ? `; use ${input.replacement}` : ""}`;
  const statements: BatchItem<"sqlite">[] = [];
  for (const d of affected) {
    statements.push(
      db.insert(apiDeprecationImpacts).values({ tenantId: d.tenantId, deprecationId: id, detectionId: d.id, accountId: d.accountId, impact: removed ? "high" : "medium" }),
      db
        .insert(detectionHealth)
        .values({ detectionId: d.id, tenantId: d.tenantId, accountId: d.accountId, status: removed ? "broken" : "degraded", issues: [issue] })
        .onConflictDoUpdate({
          target: detectionHealth.detectionId,
          set: {
            // Never better than it was: a broken detection stays broken.
            status: removed ? "broken" : sql`CASE WHEN ${detectionHealth.status} = 'broken' THEN 'broken' ELSE 'degraded' END`,
            issues: sql`json_insert(${detectionHealth.issues}, '$[#]', ${issue})`,
            updatedAt: now.toISOString(),
          },
        }),
    );
  }
  for (let i = 0; i < statements.length; i += 500) {
    const [first, ...rest] = statements.slice(i, i + 500) as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
    await db.batch([first, ...rest]);
  }
  return { id, apiName: input.apiName, impactedDetections: affected.length, impact: removed ? "high" : "medium" };
}

export async function accountDeprecations(db: Db, tenantId: string, accountId: string) {
  await accountOrThrow(db, tenantId, accountId);
  const i = apiDeprecationImpacts;
  return db
    .select({ detectionId: i.detectionId, detection: detections.name, impact: i.impact, apiName: apiDeprecations.apiName, removalDate: apiDeprecations.removalDate, replacement: apiDeprecations.replacement })
    .from(i)
    .innerJoin(apiDeprecations, eq(apiDeprecations.id, i.deprecationId))
    .innerJoin(detections, eq(detections.id, i.detectionId))
    .where(and(eq(i.tenantId, tenantId), eq(i.accountId, accountId)));
}

