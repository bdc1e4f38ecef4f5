/**
 * @module The recompute policy (docs/adr/0006-coverage-recompute-policy.md). Coverage is computed
 * when its inputs change and stored; reads only read it.
 * - A write that changes one account's inputs (account created, rules imported, a mapping
 *   reviewed, a detection's health reported) recomputes that account in the same request.
 * - A write that changes many accounts' inputs (a deprecated API recorded) marks them pending;
 *   an ATT&CK switch makes every account's coverage stale by version. Those are recomputed a page
 *   at a time by the refresh workflow's `coverage` step and by the sweeper cron.
 * - GET answers what is stored, with `computedAt`, and `stale: true` until that recompute ran.
 *
 * An account is measured on the techniques of its ATT&CK platforms (platforms.ts).
 * A technique is covered when an enabled, present detection not reported broken maps to it with
 * enough confidence by a tag, a manual mapping, or a mapping an analyst validated (never a disputed
 * one). A degraded detection still covers; the views of coverage flag it.
 */
import { resolveVersion } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { accountsPage } from "../db/repos/accounts";
import { getActiveVersion } from "../db/repos/attack";
import {
  coveringDetections,
  staleAccounts,
  storeCoverage,
  type ComputedCoverage,
  type CoveringDetection,
} from "../db/repos/coverage";
import type { Account } from "../db/schema";
import { countBy } from "../lib/collections";
import { attackContext, type AttackContext, type TechniqueFacts } from "./attack-context";
import { inScope } from "./platforms";

export const DEFAULT_MIN_CONFIDENCE = 0.6;
/** More detections than this on one technique, mostly from one service, is redundancy, not depth. */
const EXCESSIVE = 5;
const CRITICALITY_WEIGHT: Record<Account["criticality"], number> = { high: 3, medium: 2, low: 1 };

export function riskScore(context: AttackContext, techniqueId: string, criticality: Account["criticality"]): number {
  const usage = context.techniques.get(techniqueId)?.usage ?? 0;
  // +1: a technique no known actor uses yet still carries some risk.
  return (usage + 1) * CRITICALITY_WEIGHT[criticality];
}

const pct = (covered: number, total: number) => (total ? Math.round((1000 * covered) / total) / 10 : 0);

/** The context's techniques in an account's scope: those for one of its platforms. */
export function scopedTechniques(context: AttackContext, platforms: readonly string[]): TechniqueFacts[] {
  const scope = new Set(platforms);
  return [...context.techniques.values()].filter((t) => inScope(t.platforms, scope));
}

/**
 * The coverage of an account from its covering detections, under the context's version, over the
 * techniques of its platforms only (a detection of another platform's technique covers nothing
 * here). Pure.
 */
export function computeCoverage(
  context: AttackContext,
  covering: Map<string, CoveringDetection[]>,
  account: Pick<Account, "criticality" | "platforms">,
  computedAt: string,
): ComputedCoverage {
  const { criticality } = account;
  const techniques = scopedTechniques(context, account.platforms);
  const scoped = new Set(techniques.map((t) => t.id));
  const coveredIds = techniques.map((t) => t.id).filter((id) => covering.has(id));
  const tactics = context.tactics.map((t) => {
    const inTactic = techniques.filter((x) => x.tactics.includes(t.shortname));
    const covered = inTactic.filter((x) => covering.has(x.id)).length;
    return { id: t.id, covered, total: inTactic.length, percent: pct(covered, inTactic.length) };
  });
  const overlaps = [...covering]
    .filter(([id, list]) => list.length > 1 && scoped.has(id))
    .map(([techniqueId, list]) => {
      const sameService = Math.max(...countBy(list.map((d) => String(d.serviceId))).values());
      const excessive = list.length > EXCESSIVE && sameService / list.length >= 0.8;
      return {
        techniqueId,
        detectionCount: list.length,
        kind: excessive ? ("excessive" as const) : ("beneficial" as const),
        detectionIds: list.map((d) => d.id),
      };
    });
  return {
    attackVersion: context.version,
    computedAt,
    covered: coveredIds.length,
    total: techniques.length,
    percent: pct(coveredIds.length, techniques.length),
    tactics,
    gaps: techniques
      .filter((t) => !covering.has(t.id))
      .map((t) => ({ techniqueId: t.id, riskScore: riskScore(context, t.id, criticality) })),
    coveredIds,
    overlaps,
  };
}

/** Recomputes and stores an account's coverage under `options.version` (default: the active ATT&CK version). */
export async function recomputeCoverage(
  db: Db,
  account: Account,
  options: { snapshotId?: string; version?: string } = {},
): Promise<ComputedCoverage> {
  const startedAt = new Date().toISOString();
  const version = options.version ?? (await resolveVersion(db, undefined));
  const [context, covering] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, account.tenantId, account.id, DEFAULT_MIN_CONFIDENCE),
  ]);
  const computed = computeCoverage(context, covering, account, new Date().toISOString());
  await storeCoverage(db, account, computed, { snapshotId: options.snapshotId, startedAt });
  return computed;
}

/**
 * Recomputes up to `limit` accounts (every tenant's) whose coverage is stale, by id after `after`.
 * `next` is where the next page starts, null when this page was the last.
 */
export async function recomputeStale(
  db: Db,
  page: { after?: string; limit: number },
): Promise<{ recomputed: number; next: string | null }> {
  const active = await getActiveVersion(db);
  if (!active) return { recomputed: 0, next: null };
  const accounts = await staleAccounts(db, "all-tenants", { activeVersion: active.version, ...page });
  for (const account of accounts) await recomputeCoverage(db, account, { version: active.version });
  return { recomputed: accounts.length, next: accounts.length === page.limit ? (accounts.at(-1)?.id ?? null) : null };
}

/** Recomputes a page of a tenant's accounts (its admin) or of every tenant's (an operator), by id after `after`. */
export async function recomputeAll(
  db: Db,
  scope: { tenantId: string } | "all-tenants",
  page: { after?: string; limit: number },
): Promise<{ recomputed: number; next: string | null }> {
  const accounts = await accountsPage(db, scope, page);
  // One ATT&CK version for the whole page (an empty page needs none).
  const version = accounts.length ? await resolveVersion(db, undefined) : undefined;
  for (const account of accounts) await recomputeCoverage(db, account, { version });
  return { recomputed: accounts.length, next: accounts.length === page.limit ? (accounts.at(-1)?.id ?? null) : null };
}
