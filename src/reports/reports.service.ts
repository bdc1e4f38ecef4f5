/**
 * @module Reports and analyses as the API shows them, built from D1 rows (tenant-scoped).
 */
import { normalizeTechniqueId } from "../attack/catalog.service";
import { tacticsOfTechniques, techniquesByAttackId } from "../db/repos/attack";
import { feedbackForReport } from "../db/repos/feedback";
import { reportMatch, searchReportText } from "../db/repos/report-search";
import {
  deleteReports,
  getReport,
  listMatches,
  listReports,
  reportVersions,
  reportWorkflowIds,
  type ReportFilter,
} from "../db/repos/reports";
import type { Db } from "../db/client";
import type { AttackTactic, Report as ReportRow } from "../db/schema";
import { badRequest, notFound } from "../errors";
import { takePage } from "../lib/collections";
import { workflowStub } from "../workflows/launch";
import {
  ISO_DATE,
  ISO_DATE_HINT,
  type DeletedReportT,
  type ReportHitT,
  type ReportSummaryT,
  type ReportT,
} from "./reports.schemas";

interface Summary {
  techniques?: number;
}

export function toReportSummary(r: ReportRow): ReportSummaryT {
  return {
    id: r.id,
    title: r.title,
    sourceType: r.sourceType,
    sourceUrl: r.sourceUrl,
    attackVersion: r.attackVersion,
    techniqueCount: (r.summary as Summary | null)?.techniques ?? 0,
    charCount: r.charCount,
    workflowId: r.workflowId,
    versionNumber: r.versionNumber,
    latest: r.latest,
    createdAt: r.createdAt,
  };
}

/** The tenant's report `id`, or a 404. */
export async function requireReport(db: Db, tenantId: string, id: string): Promise<ReportRow> {
  const report = await getReport(db, tenantId, id);
  if (!report) throw notFound(`no report ${id} for this tenant`);
  return report;
}

export async function readReport(db: Db, tenantId: string, id: string): Promise<ReportT> {
  // Matches and feedback are tenant-scoped: no need to wait for the report to read them.
  const [report, rows, verdicts] = await Promise.all([
    requireReport(db, tenantId, id),
    listMatches(db, tenantId, id),
    feedbackForReport(db, tenantId, id),
  ]);
  const verdictOf = new Map(verdicts.map((f) => [f.matchId, f.verdict]));
  // Deprecated and revoked techniques too: a report keeps them, flagged.
  const { known, byStix, shortnamesOf } = await techniqueTactics(
    db,
    report.attackVersion,
    rows.map((m) => m.techniqueId),
  );
  const names = new Map(known.map((t) => [t.attackId, t.name]));
  const techniques = rows.map((m) => ({
    id: m.techniqueId,
    name: names.get(m.techniqueId) ?? m.techniqueId,
    confidence: m.confidence,
    method: m.method,
    evidence: (m.evidence as { text: string; start: number; end: number }[] | null) ?? [
      { text: m.evidenceText, start: m.evidenceStart, end: m.evidenceEnd },
    ],
    ...(m.note ? { note: m.note } : {}),
    matchId: m.id,
    ...(verdictOf.has(m.id) ? { feedback: verdictOf.get(m.id) } : {}),
  }));
  // A rejected match is no finding: out of the tactics, still listed (with its feedback) to revisit.
  const found = techniques.filter((t) => t.feedback !== "reject");
  const foundIds = new Set(found.map((t) => t.id));
  const used = new Map<string, AttackTactic>();
  for (const t of known.filter((k) => foundIds.has(k.attackId)))
    for (const tactic of byStix.get(t.stixId) ?? []) used.set(tactic.stixId, tactic);
  const tactics = [...used.values()]
    // Matrix order (ordinals start at 1; a tactic outside the matrix first, as SQL sorts NULL).
    .sort(
      (a, b) => (a.ordinal ?? 0) - (b.ordinal ?? 0) || (a.attackId < b.attackId ? -1 : a.attackId > b.attackId ? 1 : 0),
    )
    .map((tactic) => ({
      id: tactic.attackId,
      shortname: tactic.shortname,
      name: tactic.name,
      techniques: found
        .filter((t) => (shortnamesOf.get(t.id) ?? []).includes(tactic.shortname))
        .map((t) => ({ id: t.id, name: t.name, confidence: t.confidence })),
    }));
  return {
    ...toReportSummary(report),
    contentHash: report.contentHash,
    rootReportId: report.rootReportId ?? report.id,
    previousReportId: report.previousReportId,
    changes: (report.changes as ReportT["changes"]) ?? null,
    techniques,
    tactics,
  };
}

