/**
 * @module Stored coverage of an account: what the recompute writes (scores per tactic, gaps,
 * overlaps, a history row and the account's coverage state, in one batch) and every read the API
 * answers from. Tenant and account scope each query.
 */
import { and, asc, desc, eq, isNotNull, isNull, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, groupBy } from "../../lib/collections";
import { runBatch, type Db } from "../client";
import { jsonValues, rowsPerStatement } from "../rows";
import {
  accounts,
  coverageGaps,
  coverageHistory,
  coverageOverlaps,
  coverageScores,
  detectionMappings,
  detections,
  type Account,
  type DetectionMapping,
  type GAP_STATUSES,
  type OVERLAP_KINDS,
} from "../schema";

export interface CoveringDetection {
  id: string;
  name: string;
  serviceId: number | null;
  /** Reported degraded: it still counts, and every view of coverage says so. */
  degraded: boolean;
  /** Reported healthy (not merely not broken). */
  healthy: boolean;
  /** A person confirmed the mapping: mapped manually, or validated. */
  confirmed: boolean;
}

/**
 * Detections covering each technique, for an account: enabled, present and not reported broken,
 * mapped with at least `minConfidence` by a tag, a manual mapping or one an analyst validated
 * (never a disputed one).
 * The account index is named: with one tenant owning many accounts, SQLite would otherwise pick
 * the tenant index and read every mapping of the tenant.
 */
export async function coveringDetections(
  db: Db,
  tenantId: string,
  accountId: string,
  minConfidence: number,
): Promise<Map<string, CoveringDetection[]>> {
  const rows = await db.all<{
    techniqueId: string;
    id: string;
    name: string;
    serviceId: number | null;
    degraded: number;
    healthy: number;
    confirmed: number;
  }>(sql`
    SELECT m.technique_id AS techniqueId, d.id AS id, d.name AS name, d.service_id AS serviceId,
      coalesce(h.status = 'degraded', 0) AS degraded, coalesce(h.status = 'healthy', 0) AS healthy,
      (m.method = 'manual' OR m.validation = 'validated') AS confirmed
    FROM detection_mappings m INDEXED BY detection_mappings_account_technique JOIN detections d ON d.id = m.detection_id
      LEFT JOIN detection_health h ON h.detection_id = d.id
    WHERE m.account_id = ${accountId} AND d.tenant_id = ${tenantId}
      AND d.status = 'enabled' AND d.removed_at IS NULL AND coalesce(h.status, 'unknown') <> 'broken'
      AND m.confidence >= ${minConfidence} AND m.validation <> 'disputed'
      AND (m.method IN ('tag', 'manual') OR m.validation = 'validated')`);
  // One row per (detection, technique): detection_mappings_pair is unique.
  return groupBy(
    rows,
    (r) => r.techniqueId,
    (r) => ({
      id: r.id,
      name: r.name,
      serviceId: r.serviceId,
      degraded: r.degraded === 1,
      healthy: r.healthy === 1,
      confirmed: r.confirmed === 1,
    }),
  );
}

/**
 * Techniques any present rule of the account maps to, counting or not (a disputed mapping is no
 * mapping): what tells "mapped, not counting" from "nothing at all".
 */
export async function mappedTechniques(
  db: Db,
  tenantId: string,
  accountId: string,
  only?: string[],
): Promise<Set<string>> {
  // `only`: the few techniques a page shows, read through the (account, technique) index.
  const among = only ? sql`AND m.technique_id IN ${jsonValues(only)}` : sql``;
  const rows = await db.all<{ techniqueId: string }>(sql`
    SELECT DISTINCT m.technique_id AS techniqueId
    FROM detection_mappings m INDEXED BY detection_mappings_account_technique JOIN detections d ON d.id = m.detection_id
    WHERE m.account_id = ${accountId} ${among} AND d.tenant_id = ${tenantId} AND d.removed_at IS NULL AND m.validation <> 'disputed'`);
  return new Set(rows.map((r) => r.techniqueId));
}

/** An account's coverage as the recompute computed it, ready to store. */
export interface ComputedCoverage {
  attackVersion: string;
  computedAt: string;
  covered: number;
  total: number;
  percent: number;
  tactics: { id: string; covered: number; total: number; percent: number }[];
  gaps: { techniqueId: string; riskScore: number }[];
  coveredIds: string[];
  overlaps: {
    techniqueId: string;
    detectionCount: number;
    kind: (typeof OVERLAP_KINDS)[number];
    detectionIds: string[];
  }[];
}

