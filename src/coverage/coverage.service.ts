/**
 * @module Coverage as the API shows it: stored scores, ranked gaps (with NIST 800-53 controls for
 * what is not covered), overlaps, history and detection health of one account of a tenant.
 */
import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import { resolveVersion } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { getAccount } from "../db/repos/accounts";
import {
  coverageGaps,
  coverageHistory,
  coverageOverlaps,
  detections,
  type GAP_STATUSES,
  HEALTH_STATUSES,
  type Account,
  type CoverageHistoryRow,
} from "../db/schema";
import { notFound } from "../errors";
import { takePage } from "../lib/collections";
import { attackContext } from "./attack-context";
import { recomputeCoverage, type CoverageSummary } from "./recompute";
import { controlsFor } from "./nist";

export async function accountOrThrow(db: Db, tenantId: string, accountId: string): Promise<Account> {
  const account = await getAccount(db, tenantId, accountId);
  if (!account) throw notFound(`no account ${accountId} for this tenant`);
  return account;
}

type LatestHistory = Pick<CoverageHistoryRow, "covered" | "total" | "percent" | "attackVersion" | "computedAt">;

/**
 * Stored coverage is current when the account's latest history row was computed under `version`
 * (a recompute writes scores, gaps and that row in one batch); otherwise it is recomputed now.
 */
async function ensureCurrent(
  db: Db,
  account: Account,
  version: string,
): Promise<{ latest: LatestHistory } | { recomputed: CoverageSummary }> {
  const h = coverageHistory;
  const latest = await db
    .select({
      covered: h.covered,
      total: h.total,
      percent: h.percent,
      attackVersion: h.attackVersion,
      computedAt: h.computedAt,
    })
    .from(h)
    .where(and(eq(h.tenantId, account.tenantId), eq(h.accountId, account.id)))
    .orderBy(desc(h.id))
    .limit(1)
    .get();
  if (latest?.attackVersion === version) return { latest };
  return { recomputed: await recomputeCoverage(db, account, { version }) };
}

