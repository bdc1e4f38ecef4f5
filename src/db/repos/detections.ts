/**
 * @module Detections of an account and their mappings to techniques. Tenant and account scope
 * every query; write helpers return statements so a whole import goes in one batch.
 */
import { and, asc, eq, inArray, isNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, groupBy } from "../../lib/collections";
import type { Db } from "../client";
import { markCoveragePending } from "./coverage";
import { IDS_PER_IN_LIST, jsonValues, rowsPerStatement } from "../rows";
import {
  detectionHealth,
  detectionLogic,
  detectionMappings,
  detections,
  detectionServices,
  detectionVersions,
  scanSnapshots,
  type Detection,
  type DetectionMapping,
  type HEALTH_STATUSES,
} from "../schema";

export type NewDetection = typeof detections.$inferInsert;
export type NewMapping = typeof detectionMappings.$inferInsert;
export type NewLogic = typeof detectionLogic.$inferInsert;

/** Existing detections of an account for some rule ids of a format, by rule id. */
export async function detectionsByRuleId(
  db: Db,
  tenantId: string,
  accountId: string,
  format: string,
  ruleIds: string[],
): Promise<Map<string, Pick<Detection, "id" | "contentHash" | "version" | "name" | "rawConfig" | "removedAt">>> {
  const out = new Map<string, Pick<Detection, "id" | "contentHash" | "version" | "name" | "rawConfig" | "removedAt">>();
  if (ruleIds.length === 0) return out;
  const d = detections;
  const rows = await db
    .select({
      id: d.id,
      sourceRuleId: d.sourceRuleId,
      contentHash: d.contentHash,
      version: d.version,
      name: d.name,
      rawConfig: d.rawConfig,
      removedAt: d.removedAt,
    })
    .from(d)
    .where(
      and(
        eq(d.tenantId, tenantId),
        eq(d.accountId, accountId),
        eq(d.detectionType, format),
        sql`${d.sourceRuleId} IN ${jsonValues(ruleIds)}`,
      ),
    );
  for (const { sourceRuleId, ...row } of rows) out.set(sourceRuleId, row);
  return out;
}

/** Ids of log sources/services by name, creating those not seen before. */
export async function serviceIds(db: Db, names: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(names.filter(Boolean))];
  const out = new Map<string, number>();
  for (const chunk of chunks(unique, IDS_PER_IN_LIST)) {
    await db
      .insert(detectionServices)
      .values(chunk.map((name) => ({ name })))
      .onConflictDoNothing();
    const rows = await db.select().from(detectionServices).where(inArray(detectionServices.name, chunk));
    for (const r of rows) out.set(r.name, r.id);
  }
  return out;
}

export const insertDetection = (db: Db, row: NewDetection) => db.insert(detections).values(row);
export const upsertLogic = (db: Db, row: NewLogic) =>
  db
    .insert(detectionLogic)
    .values(row)
    .onConflictDoUpdate({ target: detectionLogic.detectionId, set: { ...row } });

/** A changed rule: the old content goes to detection_versions, the detection takes the new one. */
export function reviseDetection(
  db: Db,
  old: { id: string; version: number; name: string; rawConfig: string; contentHash: string },
  tenantId: string,
  next: Partial<NewDetection>,
): BatchItem<"sqlite">[] {
  return [
    db.insert(detectionVersions).values({
      tenantId,
      detectionId: old.id,
      version: old.version,
      name: old.name,
      rawConfig: old.rawConfig,
      contentHash: old.contentHash,
    }),
    db
      .update(detections)
      .set({
        ...next,
        version: old.version + 1,
        previousVersionId: sql`(SELECT max(id) FROM detection_versions WHERE detection_id = ${old.id})`,
        modifiedAt: new Date().toISOString(),
        removedAt: null,
      })
      .where(and(eq(detections.tenantId, tenantId), eq(detections.id, old.id))),
  ];
}

