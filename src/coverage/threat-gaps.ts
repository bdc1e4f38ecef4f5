/**
 * @module Threat-informed gaps: the techniques of a threat (an analysed report, an ATT&CK group)
 * against an account's detections — which detections cover each technique, and for each one not
 * covered, its risk and the NIST 800-53 controls mapped to it. Techniques of none of the
 * account's platforms are listed apart, not as gaps.
 */
import { resolveVersion } from "../attack/catalog.service";
import { readGroupTechniqueIds } from "../attack/lookups.service";
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { listCountedMatches } from "../db/repos/reports";
import type { Account } from "../db/schema";
import { requireReport } from "../reports/reports.service";
import { attackContext, resolveTechnique } from "./attack-context";
import { coveringDetections, mappedTechniques } from "../db/repos/coverage";
import { detectionScore, type DetectionScore } from "./detection-score";
import { inScope } from "./platforms";
import { DEFAULT_MIN_CONFIDENCE, riskScore } from "./recompute";
import { controlsFor } from "./nist";
import { requireAccount } from "./coverage.service";
import type { ThreatGapsPage, ThreatKey, ThreatTechniqueBrief } from "./coverage.schemas";

type ThreatKeyT = z.infer<typeof ThreatKey>;

export interface ThreatTechnique {
  id: string;
  name: string;
  tactics: string[];
  /** How strongly the threat shows it (report confidence; 1 for a group's known use). */
  confidence: number;
  covered: boolean;
  detections: { id: string; name: string; degraded: boolean }[];
  /** Covering detections reported degraded: they count, but the coverage is weaker than it looks. */
  degraded: number;
  riskScore: number | null;
  /** DeTT&CT-scale score, −1 to 5 (detection-score.ts). */
  detectionScore: DetectionScore;
  controls: { id: string; name: string; inherited: boolean }[];
  note?: string;
}

export interface ThreatGaps {
  account: { id: string; name: string; criticality: Account["criticality"]; platforms: string[] };
  attackVersion: string;
  covered: number;
  uncovered: number;
  techniques: ThreatTechnique[];
  /** The threat's techniques for none of the account's platforms: not its gaps, listed apart. */
  outOfScope: { id: string; name: string; platforms: string[] }[];
}

