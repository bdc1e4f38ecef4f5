/**
 * @module Coverage of an account, computed from its detections' mappings and stored: coverage per
 * tactic, gaps ranked by risk, overlaps, and a history row. A technique is covered when an enabled,
 * present detection maps to it with enough confidence by a tag, a manual mapping, or a mapping an
 * analyst validated (never a disputed one). All writes of a recompute go in one batch.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { resolveVersion } from "../attack/catalog.service";
import { runBatch, type Db } from "../db/client";
import { coverageGaps, coverageHistory, coverageOverlaps, coverageScores, type Account } from "../db/schema";
import { jsonValues, rowsPerStatement } from "../db/rows";
import { chunks, countBy, groupBy } from "../lib/collections";
import { attackContext, type AttackContext } from "./attack-context";

export const DEFAULT_MIN_CONFIDENCE = 0.6;
/** More detections than this on one technique, mostly from one service, is redundancy, not depth. */
const EXCESSIVE = 5;
const CRITICALITY_WEIGHT: Record<Account["criticality"], number> = { high: 3, medium: 2, low: 1 };

/**
 * Detections covering each technique, for an account (qualifying mappings only). The account index
 * is named: with one tenant owning many accounts, SQLite would otherwise pick the tenant index and
 * read every mapping of the tenant.
 */
export async function coveringDetections(
  db: Db,
  tenantId: string,
  accountId: string,
  minConfidence: number,
): Promise<Map<string, { id: string; name: string; serviceId: number | null }[]>> {
  const rows = await db.all<{ techniqueId: string; id: string; name: string; serviceId: number | null }>(sql`
    SELECT m.technique_id AS techniqueId, d.id AS id, d.name AS name, d.service_id AS serviceId
    FROM detection_mappings m INDEXED BY detection_mappings_account_technique JOIN detections d ON d.id = m.detection_id
    WHERE m.account_id = ${accountId} AND d.tenant_id = ${tenantId}
      AND d.status = 'enabled' AND d.removed_at IS NULL
      AND m.confidence >= ${minConfidence} AND m.validation <> 'disputed'
      AND (m.method IN ('tag', 'manual') OR m.validation = 'validated')`);
  // One row per (detection, technique): detection_mappings_pair is unique.
  return groupBy(
    rows,
    (r) => r.techniqueId,
    (r) => ({ id: r.id, name: r.name, serviceId: r.serviceId }),
  );
}

export function riskScore(context: AttackContext, techniqueId: string, criticality: Account["criticality"]): number {
  const usage = context.techniques.get(techniqueId)?.usage ?? 0;
  // +1: a technique no known actor uses yet still carries some risk.
  return (usage + 1) * CRITICALITY_WEIGHT[criticality];
}

export interface CoverageSummary {
  accountId: string;
  attackVersion: string;
  covered: number;
  total: number;
  percent: number;
  tactics: { id: string; shortname: string; name: string; covered: number; total: number; percent: number }[];
  computedAt: string;
}

const pct = (covered: number, total: number) => (total ? Math.round((1000 * covered) / total) / 10 : 0);

/** Recomputes and stores an account's coverage under `options.version` (default: the active ATT&CK version). */
export async function recomputeCoverage(
  db: Db,
  account: Account,
  options: { snapshotId?: string; minConfidence?: number; version?: string } = {},
): Promise<CoverageSummary> {
  const version = options.version ?? (await resolveVersion(db, undefined));
  const [context, covering] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, account.tenantId, account.id, options.minConfidence ?? DEFAULT_MIN_CONFIDENCE),
  ]);
  const now = new Date().toISOString();
  const coveredIds = [...context.techniques.keys()].filter((id) => covering.has(id));
  const techniques = [...context.techniques.values()];
  const tactics = context.tactics.map((t) => {
    const inTactic = techniques.filter((x) => x.tactics.includes(t.shortname));
    const covered = inTactic.filter((x) => covering.has(x.id)).length;
    return { ...t, covered, total: inTactic.length, percent: pct(covered, inTactic.length) };
  });
  const summary: CoverageSummary = {
    accountId: account.id,
    attackVersion: version,
    covered: coveredIds.length,
    total: context.techniques.size,
    percent: pct(coveredIds.length, context.techniques.size),
    tactics,
    computedAt: now,
  };

  const { tenantId, id: accountId } = account;
  const statements: BatchItem<"sqlite">[] = [];
  for (const chunk of chunks(tactics, rowsPerStatement(coverageScores))) {
    statements.push(
      db.insert(coverageScores).values(
        chunk.map((t) => ({
          tenantId,
          accountId,
          attackVersion: version,
          tacticId: t.id,
          covered: t.covered,
          total: t.total,
          percent: t.percent,
          computedAt: now,
        })),
      ),
    );
  }
  // Gaps: every uncovered technique is open (or keeps its triage status); covered ones are remediated.
  const g = coverageGaps;
  const gaps = [...context.techniques.keys()].filter((id) => !covering.has(id));
  for (const chunk of chunks(gaps, rowsPerStatement(g))) {
    statements.push(
      db
        .insert(g)
        .values(
          chunk.map((techniqueId) => ({
            tenantId,
            accountId,
            techniqueId,
            riskScore: riskScore(context, techniqueId, account.criticality),
            status: "open" as const,
            firstIdentifiedAt: now,
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: [g.accountId, g.techniqueId],
          set: {
            riskScore: sql`excluded.risk_score`,
            updatedAt: now,
            status: sql`CASE WHEN ${g.status} = 'remediated' THEN 'open' ELSE ${g.status} END`,
            resolvedAt: sql`CASE WHEN ${g.status} = 'remediated' THEN NULL ELSE ${g.resolvedAt} END`,
          },
        }),
    );
  }
  statements.push(
    db
      .update(g)
      .set({ status: "remediated", resolvedAt: now, updatedAt: now })
      .where(
        and(
          eq(g.accountId, accountId),
          inArray(g.status, ["open", "acknowledged"]),
          sql`${g.techniqueId} IN ${jsonValues(coveredIds)}`,
        ),
      ),
  );
  // Overlaps: techniques several detections cover.
  statements.push(db.delete(coverageOverlaps).where(eq(coverageOverlaps.accountId, accountId)));
  const overlaps = [...covering].filter(([id, list]) => list.length > 1 && context.techniques.has(id));
  for (const chunk of chunks(overlaps, rowsPerStatement(coverageOverlaps))) {
    statements.push(
      db.insert(coverageOverlaps).values(
        chunk.map(([techniqueId, list]) => {
          const sameService = Math.max(...countBy(list.map((d) => String(d.serviceId))).values());
          return {
            tenantId,
            accountId,
            techniqueId,
            detectionCount: list.length,
            kind:
              list.length > EXCESSIVE && sameService / list.length >= 0.8
                ? ("excessive" as const)
                : ("beneficial" as const),
            detectionIds: list.map((d) => d.id),
            computedAt: now,
          };
        }),
      ),
    );
  }
  statements.push(
    db.insert(coverageHistory).values({
      tenantId,
      accountId,
      snapshotId: options.snapshotId ?? null,
      attackVersion: version,
      covered: summary.covered,
      total: summary.total,
      percent: summary.percent,
      byTactic: Object.fromEntries(tactics.map((t) => [t.id, t.percent])),
      computedAt: now,
    }),
  );
  await runBatch(db, statements);
  return summary;
}
