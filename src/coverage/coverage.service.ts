/**
 * @module Coverage as the API shows it: the stored scores, ranked gaps (with NIST 800-53 controls
 * for what is not covered), overlaps, history and detection health of one account of a tenant.
 * Reads only: what is stored, when it was computed, and whether a recompute is pending
 * (recompute.ts says when that happens).
 */
import type { z } from "@hono/zod-openapi";
import { getActiveVersion } from "../db/repos/attack";
import type { Db } from "../db/client";
import { getAccount } from "../db/repos/accounts";
import { gapsPage, latestCoverage, listHistory, listOverlaps, mappedTechniques, scoresAt } from "../db/repos/coverage";
import { healthCounts, unhealthyDetections } from "../db/repos/detection-health";
import { HEALTH_STATUSES, type Account, type GAP_STATUSES } from "../db/schema";
import { notFound } from "../errors";
import { takePage } from "../lib/collections";
import { attackContext } from "./attack-context";
import type { CoverageT, GapKey, GapT } from "./coverage.schemas";
import { controlsFor } from "./nist";

/** The tenant's account, or 404. */
export async function requireAccount(db: Db, tenantId: string, accountId: string): Promise<Account> {
  const account = await getAccount(db, tenantId, accountId);
  if (!account) throw notFound(`no account ${accountId} for this tenant`);
  return account;
}

/** When the account's stored coverage was computed, and whether it waits for a recompute. */
export interface CoverageState {
  computedAt: string | null;
  /** True when the stored coverage is not current: never computed, another ATT&CK version, or inputs changed since. */
  stale: boolean;
}

async function stateOf(db: Db, account: Account): Promise<CoverageState> {
  const active = await getActiveVersion(db);
  return {
    computedAt: account.coverageComputedAt,
    stale:
      account.coverageComputedAt === null ||
      account.coveragePendingSince !== null ||
      (active !== null && account.coverageAttackVersion !== active.version),
  };
}

/** The stored coverage per tactic and overall, with detection health. */
export async function readCoverage(db: Db, tenantId: string, accountId: string): Promise<CoverageT> {
  const account = await requireAccount(db, tenantId, accountId);
  const [state, latest, health] = await Promise.all([
    stateOf(db, account),
    latestCoverage(db, tenantId, accountId),
    readHealthSummary(db, tenantId, accountId),
  ]);
  if (!latest) {
    // Never computed (an account older than the recompute policy): nothing stored to show yet.
    const active = await getActiveVersion(db);
    return {
      accountId,
      attackVersion: active?.version ?? null,
      covered: 0,
      total: 0,
      percent: 0,
      tactics: [],
      platforms: account.platforms,
      health,
      ...state,
    };
  }
  const [context, rows] = await Promise.all([
    attackContext(db, latest.attackVersion),
    scoresAt(db, tenantId, accountId, latest.computedAt),
  ]);
  const byId = new Map(rows.map((r) => [r.tacticId, r]));
  return {
    accountId,
    attackVersion: latest.attackVersion,
    covered: latest.covered,
    total: latest.total,
    percent: latest.percent,
    tactics: context.tactics.map((t) => {
      const r = byId.get(t.id);
      return { ...t, covered: r?.covered ?? 0, total: r?.total ?? 0, percent: r?.percent ?? 0 };
    }),
    platforms: account.platforms,
    health,
    ...state,
    computedAt: latest.computedAt,
  };
}

/** Present detections per health status (healthy, degraded, broken, unknown). */
export async function readHealthSummary(db: Db, tenantId: string, accountId: string): Promise<Record<string, number>> {
  const rows = await healthCounts(db, tenantId, accountId);
  return Object.fromEntries(HEALTH_STATUSES.map((s) => [s, rows.find((r) => r.status === s)?.detections ?? 0]));
}

/** A page of the stored gaps, riskiest first (ties by technique id), after the cursor's key. */
export async function listGaps(
  db: Db,
  tenantId: string,
  accountId: string,
  q: { status?: (typeof GAP_STATUSES)[number]; limit: number; after?: z.infer<typeof GapKey> },
): Promise<CoverageState & { items: GapT[]; hasMore: boolean; next: z.infer<typeof GapKey> | null }> {
  const account = await requireAccount(db, tenantId, accountId);
  const after = q.after && { risk: q.after.r, id: q.after.t };
  const [state, rows] = await Promise.all([stateOf(db, account), gapsPage(db, tenantId, accountId, { ...q, after })]);
  const context = account.coverageAttackVersion ? await attackContext(db, account.coverageAttackVersion) : null;
  const { page, last, hasMore } = takePage(rows, q.limit);
  const mapped = await mappedTechniques(
    db,
    tenantId,
    accountId,
    page.map((r) => r.techniqueId),
  );
  const items = page.map((r) => {
    const t = context?.techniques.get(r.techniqueId);
    return {
      techniqueId: r.techniqueId,
      name: t?.name ?? r.techniqueId,
      tactics: t?.tactics ?? [],
      riskScore: r.riskScore,
      // A gap has no counting rule: the score says whether any rule maps to it at all.
      detectionScore: mapped.has(r.techniqueId) ? (0 as const) : (-1 as const),
      status: r.status,
      firstIdentifiedAt: r.firstIdentifiedAt,
      controls: controlsFor(r.techniqueId),
      ...(r.statusReason ? { reason: r.statusReason } : {}),
      ...(r.statusExpiresAt ? { expiresAt: r.statusExpiresAt } : {}),
    };
  });
  return { ...state, items, hasMore, next: hasMore && last ? { r: last.riskScore, t: last.techniqueId } : null };
}

export async function readOverlaps(db: Db, tenantId: string, accountId: string) {
  const account = await requireAccount(db, tenantId, accountId);
  const [state, rows] = await Promise.all([stateOf(db, account), listOverlaps(db, tenantId, accountId)]);
  return {
    ...state,
    items: rows.map((r) => ({
      techniqueId: r.techniqueId,
      detectionCount: r.detectionCount,
      kind: r.kind,
      detectionIds: r.detectionIds,
    })),
  };
}

export async function readHistory(db: Db, tenantId: string, accountId: string, limit: number) {
  await requireAccount(db, tenantId, accountId);
  const rows = await listHistory(db, tenantId, accountId, limit);
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
export async function readHealth(db: Db, tenantId: string, accountId: string) {
  await requireAccount(db, tenantId, accountId);
  const [rows, summary] = await Promise.all([
    unhealthyDetections(db, tenantId, accountId),
    readHealthSummary(db, tenantId, accountId),
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
