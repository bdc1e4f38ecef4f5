/**
 * @module Navigator layers for an account's coverage, a report, and a report against an account.
 * Account layers score techniques on the detection-score scale (detection-score.ts: counting
 * detections as coverage counts them, broken ones never), over the account's platforms only, one
 * entry per technique × tactic, sub-techniques as themselves; degraded detections are named so and
 * counted in a `degraded` metadata item, beside a `detections` item with the count. A report's layers leave out matches an analyst rejected.
 */
import { resolveVersion } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { listCountedMatches } from "../db/repos/reports";
import { requireReport } from "../reports/reports.service";
import { attackContext } from "./attack-context";
import { coveringDetections, mappedTechniques } from "../db/repos/coverage";
import { DEFAULT_MIN_CONFIDENCE, scopedTechniques } from "./recompute";
import { DETECTION_SCORE_LEVELS, detectionScore, scoreLabel } from "./detection-score";
import { buildLayer, techniqueEntriesPerTactic, type NavigatorLayer } from "./navigator";
import { readReportGaps } from "./threat-gaps";
import { requireAccount } from "./coverage.service";

const MAX_LISTED = 15;

/** A detection's name as a layer lists it: a degraded one says so. */
const labelOf = (d: { name: string; degraded: boolean }) => (d.degraded ? `${d.name} (degraded)` : d.name);

/** The comment's trailer when some covering detections are degraded. */
function degradedNote(list: { degraded: boolean }[]): string {
  const n = list.filter((d) => d.degraded).length;
  return n ? ` [${n} degraded]` : "";
}

/**
 * Machine-readable metadata items (Navigator shows them too): how many detections count, and how
 * many of those are degraded, when any are.
 */
function detectionMetadata(list: { degraded: boolean }[]): { name: string; value: string }[] {
  const n = list.filter((d) => d.degraded).length;
  return [
    ...(list.length ? [{ name: "detections", value: String(list.length) }] : []),
    ...(n ? [{ name: "degraded", value: String(n) }] : []),
  ];
}

function listDetections(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join("; ");
  return names.length > MAX_LISTED ? `${shown}; … and ${names.length - MAX_LISTED} more` : shown;
}

/** The detection-score scale as a layer draws it: a fixed gradient and one legend item per level. */
const SCORE_SCALE = {
  gradient: { colors: DETECTION_SCORE_LEVELS.map((l) => l.color), minValue: -1, maxValue: 5 },
  legendItems: DETECTION_SCORE_LEVELS.map((l) => ({ label: `${l.score} ${l.label}`, color: l.color })),
};

/**
 * The account's techniques scored on the detection-score scale (detection-score.ts): every
 * technique of its platforms some rule maps to; unmapped ones stay unscored (−1 is the blank).
 */
export async function readAccountLayer(db: Db, tenantId: string, accountId: string): Promise<NavigatorLayer> {
  const account = await requireAccount(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const [context, covering, mapped] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, tenantId, accountId, DEFAULT_MIN_CONFIDENCE),
    mappedTechniques(db, tenantId, accountId),
  ]);
  const techniques = scopedTechniques(context, account.platforms)
    .filter((t) => mapped.has(t.id) || covering.has(t.id))
    .map((t) => {
      const list = covering.get(t.id) ?? [];
      const score = detectionScore(list, true);
      return {
        id: t.id,
        tactics: t.tactics,
        score,
        comment: list.length
          ? `${scoreLabel(score)}; ${list.length} detection${list.length === 1 ? "" : "s"}${degradedNote(list)}: ${listDetections(list.map(labelOf).sort())}`
          : "mapped, not counting: its rules are disabled, broken, unvalidated inferences or below the confidence coverage asks for",
        metadata: detectionMetadata(list),
      };
    });
  return buildLayer({
    name: `${account.name} coverage`,
    description: `Detection score per technique (-1 none … 5 excellent; broken detections never count, degraded ones lower it) for account ${account.identifier} (${account.providerId}, ${account.environment}), platforms ${account.platforms.join(", ")}, ATT&CK ${version}`,
    attackVersion: version,
    techniques: techniqueEntriesPerTactic(techniques),
    platforms: account.platforms,
    ...SCORE_SCALE,
  });
}

export async function readReportLayer(db: Db, tenantId: string, reportId: string): Promise<NavigatorLayer> {
  // Tenant-scoped and never throws: a missing report is still the 404. Rejected matches never count.
  const [report, matches] = await Promise.all([
    requireReport(db, tenantId, reportId),
    listCountedMatches(db, tenantId, reportId),
  ]);
  const context = await attackContext(db, report.attackVersion);
  return buildLayer({
    name: report.title ?? `report ${report.id}`,
    description: `Techniques found in the report, rejected matches excluded (score: confidence × 100), ATT&CK ${report.attackVersion}`,
    attackVersion: report.attackVersion,
    techniques: techniqueEntriesPerTactic(
      [...new Map(matches.map((m) => [m.techniqueId, m])).values()].map((m) => ({
        id: m.techniqueId,
        tactics: context.techniques.get(m.techniqueId)?.tactics ?? [],
        score: Math.round(m.confidence * 100),
        comment: m.evidenceText.slice(0, 300),
      })),
    ),
    gradient: { colors: ["#ffffff", "#ff6666"], minValue: 0, maxValue: 100 },
  });
}

/**
 * The report's techniques of the account's platforms against it, on the detection-score scale:
 * −1 or 0 is not covered, 1 to 5 covered and how well.
 */
export async function readReportGapLayer(
  db: Db,
  tenantId: string,
  reportId: string,
  accountId: string,
): Promise<NavigatorLayer> {
  const gaps = await readReportGaps(db, tenantId, reportId, accountId);
  const outside = gaps.outOfScope.length
    ? `; ${gaps.outOfScope.length} report techniques are for none of its platforms`
    : "";
  return buildLayer({
    name: `${gaps.report.title ?? "report"} vs ${gaps.account.name}`,
    description: `Report techniques by the account's detection score (-1 none … 5 excellent; below 1 not covered), ATT&CK ${gaps.attackVersion}${outside}`,
    attackVersion: gaps.attackVersion,
    techniques: techniqueEntriesPerTactic(
      gaps.techniques.map((t) => ({
        id: t.id,
        tactics: t.tactics,
        score: t.detectionScore,
        comment: t.covered
          ? `${scoreLabel(t.detectionScore)}; covered by ${listDetections(t.detections.map(labelOf))}${degradedNote(t.detections)}`
          : `not covered${t.detectionScore === 0 ? " (mapped rules do not count)" : ""}; NIST 800-53: ${t.controls.map((c) => c.id).join(", ") || "no mapped controls"}`,
        metadata: detectionMetadata(t.detections),
      })),
    ),
    platforms: gaps.account.platforms,
    ...SCORE_SCALE,
  });
}
