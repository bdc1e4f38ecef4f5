/**
 * @module Threat-informed gaps: the techniques of a threat (an analysed report, an ATT&CK group)
 * against an account's detections — which detections cover each technique, and for each one not
 * covered, its risk and the NIST 800-53 controls mapped to it.
 */
import { resolveVersion } from "../attack/catalog.service";
import { readGroupTechniqueIds } from "../attack/lookups.service";
import type { Db } from "../db/client";
import { listMatches } from "../db/repos/reports";
import type { Account } from "../db/schema";
import { requireReport } from "../reports/reports.service";
import { attackContext, resolveTechnique } from "./attack-context";
import { coveringDetections } from "../db/repos/coverage";
import { DEFAULT_MIN_CONFIDENCE, riskScore } from "./recompute";
import { controlsFor } from "./nist";
import { requireAccount } from "./coverage.service";

export interface ThreatTechnique {
  id: string;
  name: string;
  tactics: string[];
  /** How strongly the threat shows it (report confidence; 1 for a group's known use). */
  confidence: number;
  covered: boolean;
  detections: { id: string; name: string }[];
  riskScore: number | null;
  controls: { id: string; name: string; inherited: boolean }[];
  note?: string;
}

export interface ThreatGaps {
  account: { id: string; name: string; criticality: Account["criticality"] };
  attackVersion: string;
  covered: number;
  uncovered: number;
  techniques: ThreatTechnique[];
}

async function gapsFor(
  db: Db,
  account: Account,
  version: string,
  wanted: { id: string; confidence: number }[],
): Promise<ThreatGaps> {
  const [context, covering] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, account.tenantId, account.id, DEFAULT_MIN_CONFIDENCE),
  ]);
  const byId = new Map<string, ThreatTechnique>();
  for (const w of wanted) {
    // Reports analysed under an older ATT&CK: their revoked ids count as the successor.
    const r = resolveTechnique(context, w.id);
    if ("unknown" in r) continue;
    const facts = context.techniques.get(r.id);
    const detections = (covering.get(r.id) ?? []).map((d) => ({ id: d.id, name: d.name }));
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
      riskScore: covered ? null : riskScore(context, r.id, account.criticality),
      controls: covered ? [] : controlsFor(r.id),
      ...(r.note ? { note: r.note } : {}),
    });
  }
  const techniques = [...byId.values()].sort(
    (a, b) =>
      Number(a.covered) - Number(b.covered) || (b.riskScore ?? 0) - (a.riskScore ?? 0) || a.id.localeCompare(b.id),
  );
  return {
    account: { id: account.id, name: account.name, criticality: account.criticality },
    attackVersion: version,
    covered: techniques.filter((t) => t.covered).length,
    uncovered: techniques.filter((t) => !t.covered).length,
    techniques,
  };
}

export async function readReportGaps(
  db: Db,
  tenantId: string,
  reportId: string,
  accountId: string,
): Promise<ThreatGaps & { report: { id: string; title: string | null; attackVersion: string } }> {
  // listMatches is tenant-scoped and never throws: a missing report is still the first 404.
  const [report, matches] = await Promise.all([
    requireReport(db, tenantId, reportId),
    listMatches(db, tenantId, reportId),
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