/** The latest stored coverage (computed now if the account has none yet, or ATT&CK moved on). */
export async function coverageView(
  db: Db,
  tenantId: string,
  accountId: string,
): Promise<CoverageSummary & { health: Record<string, number> }> {
  const account = await accountOrThrow(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const [current, health] = await Promise.all([
    ensureCurrent(db, account, version),
    healthSummary(db, tenantId, accountId),
  ]);
  if ("recomputed" in current) return { ...current.recomputed, health };
  const { latest } = current;
  const [context, rows] = await Promise.all([
    attackContext(db, version),
    // The scores written with that history row, through the (account, time) index.
    db.all<{ tacticId: string; covered: number; total: number; percent: number }>(sql`
      SELECT tactic_id AS tacticId, covered, total, percent
      FROM coverage_scores
      WHERE account_id = ${accountId} AND tenant_id = ${tenantId} AND computed_at = ${latest.computedAt}`),
  ]);
  const byId = new Map(rows.map((r) => [r.tacticId, r]));
  return {
    accountId,
    attackVersion: version,
    covered: latest.covered,
    total: latest.total,
    percent: latest.percent,
    tactics: context.tactics.map((t) => {
      const r = byId.get(t.id);
      return { ...t, covered: r?.covered ?? 0, total: r?.total ?? 0, percent: r?.percent ?? 0 };
    }),
    computedAt: latest.computedAt,
    health,
  };
}

export async function healthSummary(db: Db, tenantId: string, accountId: string): Promise<Record<string, number>> {
  // health_summary_view, restricted to one account before grouping.
  const rows = await db.all<{ status: string; detections: number }>(sql`
    SELECT coalesce(h.status, 'unknown') AS status, count(*) AS detections
    FROM detections d LEFT JOIN detection_health h ON h.detection_id = d.id
    WHERE d.account_id = ${accountId} AND d.tenant_id = ${tenantId} AND d.removed_at IS NULL
    GROUP BY coalesce(h.status, 'unknown')`);
  return Object.fromEntries(HEALTH_STATUSES.map((s) => [s, rows.find((r) => r.status === s)?.detections ?? 0]));
}

export interface GapView {
  techniqueId: string;
  name: string;
  tactics: string[];
  riskScore: number;
  status: string;
  firstIdentifiedAt: string;
  controls: { id: string; name: string; inherited: boolean }[];
}

export async function gapsView(
  db: Db,
  tenantId: string,
  accountId: string,
  q: { status?: (typeof GAP_STATUSES)[number]; limit: number; after?: { risk: number; id: string } },
): Promise<{ items: GapView[]; hasMore: boolean }> {
  const account = await accountOrThrow(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  // Gaps exist once coverage was computed under the active ATT&CK version.
  await ensureCurrent(db, account, version);
  const g = coverageGaps;
  const where = [
    eq(g.tenantId, tenantId),
    eq(g.accountId, accountId),
    q.status ? eq(g.status, q.status) : sql`${g.status} IN ('open', 'acknowledged')`,
  ];
  if (q.after)
    where.push(
      or(
        lt(g.riskScore, q.after.risk),
        and(eq(g.riskScore, q.after.risk), sql`${g.techniqueId} > ${q.after.id}`),
      ) as ReturnType<typeof eq>,
    );
  const [context, rows] = await Promise.all([
    attackContext(db, version),
    db
      .select()
      .from(g)
      .where(and(...where))
      .orderBy(desc(g.riskScore), asc(g.techniqueId))
      .limit(q.limit + 1),
  ]);
  const { page, hasMore } = takePage(rows, q.limit);
  const items = page.map((r) => {
    const t = context.techniques.get(r.techniqueId);
    return {
      techniqueId: r.techniqueId,
      name: t?.name ?? r.techniqueId,
      tactics: t?.tactics ?? [],
      riskScore: r.riskScore,
      status: r.status,
      firstIdentifiedAt: r.firstIdentifiedAt,
      controls: controlsFor(r.techniqueId),
    };
  });
  return { items, hasMore };
}

export async function overlapsView(db: Db, tenantId: string, accountId: string) {
  await accountOrThrow(db, tenantId, accountId);
  const o = coverageOverlaps;
  const rows = await db
    .select()
    .from(o)
    .where(and(eq(o.tenantId, tenantId), eq(o.accountId, accountId)))
    .orderBy(desc(o.detectionCount), asc(o.techniqueId));
  return rows.map((r) => ({
    techniqueId: r.techniqueId,
    detectionCount: r.detectionCount,
    kind: r.kind,
    detectionIds: r.detectionIds,
  }));
}

export async function historyView(db: Db, tenantId: string, accountId: string, limit: number) {
  await accountOrThrow(db, tenantId, accountId);
  const h = coverageHistory;
  const rows = await db.all<{
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
    FROM ${h} h LEFT JOIN scan_snapshots s ON s.id = h.snapshot_id
    WHERE h.tenant_id = ${tenantId} AND h.account_id = ${accountId}
    ORDER BY h.id DESC LIMIT ${limit}`);
  return rows.map((r) => ({
    snapshotId: r.snapshotId,
    attackVersion: r.attackVersion,
    covered: r.covered,
    total: r.total,
    percent: r.percent,
    byTactic: JSON.parse(r.byTactic) as Record<string, number>,
    computedAt: r.computedAt,
    scan: r.snapshotId
      ? { format: r.format, added: r.added ?? 0, modified: r.modified ?? 0, removed: r.removed ?? 0 }
      : null,
  }));
}

/** Detections of an account that are not healthy, with the summary. */
export async function healthView(db: Db, tenantId: string, accountId: string) {
  await accountOrThrow(db, tenantId, accountId);
  const [rows, summary] = await Promise.all([
    db.all<{
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
      ORDER BY h.status, d.name LIMIT 200`),
    healthSummary(db, tenantId, accountId),
  ]);
  return {
    summary,
    attention: rows.map((r) => ({
      detectionId: r.id,
      name: r.name,
      status: r.status,
      issues: r.issues ? (JSON.parse(r.issues) as string[]) : [],
      lastTriggeredAt: r.lastTriggeredAt,
    })),
  };
}
