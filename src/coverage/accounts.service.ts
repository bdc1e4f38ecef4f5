/**
 * @module Coverage operations REST and MCP share: accounts, imports (followed by a recompute),
 * mapping review and health reports.
 */
import { and, asc, eq } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { createAccount, listProviders, providerExists } from "../db/repos/accounts";
import { resolveVersion } from "../attack/catalog.service";
import { setMappingValidation } from "../db/repos/detections";
import {
  detectionHealth,
  detectionMappings,
  detections,
  type Account as AccountRow,
  type DetectionMapping,
} from "../db/schema";
import { AppError, badRequest, notFound } from "../errors";
import { recomputeCoverage } from "./recompute";
import { importDetections, type ImportRequest, type ImportResult } from "./rule-import";
import type { AccountInput, HealthInput } from "./coverage.schemas";
import { accountOrThrow } from "./coverage.service";

export function accountView(a: AccountRow) {
  return {
    id: a.id,
    name: a.name,
    provider: a.providerId,
    identifier: a.identifier,
    environment: a.environment,
    criticality: a.criticality,
    regions: a.regions,
    createdAt: a.createdAt,
  };
}

export async function newAccount(db: Db, tenantId: string, input: z.infer<typeof AccountInput>) {
  if (!(await providerExists(db, input.provider))) {
    throw badRequest(`unknown provider '${input.provider}': one of ${(await listProviders(db)).join(", ")}`);
  }
  const row = await createAccount(db, tenantId, {
    providerId: input.provider,
    identifier: input.identifier,
    name: input.name,
    environment: input.environment,
    criticality: input.criticality,
    regions: input.regions ?? [],
  });
  if (!row)
    throw new AppError(409, "conflict", `this tenant already has a ${input.provider} account '${input.identifier}'`);
  return accountView(row);
}

/** Imports, then recomputes the account's coverage with the scan as its snapshot (one ATT&CK version for both). */
export async function importAndRecompute(
  db: Db,
  tenantId: string,
  accountId: string,
  req: ImportRequest,
): Promise<ImportResult> {
  const account = await accountOrThrow(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const result = await importDetections(db, account, version, req);
  await recomputeCoverage(db, account, { snapshotId: result.scanId, version });
  return result;
}

export const mappingView = (m: DetectionMapping) => ({
  id: m.id,
  detectionId: m.detectionId,
  techniqueId: m.techniqueId,
  confidence: m.confidence,
  method: m.method,
  validation: m.validation,
  rationale: m.rationale,
});

/** Validates or disputes a mapping, then recomputes: a validated nlp mapping now counts. */
export async function reviewMapping(
  db: Db,
  tenantId: string,
  accountId: string,
  mappingId: string,
  review: { validation: DetectionMapping["validation"]; rationale?: string },
) {
  const account = await accountOrThrow(db, tenantId, accountId);
  const updated = await setMappingValidation(
    db,
    tenantId,
    accountId,
    mappingId,
    review.validation,
    review.rationale ?? null,
  );
  if (!updated) throw notFound(`account ${accountId} has no mapping ${mappingId}`);
  await recomputeCoverage(db, account);
  return mappingView(updated);
}

export async function listMappings(
  db: Db,
  tenantId: string,
  accountId: string,
  q: { validation?: DetectionMapping["validation"]; method?: DetectionMapping["method"]; limit: number },
) {
  await accountOrThrow(db, tenantId, accountId);
  const m = detectionMappings;
  const where = [eq(m.tenantId, tenantId), eq(m.accountId, accountId)];
  if (q.validation) where.push(eq(m.validation, q.validation));
  if (q.method) where.push(eq(m.method, q.method));
  const rows = await db
    .select()
    .from(m)
    .where(and(...where))
    .orderBy(asc(m.techniqueId), asc(m.id))
    .limit(q.limit);
  return rows.map(mappingView);
}

export async function reportHealth(
  db: Db,
  tenantId: string,
  accountId: string,
  detectionId: string,
  input: z.infer<typeof HealthInput>,
) {
  await accountOrThrow(db, tenantId, accountId);
  const d = await db
    .select({ id: detections.id })
    .from(detections)
    .where(and(eq(detections.tenantId, tenantId), eq(detections.accountId, accountId), eq(detections.id, detectionId)))
    .get();
  if (!d) throw notFound(`account ${accountId} has no detection ${detectionId}`);
  const row = {
    detectionId,
    tenantId,
    accountId,
    status: input.status,
    lastValidatedAt: input.lastValidatedAt ?? null,
    lastTriggeredAt: input.lastTriggeredAt ?? null,
    issues: input.issues ?? [],
    updatedAt: new Date().toISOString(),
  };
  await db.insert(detectionHealth).values(row).onConflictDoUpdate({ target: detectionHealth.detectionId, set: row });
  return row;
}
