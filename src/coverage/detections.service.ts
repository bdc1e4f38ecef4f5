/**
 * @module An account's detections and what feeds its coverage: rule imports, mapping review and
 * health reports. Each write recomputes the account's coverage in the same request (the recompute
 * policy, recompute.ts); the write itself also marks the coverage pending in its own batch, so a
 * recompute that fails leaves the account stale for the cron, never silently wrong.
 */
import type { z } from "@hono/zod-openapi";
import { resolveVersion } from "../attack/catalog.service";
import { normalizeTechniqueId } from "../attack/ids";
import type { Db } from "../db/client";
import { detectionExists, listMappings } from "../db/repos/coverage";
import { upsertHealth } from "../db/repos/detection-health";
import { listDetections, mappedTechniques, setMappingValidation, type DetectionFilter } from "../db/repos/detections";
import type { DetectionMapping } from "../db/schema";
import { badRequest, notFound } from "../errors";
import { takePage } from "../lib/collections";
import type { DetectionKey, DetectionSummaryT, HealthInput, HealthT, MappingKey, MappingT } from "./coverage.schemas";
import { requireAccount } from "./coverage.service";
import { recomputeCoverage } from "./recompute";
import { importDetections, readAnyRule, type ImportRequest, type ImportResult } from "./rule-import";

/** Imports, then recomputes the account's coverage with the scan as its snapshot (one ATT&CK version for both). */
export async function importAndRecompute(
  db: Db,
  tenantId: string,
  accountId: string,
  req: ImportRequest,
): Promise<ImportResult> {
  const account = await requireAccount(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const result = await importDetections(db, account, version, req);
  // A call whose every file was refused changed no input: fresh coverage stays as it was (no new
  // history point for a scan that read nothing).
  const fresh = account.coverageAttackVersion === version && account.coveragePendingSince === null;
  if (readAnyRule(result) || !fresh) await recomputeCoverage(db, account, { snapshotId: result.scanId, version });
  return result;
}

export const toMapping = (m: DetectionMapping): MappingT => ({
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
): Promise<MappingT> {
  const account = await requireAccount(db, tenantId, accountId);
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
  return toMapping(updated);
}

/** A page of the account's mappings by technique, then id, after the cursor's key. */
export async function listAccountMappings(
  db: Db,
  tenantId: string,
  accountId: string,
  q: {
    validation?: DetectionMapping["validation"];
    method?: DetectionMapping["method"];
    limit: number;
    after?: z.infer<typeof MappingKey>;
  },
): Promise<{ items: MappingT[]; hasMore: boolean; next: z.infer<typeof MappingKey> | null }> {
  await requireAccount(db, tenantId, accountId);
  const after = q.after && { techniqueId: q.after.t, id: q.after.i };
  const { page, last, hasMore } = takePage(await listMappings(db, tenantId, accountId, { ...q, after }), q.limit);
  return {
    items: page.map(toMapping),
    hasMore,
    next: hasMore && last ? { t: last.techniqueId, i: last.id } : null,
  };
}

/** A page of the account's present detections by name, compact: format, status, health, mapped techniques. */
export async function listAccountDetections(
  db: Db,
  tenantId: string,
  accountId: string,
  q: Omit<DetectionFilter, "after"> & { after?: z.infer<typeof DetectionKey> },
): Promise<{ items: DetectionSummaryT[]; hasMore: boolean; next: z.infer<typeof DetectionKey> | null }> {
  const technique = q.technique === undefined ? undefined : normalizeTechniqueId(q.technique);
  if (technique === null) throw badRequest(`'${q.technique}' is not an ATT&CK technique id, e.g. T1059.001`);
  await requireAccount(db, tenantId, accountId);
  const rows = await listDetections(db, tenantId, accountId, { ...q, technique, after: q.after?.i });
  const { page, last, hasMore } = takePage(rows, q.limit);
  const techniques = await mappedTechniques(
    db,
    tenantId,
    page.map((d) => d.id),
  );
  return {
    items: page.map((d) => ({ ...d, techniques: techniques.get(d.id) ?? [] })),
    hasMore,
    next: hasMore && last ? { i: last.id } : null,
  };
}

/** Records a detection's health (from the tenant's validation or alerting pipeline), then recomputes. */
export async function recordHealth(
  db: Db,
  tenantId: string,
  accountId: string,
  detectionId: string,
  input: z.infer<typeof HealthInput>,
): Promise<HealthT> {
  const account = await requireAccount(db, tenantId, accountId);
  if (!(await detectionExists(db, tenantId, accountId, detectionId))) {
    throw notFound(`account ${accountId} has no detection ${detectionId}`);
  }
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
  await upsertHealth(db, row);
  await recomputeCoverage(db, account);
  return {
    detectionId,
    status: row.status,
    lastValidatedAt: row.lastValidatedAt,
    lastTriggeredAt: row.lastTriggeredAt,
    issues: row.issues,
    updatedAt: row.updatedAt,
  };
}
