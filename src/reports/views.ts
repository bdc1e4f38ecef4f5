/**
 * @module Reports and analyses as the API shows them, built from D1 rows (tenant-scoped).
 */
import { listTactics, tacticsOfAttackIds, getTechnique } from "../db/repos/attack";
import { feedbackForReport } from "../db/repos/feedback";
import { getReport, listMatches, listReports, reportVersions, type ReportFilter } from "../db/repos/reports";
import type { Db } from "../db/client";
import type { Report as ReportRow } from "../db/schema";
import { notFound } from "../errors";
import type { WorkflowView } from "../workflows/service";
import type { AnalysisStatusT, ReportSummaryT, ReportT } from "./schemas";

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

export async function reportView(db: Db, tenantId: string, id: string): Promise<ReportT> {
  const report = await getReport(db, tenantId, id);
  if (!report) throw notFound(`no report ${id} for this tenant`);
  const [rows, verdicts] = await Promise.all([listMatches(db, tenantId, id), feedbackForReport(db, tenantId, id)]);
  const verdictOf = new Map(verdicts.map((f) => [f.matchId, f.verdict]));
  const names = new Map<string, string>();
  await Promise.all(
    [...new Set(rows.map((m) => m.techniqueId))].map(async (tid) => {
      names.set(tid, (await getTechnique(db, report.attackVersion, tid))?.name ?? tid);
    }),
  );
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
  const tacticsOf = await tacticsOfAttackIds(db, report.attackVersion, techniques.map((t) => t.id));
  const order = await listTactics(db, report.attackVersion);
  const tactics = order
    .map((tactic) => ({
      id: tactic.attackId,
      shortname: tactic.shortname,
      name: tactic.name,
      techniques: techniques
        .filter((t) => (tacticsOf.get(t.id) ?? []).some((x) => x.shortname === tactic.shortname))
        .map((t) => ({ id: t.id, name: t.name, confidence: t.confidence })),
    }))
    .filter((t) => t.techniques.length > 0);
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

/** Every version of the report `id` belongs to, oldest first, with what changed in each. */
export async function reportVersionsView(db: Db, tenantId: string, id: string) {
  const report = await getReport(db, tenantId, id);
  if (!report) throw notFound(`no report ${id} for this tenant`);
  const rootReportId = report.rootReportId ?? report.id;
  const versions = await reportVersions(db, tenantId, rootReportId);
  return {
    rootReportId,
    versions: versions.map((v) => ({ ...toReportSummary(v), previousReportId: v.previousReportId, changes: (v.changes as ReportT["changes"]) ?? null })),
  };
}

export async function reportList(db: Db, tenantId: string, filter: ReportFilter): Promise<{ items: ReportSummaryT[]; last: ReportRow | null; hasMore: boolean }> {
  const rows = await listReports(db, tenantId, filter);
  const page = rows.slice(0, filter.limit);
  return { items: page.map(toReportSummary), last: page.at(-1) ?? null, hasMore: rows.length > filter.limit };
}

export function statusView({ workflow, steps }: WorkflowView): AnalysisStatusT {
  return {
    workflowId: workflow.id,
    status: workflow.status,
    progress: workflow.progress,
    currentStep: workflow.currentStep,
    error: workflow.error,
    reportId: workflow.reportId,
    createdAt: workflow.createdAt,
    startedAt: workflow.startedAt,
    completedAt: workflow.completedAt,
    steps: steps.map((s) => ({
      step: s.step,
      attempt: s.attempt,
      status: s.status,
      error: s.error,
      result: s.result ?? null,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.durationMs,
    })),
  };
}