export const touchDetection = (db: Db, tenantId: string, id: string, scanId: string) =>
  db
    .update(detections)
    .set({ lastScanId: scanId, removedAt: null })
    .where(and(eq(detections.tenantId, tenantId), eq(detections.id, id)));

/** Replaces the automatic (tag, nlp) mappings of a detection; manual and validated ones stay. */
export function replaceAutomaticMappings(
  db: Db,
  tenantId: string,
  detectionId: string,
  rows: NewMapping[],
): BatchItem<"sqlite">[] {
  const m = detectionMappings;
  const out: BatchItem<"sqlite">[] = [
    db
      .delete(m)
      .where(
        and(
          eq(m.tenantId, tenantId),
          eq(m.detectionId, detectionId),
          inArray(m.method, ["tag", "nlp", "pattern_match"]),
          ne(m.validation, "validated"),
        ),
      ),
  ];
  for (const chunk of chunks(rows, rowsPerStatement(m))) out.push(db.insert(m).values(chunk).onConflictDoNothing());
  return out;
}

/** Present rules of a format that a scan has not (yet) seen. */
function unseen(tenantId: string, accountId: string, format: string, scanId: string) {
  const d = detections;
  return and(
    eq(d.tenantId, tenantId),
    eq(d.accountId, accountId),
    eq(d.detectionType, format),
    isNull(d.removedAt),
    or(isNull(d.lastScanId), ne(d.lastScanId, scanId)),
  );
}

/** Marks rules of a format not seen by a completed scan as removed; returns the statement. */
export function removeUnseen(db: Db, tenantId: string, accountId: string, format: string, scanId: string) {
  return db
    .update(detections)
    .set({ removedAt: new Date().toISOString() })
    .where(unseen(tenantId, accountId, format, scanId));
}

/** Rules of a format the scan has not seen, leaving out those about to be written (`seen`). */
export async function countUnseen(
  db: Db,
  tenantId: string,
  accountId: string,
  format: string,
  scanId: string,
  seen: string[],
): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(detections)
    .where(
      and(unseen(tenantId, accountId, format, scanId), sql`${detections.sourceRuleId} NOT IN ${jsonValues(seen)}`),
    );
  return row?.n ?? 0;
}

export async function getSnapshot(db: Db, tenantId: string, accountId: string, id: string) {
  return (
    (await db
      .select()
      .from(scanSnapshots)
      .where(
        and(eq(scanSnapshots.tenantId, tenantId), eq(scanSnapshots.accountId, accountId), eq(scanSnapshots.id, id)),
      )
      .get()) ?? null
  );
}

/** Sets a mapping's validation; null when the account of the tenant has no such mapping. */
export async function setMappingValidation(
  db: Db,
  tenantId: string,
  accountId: string,
  id: string,
  validation: DetectionMapping["validation"],
  rationale: string | null,
): Promise<DetectionMapping | null> {
  const m = detectionMappings;
  const [[row]] = await db.batch([
    db
      .update(m)
      .set({ validation, ...(rationale !== null ? { rationale } : {}), updatedAt: new Date().toISOString() })
      .where(and(eq(m.tenantId, tenantId), eq(m.accountId, accountId), eq(m.id, id)))
      .returning(),
    // Only when the mapping exists: the update above matched it.
    markCoveragePending(
      db,
      sql`(SELECT ${m.accountId} FROM ${m} WHERE ${m.tenantId} = ${tenantId} AND ${m.accountId} = ${accountId} AND ${m.id} = ${id})`,
    ),
  ]);
  return row ?? null;
}

export interface ScanCounts {
  files: number;
  added: number;
  modified: number;
  unchanged: number;
  skipped: number;
  removed: number;
  errors: { path: string; message: string }[];
}

