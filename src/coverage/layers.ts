/**
 * @module Navigator layers for an account's coverage, a report, and a report against an account.
 * Coverage scores count the enabled detections mapped to each technique (qualifying mappings, as
 * coverage counts them: broken ones never), one entry per technique × tactic, sub-techniques as
 * themselves; degraded detections are named so and counted in a `degraded` metadata item. A report's
 * layers leave out matches an analyst rejected.
 */
import { resolveVersion } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { listCountedMatches } from "../db/repos/reports";
import { requireReport } from "../reports/reports.service";
import { attackContext } from "./attack-context";
import { coveringDetections } from "../db/repos/coverage";
import { DEFAULT_MIN_CONFIDENCE } from "./recompute";
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

/** The same as a machine-readable metadata item (Navigator shows it too). */
function degradedMetadata(list: { degraded: boolean }[]): { name: string; value: string }[] {
  const n = list.filter((d) => d.degraded).length;
  return n ? [{ name: "degraded", value: String(n) }] : [];
}

function listDetections(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join("; ");
  return names.length > MAX_LISTED ? `${shown}; … and ${names.length - MAX_LISTED} more` : shown;
}

export async function readAccountLayer(db: Db, tenantId: string, accountId: string): Promise<NavigatorLayer> {
  const account = await requireAccount(db, tenantId, accountId);
  const version = await resolveVersion(db, undefined);
  const [context, covering] = await Promise.all([
    attackContext(db, version),
    coveringDetections(db, tenantId, accountId, DEFAULT_MIN_CONFIDENCE),
  ]);
  const techniques = [...covering]
    .filter(([id]) => context.techniques.has(id))
    .map(([id, list]) => ({
      id,
      tactics: context.techniques.get(id)?.tactics ?? [],
      score: list.length,
      comment: `${list.length} detection${list.length === 1 ? "" : "s"}${degradedNote(list)}: ${listDetections(list.map(labelOf).sort())}`,
      metadata: degradedMetadata(list),
    }));
  return buildLayer({
    name: `${account.name} coverage`,
    description: `Enabled detections per technique (broken ones excluded, degraded ones flagged) for account ${account.identifier} (${account.providerId}, ${account.environment}), ATT&CK ${version}`,
    attackVersion: version,
    techniques: techniqueEntriesPerTactic(techniques),
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

/** The report's techniques against an account: covered green (score 1), not covered red (score 0). */
export async function readReportGapLayer(
  db: Db,
  tenantId: string,
  reportId: string,
  accountId: string,
): Promise<NavigatorLayer> {
  const gaps = await readReportGaps(db, tenantId, reportId, accountId);
  return buildLayer({
    name: `${gaps.report.title ?? "report"} vs ${gaps.account.name}`,
    description: `Report techniques the account detects (1) and does not (0), ATT&CK ${gaps.attackVersion}`,
    attackVersion: gaps.attackVersion,
    techniques: techniqueEntriesPerTactic(
      gaps.techniques.map((t) => ({
        id: t.id,
        tactics: t.tactics,
        score: t.covered ? 1 : 0,
        comment: t.covered
          ? `covered by ${listDetections(t.detections.map(labelOf))}${degradedNote(t.detections)}`
          : `not covered; NIST 800-53: ${t.controls.map((c) => c.id).join(", ") || "no mapped controls"}`,
        metadata: degradedMetadata(t.detections),
      })),
    ),
    gradient: { colors: ["#ff6666", "#66bb66"], minValue: 0, maxValue: 1 },
    legendItems: [
      { label: "covered", color: "#66bb66" },
      { label: "not covered", color: "#ff6666" },
    ],
  });
}