/**
 * Stores a recompute in one batch: scores, gaps (a new one open, a known one keeping the status
 * people gave it; a technique no longer a gap loses its row, so if it comes back it is open),
 * overlaps, a history row, and the account's coverage state. A pending mark set before
 * `startedAt` is cleared; one set while the recompute ran stays.
 */
export async function storeCoverage(
  db: Db,
  account: Pick<Account, "id" | "tenantId">,
  c: ComputedCoverage,
  options: { snapshotId?: string; startedAt: string },
): Promise<void> {
  const { tenantId, id: accountId } = account;
  const now = c.computedAt;
  const statements: BatchItem<"sqlite">[] = [];
  for (const chunk of chunks(c.tactics, rowsPerStatement(coverageScores))) {
    statements.push(
      db.insert(coverageScores).values(
        chunk.map((t) => ({
          tenantId,
          accountId,
          attackVersion: c.attackVersion,
          tacticId: t.id,
          ...pick(t),
          computedAt: now,
        })),
      ),
    );
  }
  const g = coverageGaps;
  for (const chunk of chunks(c.gaps, rowsPerStatement(g))) {
    statements.push(
      db
        .insert(g)
        .values(
          chunk.map((gap) => ({
            tenantId,
            accountId,
            techniqueId: gap.techniqueId,
            riskScore: gap.riskScore,
            status: "open" as const,
            firstIdentifiedAt: now,
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [g.accountId, g.techniqueId],
          set: { riskScore: sql`excluded.risk_score`, updatedAt: now },
        }),
    );
  }
  statements.push(
    db
      .delete(g)
      .where(
        and(
          eq(g.accountId, accountId),
          sql`${g.techniqueId} NOT IN ${jsonValues(c.gaps.map((gap) => gap.techniqueId))}`,
        ),
      ),
  );
  statements.push(db.delete(coverageOverlaps).where(eq(coverageOverlaps.accountId, accountId)));
  for (const chunk of chunks(c.overlaps, rowsPerStatement(coverageOverlaps))) {
    statements.push(
      db.insert(coverageOverlaps).values(chunk.map((o) => ({ tenantId, accountId, ...o, computedAt: now }))),
    );
  }
  statements.push(
    db.insert(coverageHistory).values({
      tenantId,
      accountId,
      snapshotId: options.snapshotId ?? null,
      attackVersion: c.attackVersion,
      covered: c.covered,
      total: c.total,
      percent: c.percent,
      byTactic: Object.fromEntries(c.tactics.map((t) => [t.id, t.percent])),
      computedAt: now,
    }),
  );
  const a = accounts;
  statements.push(
    db
      .update(a)
      .set({
        coverageAttackVersion: c.attackVersion,
        coverageComputedAt: now,
        coveragePendingSince: sql`CASE WHEN ${a.coveragePendingSince} <= ${options.startedAt} THEN NULL ELSE ${a.coveragePendingSince} END`,
      })
      .where(and(eq(a.tenantId, tenantId), eq(a.id, accountId))),
  );
  await runBatch(db, statements);
}

const pick = (t: { covered: number; total: number; percent: number }) => ({
  covered: t.covered,
  total: t.total,
  percent: t.percent,
});

/**
 * Marks coverage pending: an input changed and no recompute has run since. A statement to put in
 * the batch that changes the input, so a recompute that then fails leaves the mark for the cron.
 * `accounts` is one account of a tenant, or a subquery of account ids (a deployment-wide change).
 */
export function markCoveragePending(
  db: Db,
  target: { tenantId: string; accountId: string } | SQL,
  at = new Date().toISOString(),
) {
  const a = accounts;
  return db
    .update(a)
    .set({ coveragePendingSince: sql`coalesce(${a.coveragePendingSince}, ${at})` })
    .where(
      "tenantId" in target
        ? and(eq(a.tenantId, target.tenantId), eq(a.id, target.accountId))
        : sql`${a.id} IN ${target}`,
    );
}

/**
 * Accounts whose stored coverage is stale, by id after `after`: never computed, computed under
 * another ATT&CK version than `activeVersion`, or marked pending. Every tenant's: a deployment job.
 */
export async function staleAccounts(
  db: Db,
  scope: "all-tenants",
  q: { activeVersion: string; after?: string; limit: number },
): Promise<Account[]> {
  void scope;
  const a = accounts;
  const stale = or(
    isNull(a.coverageAttackVersion),
    ne(a.coverageAttackVersion, q.activeVersion),
    isNotNull(a.coveragePendingSince),
  );
  return db
    .select()
    .from(a)
    .where(q.after ? and(stale, sql`${a.id} > ${q.after}`) : stale)
    .orderBy(asc(a.id))
    .limit(q.limit);
}

/** The latest history row of an account: the stored coverage's totals. */
export async function latestCoverage(db: Db, tenantId: string, accountId: string) {
  const h = coverageHistory;
  return (
    (await db
      .select({
        covered: h.covered,
        total: h.total,
        percent: h.percent,
        attackVersion: h.attackVersion,
        computedAt: h.computedAt,
      })
      .from(h)
      .where(and(eq(h.tenantId, tenantId), eq(h.accountId, accountId)))
      .orderBy(desc(h.id))
      .limit(1)
      .get()) ?? null
  );
}

/** The per-tactic scores written with the history row of `computedAt`, through the (account, time) index. */
export async function scoresAt(db: Db, tenantId: string, accountId: string, computedAt: string) {
  return db.all<{ tacticId: string; covered: number; total: number; percent: number }>(sql`
    SELECT tactic_id AS tacticId, covered, total, percent
    FROM coverage_scores
    WHERE account_id = ${accountId} AND tenant_id = ${tenantId} AND computed_at = ${computedAt}`);
}

/** A page of gaps, riskiest first; open and acknowledged ones unless `status` says otherwise. */
export async function gapsPage(
  db: Db,
  tenantId: string,
  accountId: string,
  q: { status?: (typeof GAP_STATUSES)[number]; limit: number; after?: { risk: number; id: string } },
) {
  const g = coverageGaps;
  const where: SQL[] = [
    eq(g.tenantId, tenantId),
    eq(g.accountId, accountId),
    q.status ? eq(g.status, q.status) : sql`${g.status} IN ('open', 'acknowledged')`,
  ];
  if (q.after) {
    where.push(
      or(
        lt(g.riskScore, q.after.risk),
        and(eq(g.riskScore, q.after.risk), sql`${g.techniqueId} > ${q.after.id}`),
      ) as SQL,
    );
  }
  return db
    .select()
    .from(g)
    .where(and(...where))
    .orderBy(desc(g.riskScore), asc(g.techniqueId))
    .limit(q.limit + 1);
}

export async function listOverlaps(db: Db, tenantId: string, accountId: string) {
  const o = coverageOverlaps;
  return db
    .select()
    .from(o)
    .where(and(eq(o.tenantId, tenantId), eq(o.accountId, accountId)))
    .orderBy(desc(o.detectionCount), asc(o.techniqueId));
}

/** Coverage after each scan or recompute, newest first, with the scan's counts. */
export async function listHistory(db: Db, tenantId: string, accountId: string, limit: number) {
  return db.all<{
    id: number;
    snapshotId: string | null;
    attackVersion: string;
    covered: number;
    total: number;
    percent: number;
    byTactic: string;
    computedAt: string;
    added: number | null;
    modified: number | null;
    removed: number | null;
    format: string | null;
  }>(sql`
    SELECT h.id, h.snapshot_id AS snapshotId, h.attack_version AS attackVersion, h.covered, h.total, h.percent, h.by_tactic AS byTactic, h.computed_at AS computedAt,
      s.added, s.modified, s.removed, s.format
    FROM ${coverageHistory} h LEFT JOIN scan_snapshots s ON s.id = h.snapshot_id
    WHERE h.tenant_id = ${tenantId} AND h.account_id = ${accountId}
    ORDER BY h.id DESC LIMIT ${limit}`);
}

/** A page of an account's mappings by technique, then id (`limit + 1` rows: the extra one says there is more). */
export async function listMappings(
  db: Db,
  tenantId: string,
  accountId: string,
  q: {
    validation?: DetectionMapping["validation"];
    method?: DetectionMapping["method"];
    limit: number;
    after?: { techniqueId: string; id: string };
  },
): Promise<DetectionMapping[]> {
  const m = detectionMappings;
  const where: SQL[] = [eq(m.tenantId, tenantId), eq(m.accountId, accountId)];
  if (q.validation) where.push(eq(m.validation, q.validation));
  if (q.method) where.push(eq(m.method, q.method));
  if (q.after) where.push(sql`(${m.techniqueId}, ${m.id}) > (${q.after.techniqueId}, ${q.after.id})`);
  return db
    .select()
    .from(m)
    .where(and(...where))
    .orderBy(asc(m.techniqueId), asc(m.id))
    .limit(q.limit + 1);
}

export async function detectionExists(
  db: Db,
  tenantId: string,
  accountId: string,
  detectionId: string,
): Promise<boolean> {
  const d = detections;
  const row = await db
    .select({ id: d.id })
    .from(d)
    .where(and(eq(d.tenantId, tenantId), eq(d.accountId, accountId), eq(d.id, detectionId)))
    .get();
  return row !== undefined;
}