/** The scan's snapshot: created by its first call, added to by each later one (errors appended). */
export function scanSnapshotStatement(
  db: Db,
  scan: { tenantId: string; accountId: string; scanId: string; format: string; now: string; complete: boolean },
  counts: ScanCounts,
  options: { continues: boolean },
) {
  const s = scanSnapshots;
  if (!options.continues) {
    return db.insert(s).values({
      id: scan.scanId,
      tenantId: scan.tenantId,
      accountId: scan.accountId,
      format: scan.format,
      ...counts,
      completedAt: scan.complete ? scan.now : null,
    });
  }
  return db
    .update(s)
    .set({
      files: sql`${s.files} + ${counts.files}`,
      added: sql`${s.added} + ${counts.added}`,
      modified: sql`${s.modified} + ${counts.modified}`,
      unchanged: sql`${s.unchanged} + ${counts.unchanged}`,
      skipped: sql`${s.skipped} + ${counts.skipped}`,
      removed: sql`${s.removed} + ${counts.removed}`,
      errors: sql`(SELECT json_group_array(json(value)) FROM (SELECT value FROM json_each(${s.errors}) UNION ALL SELECT value FROM json_each(${JSON.stringify(counts.errors)})))`,
      ...(scan.complete ? { completedAt: scan.now } : {}),
    })
    .where(and(eq(s.tenantId, scan.tenantId), eq(s.id, scan.scanId)));
}

export interface DetectionFilter {
  /** ATT&CK id a (not disputed) mapping names; a parent also finds detections of its sub-techniques. */
  technique?: string;
  format?: string;
  health?: (typeof HEALTH_STATUSES)[number];
  enabled?: boolean;
  limit: number;
  /** The id of the last detection of the previous page. */
  after?: string;
}

/**
 * A page of an account's present detections by name, then id (`limit + 1` rows). The next page
 * starts after the named detection's (name, id), read in the query, so the cursor stays short
 * whatever the names' length.
 */
export async function listDetections(db: Db, tenantId: string, accountId: string, f: DetectionFilter) {
  const d = detections;
  const h = detectionHealth;
  const health = sql<(typeof HEALTH_STATUSES)[number]>`coalesce(${h.status}, 'unknown')`;
  const where: SQL[] = [eq(d.tenantId, tenantId), eq(d.accountId, accountId), isNull(d.removedAt)];
  if (f.format) where.push(eq(d.detectionType, f.format));
  if (f.health) where.push(sql`${health} = ${f.health}`);
  if (f.enabled !== undefined) where.push(f.enabled ? eq(d.status, "enabled") : ne(d.status, "enabled"));
  if (f.technique) {
    where.push(sql`EXISTS (SELECT 1 FROM ${detectionMappings} m WHERE m.detection_id = ${d.id}
      AND m.validation <> 'disputed' AND (m.technique_id = ${f.technique} OR m.technique_id LIKE ${`${f.technique}.%`}))`);
  }
  if (f.after) {
    where.push(sql`(${d.name}, ${d.id}) > (SELECT p.name, p.id FROM ${d} p
      WHERE p.id = ${f.after} AND p.tenant_id = ${tenantId} AND p.account_id = ${accountId})`);
  }
  return db
    .select({ id: d.id, name: d.name, format: d.detectionType, status: d.status, health })
    .from(d)
    .leftJoin(h, eq(h.detectionId, d.id))
    .where(and(...where))
    .orderBy(asc(d.name), asc(d.id))
    .limit(f.limit + 1);
}

/** The techniques each detection is mapped to (disputed mappings left out), by detection id. */
export async function mappedTechniques(
  db: Db,
  tenantId: string,
  detectionIds: string[],
): Promise<Map<string, string[]>> {
  if (detectionIds.length === 0) return new Map();
  const m = detectionMappings;
  const rows = await db
    .select({ detectionId: m.detectionId, techniqueId: m.techniqueId })
    .from(m)
    .where(
      and(eq(m.tenantId, tenantId), ne(m.validation, "disputed"), sql`${m.detectionId} IN ${jsonValues(detectionIds)}`),
    )
    .orderBy(asc(m.techniqueId));
  return groupBy(
    rows,
    (r) => r.detectionId,
    (r) => r.techniqueId,
  );
}