/** Each technique's tactics in a read report (`name` or `shortname`), by technique id, in matrix order. */
export function tacticsByTechnique(
  report: Pick<ReportT, "tactics">,
  field: "name" | "shortname",
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const tactic of report.tactics)
    for (const t of tactic.techniques) out.set(t.id, [...(out.get(t.id) ?? []), tactic[field]]);
  return out;
}

/** Techniques `ids` under ATT&CK `version` with their tactics, and each one's tactic shortnames by id. */
async function techniqueTactics(db: Db, version: string, ids: string[]) {
  const known = await techniquesByAttackId(db, version, [...new Set(ids)]);
  const byStix = await tacticsOfTechniques(
    db,
    version,
    known.map((t) => t.stixId),
  );
  const shortnamesOf = new Map(known.map((t) => [t.attackId, (byStix.get(t.stixId) ?? []).map((x) => x.shortname)]));
  return { known, byStix, shortnamesOf };
}

/** The tactic shortnames of techniques `ids` under ATT&CK `version`, by technique id. */
export async function tacticShortnames(db: Db, version: string, ids: string[]): Promise<Map<string, string[]>> {
  return (await techniqueTactics(db, version, ids)).shortnamesOf;
}

/** Every version of the report `id` belongs to, oldest first, with what changed in each. */
export async function readReportVersions(db: Db, tenantId: string, id: string) {
  const report = await requireReport(db, tenantId, id);
  const rootReportId = report.rootReportId ?? report.id;
  const versions = await reportVersions(db, tenantId, rootReportId);
  return {
    rootReportId,
    versions: versions.map((v) => ({
      ...toReportSummary(v),
      previousReportId: v.previousReportId,
      changes: (v.changes as ReportT["changes"]) ?? null,
    })),
  };
}

/** A page of reports. `technique` and `since` as the caller gave them: checked and normalised here for REST and MCP. */
export async function listReportPage(
  db: Db,
  tenantId: string,
  query: ReportFilter,
): Promise<{ items: ReportSummaryT[]; last: ReportRow | null; hasMore: boolean }> {
  const technique = query.technique === undefined ? undefined : normalizeTechniqueId(query.technique);
  if (technique === null) throw badRequest(`'${query.technique}' is not an ATT&CK technique id`);
  if (query.since !== undefined && !ISO_DATE.test(query.since))
    throw badRequest(`'${query.since}' is not ${ISO_DATE_HINT}`);
  const rows = await listReports(db, tenantId, { ...query, technique });
  const { page, last, hasMore } = takePage(rows, query.limit);
  return { items: page.map(toReportSummary), last: last ?? null, hasMore };
}

/**
 * Deletes the report `id` with every version of it and all that was kept from them, then has the
 * workflows that made them forget their state too (it names the document's title and URL).
 */
export async function deleteReport(env: Env, db: Db, tenantId: string, id: string): Promise<DeletedReportT> {
  const report = await requireReport(db, tenantId, id);
  const versions = await reportVersions(db, tenantId, report.rootReportId ?? report.id);
  const ids = [...new Set([report.id, ...versions.map((v) => v.id)])];
  const workflowIds = await reportWorkflowIds(db, tenantId, ids);
  await deleteReports(db, tenantId, ids);
  // After the batch, best effort: the D1 rows are gone whatever a Durable Object answers.
  const forgotten = await Promise.allSettled(workflowIds.map((w) => workflowStub(env, w).forget()));
  for (const f of forgotten)
    if (f.status === "rejected") console.error(JSON.stringify({ reportDeleted: id, forgetFailed: String(f.reason) }));
  return { id, deletedVersions: ids };
}

/** A page of the tenant's reports whose text has every word of `q`, newest first. */
export async function searchReports(
  db: Db,
  tenantId: string,
  query: { q: string; limit: number; after?: { createdAt: string; id: string } },
): Promise<{ items: ReportHitT[]; last: ReportHitT | null; hasMore: boolean }> {
  const match = reportMatch(tenantId, query.q);
  if (!match) throw badRequest("the query has no word to search for: give letters or digits");
  const rows = await searchReportText(db, tenantId, { match, limit: query.limit, after: query.after });
  const { page, last, hasMore } = takePage(rows, query.limit);
  return { items: page, last: last ?? null, hasMore };
}