async function gapsFor(
  db: Db,
  account: Account,
  version: string,
  wanted: { id: string; confidence: number }[],
): Promise<ThreatGaps> {
  const [context, covering, mapped] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, account.tenantId, account.id, DEFAULT_MIN_CONFIDENCE),
    mappedTechniques(db, account.tenantId, account.id),
  ]);
  const scope = new Set(account.platforms);
  const byId = new Map<string, ThreatTechnique>();
  const outOfScope = new Map<string, ThreatGaps["outOfScope"][number]>();
  for (const w of wanted) {
    // Reports analysed under an older ATT&CK: their revoked ids count as the successor.
    const r = resolveTechnique(context, w.id);
    if ("unknown" in r) continue;
    const facts = context.techniques.get(r.id);
    if (facts && !inScope(facts.platforms, scope)) {
      outOfScope.set(r.id, { id: r.id, name: facts.name, platforms: facts.platforms });
      continue;
    }
    const rules = covering.get(r.id) ?? [];
    const detections = rules.map((d) => ({ id: d.id, name: d.name, degraded: d.degraded }));
    const covered = detections.length > 0;
    const prev = byId.get(r.id);
    if (prev && prev.confidence >= w.confidence) continue;
    byId.set(r.id, {
      id: r.id,
      name: facts?.name ?? r.id,
      tactics: facts?.tactics ?? [],
      confidence: w.confidence,
      covered,
      detections,
      degraded: detections.filter((d) => d.degraded).length,
      riskScore: covered ? null : riskScore(context, r.id, account.criticality),
      detectionScore: detectionScore(rules, mapped.has(r.id)),
      controls: covered ? [] : controlsFor(r.id),
      ...(r.note ? { note: r.note } : {}),
    });
  }
  const techniques = [...byId.values()].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  return {
    account: { id: account.id, name: account.name, criticality: account.criticality, platforms: account.platforms },
    attackVersion: version,
    covered: techniques.filter((t) => t.covered).length,
    uncovered: techniques.filter((t) => !t.covered).length,
    techniques,
    outOfScope: [...outOfScope.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** Where a technique sorts: not covered first, riskiest first, then by id (a page's cursor holds it). */
const keyOf = (t: ThreatTechnique): ThreatKeyT => ({ c: Number(t.covered), r: t.riskScore ?? 0, t: t.id });
const compareKeys = (a: ThreatKeyT, b: ThreatKeyT) => a.c - b.c || b.r - a.r || a.t.localeCompare(b.t);

/**
 * The concise answer for an agent: counts overall and per tactic, and one page of the techniques
 * (optionally only the covered or the uncovered ones) after `after`; covering detections, controls
 * and notes only with `detail`.
 */
export function pageThreatGaps(
  gaps: ThreatGaps,
  q: { limit: number; after?: ThreatKeyT; covered?: boolean; detail: boolean },
): Omit<z.infer<typeof ThreatGapsPage>, "nextCursor"> & { next: ThreatKeyT | null } {
  const tactics = new Map<string, { tactic: string; covered: number; uncovered: number }>();
  for (const t of gaps.techniques) {
    for (const tactic of t.tactics) {
      const row = tactics.get(tactic) ?? { tactic, covered: 0, uncovered: 0 };
      row[t.covered ? "covered" : "uncovered"]++;
      tactics.set(tactic, row);
    }
  }
  const { after } = q;
  const rest = gaps.techniques.filter(
    (t) => (q.covered === undefined || t.covered === q.covered) && (!after || compareKeys(keyOf(t), after) > 0),
  );
  const page = rest.slice(0, q.limit);
  const hasMore = rest.length > q.limit;
  const last = page.at(-1);
  return {
    account: gaps.account,
    attackVersion: gaps.attackVersion,
    covered: gaps.covered,
    uncovered: gaps.uncovered,
    // Weakest first: the tactics with the most techniques not covered.
    tactics: [...tactics.values()].sort((a, b) => b.uncovered - a.uncovered || a.tactic.localeCompare(b.tactic)),
    items: page.map((t) => brief(t, q.detail)),
    outOfScope: gaps.outOfScope.map((t) => t.id),
    hasMore,
    next: hasMore && last ? keyOf(last) : null,
  };
}

function brief(t: ThreatTechnique, detail: boolean): z.infer<typeof ThreatTechniqueBrief> {
  const out = {
    id: t.id,
    name: t.name,
    tactics: t.tactics,
    confidence: t.confidence,
    covered: t.covered,
    detectionCount: t.detections.length,
    degraded: t.degraded,
    riskScore: t.riskScore,
    detectionScore: t.detectionScore,
  };
  if (!detail) return out;
  return { ...out, detections: t.detections, controls: t.controls, ...(t.note ? { note: t.note } : {}) };
}

export async function readReportGaps(
  db: Db,
  tenantId: string,
  reportId: string,
  accountId: string,
): Promise<ThreatGaps & { report: { id: string; title: string | null; attackVersion: string } }> {
  // Tenant-scoped and never throws: a missing report is still the first 404. Rejected matches never count.
  const [report, matches] = await Promise.all([
    requireReport(db, tenantId, reportId),
    listCountedMatches(db, tenantId, reportId),
  ]);
  const account = await requireAccount(db, tenantId, accountId);
  const gaps = await gapsFor(
    db,
    account,
    await resolveVersion(db, undefined),
    matches.map((m) => ({ id: m.techniqueId, confidence: m.confidence })),
  );
  return { ...gaps, report: { id: report.id, title: report.title, attackVersion: report.attackVersion } };
}

export async function readGroupGaps(
  db: Db,
  tenantId: string,
  group: string,
  accountId: string,
): Promise<ThreatGaps & { group: { id: string; name: string } }> {
  const account = await requireAccount(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const { group: found, techniqueIds } = await readGroupTechniqueIds(db, version, group);
  const gaps = await gapsFor(
    db,
    account,
    version,
    techniqueIds.map((id) => ({ id, confidence: 1 })),
  );
  return { ...gaps, group: found };
}
