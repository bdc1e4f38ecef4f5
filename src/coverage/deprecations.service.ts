/**
 * @module Deprecated APIs, events or log fields, and the detections they affect. An admin records a
 * deprecation; every present detection (any tenant) whose rule content names it is recorded as
 * impacted, and its health turns degraded (broken once the removal date has passed); the accounts
 * they belong to wait for a recompute (recompute.ts), which the cron runs.
 */
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { providerExists } from "../db/repos/accounts";
import { insertDeprecation, listAccountDeprecations, type HealthStatus } from "../db/repos/deprecations";
import { AppError, badRequest } from "../errors";
import type { DeprecationInput } from "./coverage.schemas";
import { requireAccount } from "./coverage.service";

/**
 * Records the deprecation and, in the same batch, its impacts, the health of every affected
 * detection and the pending mark of their accounts.
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
  const { inserted, impacted } = await insertDeprecation(db, {
    id,
    row: {
      providerId: input.provider ?? null,
      apiName: input.apiName,
      description: input.description ?? "",
      deprecatedAt: input.deprecatedAt ?? null,
      removalDate: input.removalDate ?? null,
      replacement: input.replacement ?? null,
    },
    pattern,
    impact,
    status,
    issue,
    now: now.toISOString(),
  });
  if (!inserted) throw new AppError(409, "conflict", `${input.apiName} is already recorded as deprecated`);
  return { id, apiName: input.apiName, impactedDetections: impacted, impact };
}

export async function readAccountDeprecations(db: Db, tenantId: string, accountId: string) {
  await requireAccount(db, tenantId, accountId);
  return listAccountDeprecations(db, tenantId, accountId);
}
