/**
 * @module Reports and their matches, always scoped to a tenant. A report, its matches, its
 * retained text, its search index and its workflow's completion are written in one D1 batch;
 * deleting a report removes all of it in one batch too.
 */
import { and, asc, desc, eq, gte, inArray, like, lt, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks } from "../../lib/collections";
import { runBatch, type Db } from "../client";
import { jsonValues, rowsPerStatement } from "../rows";
import {
  matches,
  matchFeedback,
  reportDocuments,
  reports,
  reportText,
  taskResults,
  workflows,
  type Match,
  type Report,
} from "../schema";

export type NewReport = typeof reports.$inferInsert;
export type NewMatch = Omit<typeof matches.$inferInsert, "reportId" | "tenantId">;

export async function findReportByHash(
  db: Db,
  tenantId: string,
  contentHash: string,
  attackVersion: string,
): Promise<Report | null> {
  const r = reports;
  return (
    (await db
      .select()
      .from(r)
      .where(
        and(
          eq(r.tenantId, tenantId),
          eq(r.contentHash, contentHash),
          eq(r.attackVersion, attackVersion),
          eq(r.status, "complete"),
        ),
      )
      .orderBy(desc(r.createdAt))
      .limit(1)
      .get()) ?? null
  );
}

export interface PersistReport {
  report: NewReport & { id: string; tenantId: string };
  matches: NewMatch[];
  /** Base64 chunks of the gzipped extracted text. */
  documentChunks: string[];
  /** The extracted text in plain chunks, for search (a new version takes over the previous one's). */
  textChunks: string[];
  /** Marks this workflow completed with the report, in the same batch. */
  workflowId?: string;
  /** The report this one is a new version of: no longer the latest, in the same batch. */
  supersedes?: string;
}

export async function persistReport(db: Db, p: PersistReport): Promise<void> {
  const { id, tenantId } = p.report;
  const statements: BatchItem<"sqlite">[] = [db.insert(reports).values(p.report)];
  for (const chunk of chunks(p.matches, rowsPerStatement(matches))) {
    statements.push(db.insert(matches).values(chunk.map((m) => ({ ...m, reportId: id, tenantId }))));
  }
  p.documentChunks.forEach((data, seq) =>
    statements.push(db.insert(reportDocuments).values({ reportId: id, tenantId, seq, data })),
  );
  p.textChunks.forEach((body, seq) =>
    statements.push(db.insert(reportText).values({ reportId: id, tenantId, seq, body })),
  );
  if (p.supersedes) {
    // Search sees the latest version only: the previous version's text leaves the index.
    statements.push(
      db.delete(reportText).where(and(eq(reportText.tenantId, tenantId), eq(reportText.reportId, p.supersedes))),
    );
    statements.push(
      db
        .update(reports)
        .set({ latest: false })
        .where(and(eq(reports.tenantId, tenantId), eq(reports.id, p.supersedes))),
    );
  }
  if (p.workflowId) {
    const now = new Date().toISOString();
    statements.push(
      db
        .update(workflows)
        .set({ status: "completed", progress: 1, reportId: id, currentStep: null, completedAt: now, updatedAt: now })
        .where(and(eq(workflows.id, p.workflowId), eq(workflows.tenantId, tenantId))),
    );
  }
  await runBatch(db, statements);
}

export async function getReport(db: Db, tenantId: string, id: string): Promise<Report | null> {
  return (
    (await db
      .select()
      .from(reports)
      .where(and(eq(reports.tenantId, tenantId), eq(reports.id, id)))
      .get()) ?? null
  );
}

export async function listMatches(db: Db, tenantId: string, reportId: string): Promise<Match[]> {
  return db
    .select()
    .from(matches)
    .where(and(eq(matches.tenantId, tenantId), eq(matches.reportId, reportId)))
    .orderBy(desc(matches.confidence), asc(matches.techniqueId));
}

/** The report's matches that count: every one but those an analyst rejected. */
export async function listCountedMatches(db: Db, tenantId: string, reportId: string): Promise<Match[]> {
  const rejected = db
    .select({ id: matchFeedback.matchId })
    .from(matchFeedback)
    .where(
      and(
        eq(matchFeedback.tenantId, tenantId),
        eq(matchFeedback.reportId, reportId),
        eq(matchFeedback.verdict, "reject"),
      ),
    );
  return db
    .select()
    .from(matches)
    .where(and(eq(matches.tenantId, tenantId), eq(matches.reportId, reportId), notInArray(matches.id, rejected)))
    .orderBy(desc(matches.confidence), asc(matches.techniqueId));
}

export interface ReportFilter {
  /** ATT&CK id; a parent also finds reports matching its sub-techniques. */
  technique?: string;
  /** ISO date or date-time: reports created at or after. */
  since?: string;
  /** How the document came (url, text, html, pdf). */
  kind?: Report["sourceType"];
  /** Part of the source URL. */
  sourceUrl?: string;
  /** Also earlier versions of re-evaluated reports (default: latest versions only). */
  allVersions?: boolean;
  limit: number;
  after?: { createdAt: string; id: string };
}

export async function listReports(db: Db, tenantId: string, f: ReportFilter): Promise<Report[]> {
  const r = reports;
  const where: SQL[] = [eq(r.tenantId, tenantId)];
  if (f.technique) {
    where.push(sql`EXISTS (SELECT 1 FROM ${matches} m WHERE m.report_id = ${r.id} AND m.tenant_id = ${tenantId}
      AND (m.technique_id = ${f.technique} OR m.technique_id LIKE ${`${f.technique}.%`}))`);
  }
  if (f.since) where.push(gte(r.createdAt, f.since));
  if (!f.allVersions) where.push(eq(r.latest, true));
  if (f.kind) where.push(eq(r.sourceType, f.kind));
  if (f.sourceUrl) where.push(like(r.sourceUrl, `%${f.sourceUrl.replace(/[%_\\]/g, "")}%`));
  if (f.after)
    where.push(
      or(lt(r.createdAt, f.after.createdAt), and(eq(r.createdAt, f.after.createdAt), lt(r.id, f.after.id))) as SQL,
    );
  return db
    .select()
    .from(r)
    .where(and(...where))
    .orderBy(desc(r.createdAt), desc(r.id))
    .limit(f.limit + 1);
}

/** Base64 chunks of a report's retained text, in order. */
export async function reportDocumentChunks(db: Db, tenantId: string, reportId: string): Promise<string[]> {
  const d = reportDocuments;
  const rows = await db
    .select({ data: d.data })
    .from(d)
    .where(and(eq(d.tenantId, tenantId), eq(d.reportId, reportId)))
    .orderBy(asc(d.seq));
  return rows.map((x) => x.data);
}

/**
 * Latest report versions not yet on ATT&CK `notVersion` that match one of `techniques` (or all),
 * by id after `after`: the reports an ATT&CK refresh re-evaluates. Deployment-wide by nature,
 * which the scope argument says.
 */
export async function reportsToReevaluate(
  db: Db,
  scope: "all-tenants",
  q: { notVersion: string; techniques: string[] | "all"; after?: string; limit: number },
): Promise<Pick<Report, "id" | "tenantId" | "attackVersion">[]> {
  void scope;
  const r = reports;
  const where: SQL[] = [eq(r.latest, true), eq(r.status, "complete"), sql`${r.attackVersion} <> ${q.notVersion}`];
  if (q.after) where.push(sql`${r.id} > ${q.after}`);
  if (q.techniques !== "all") {
    if (q.techniques.length === 0) return [];
    // json_each: one bound parameter for any number of technique ids.
    where.push(sql`EXISTS (SELECT 1 FROM ${matches} m WHERE m.report_id = ${r.id}
      AND m.technique_id IN ${jsonValues(q.techniques)})`);
  }
  return db
    .select({ id: r.id, tenantId: r.tenantId, attackVersion: r.attackVersion })
    .from(r)
    .where(and(...where))
    .orderBy(asc(r.id))
    .limit(q.limit);
}

/** Every version of a report, oldest first. */
export async function reportVersions(db: Db, tenantId: string, rootId: string): Promise<Report[]> {
  return db
    .select()
    .from(reports)
    .where(and(eq(reports.tenantId, tenantId), or(eq(reports.id, rootId), eq(reports.rootReportId, rootId))))
    .orderBy(asc(reports.versionNumber));
}

/** The latest version of the report whose first version is `rootId`. */
export async function latestVersion(db: Db, tenantId: string, rootId: string): Promise<Report | null> {
  const r = reports;
  return (
    (await db
      .select()
      .from(r)
      .where(and(eq(r.tenantId, tenantId), or(eq(r.id, rootId), eq(r.rootReportId, rootId)), eq(r.latest, true)))
      .get()) ?? null
  );
}

/** The analysis and re-evaluation workflows that produced, found or re-evaluated reports `ids`. */
function workflowsOf(tenantId: string, ids: string[]): SQL {
  const list = jsonValues(ids);
  return sql`(SELECT w.id FROM ${workflows} w WHERE w.tenant_id = ${tenantId} AND (w.report_id IN ${list}
    OR w.id IN (SELECT r.workflow_id FROM ${reports} r WHERE r.tenant_id = ${tenantId} AND r.id IN ${list})
    OR (w.type = 'reeval' AND json_extract(w.input, '$.reportId') IN ${list})))`;
}

/** Ids of the workflows `deleteReports` deletes with reports `ids`. */
export async function reportWorkflowIds(db: Db, tenantId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<{ id: string }>(sql`SELECT id FROM ${workflowsOf(tenantId, ids)}`);
  return rows.map((r) => r.id);
}

/**
 * Deletes reports `ids` of the tenant (every version of one report) and everything kept from them:
 * feedback, matches, retained text, the search index (by trigger), and the link from the analysis
 * workflows that produced them (those workflows' rows and steps go too: they name the document).
 */
export async function deleteReports(db: Db, tenantId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const list = jsonValues(ids);
  const theirWorkflows = workflowsOf(tenantId, ids);
  await runBatch(db, [
    db.delete(matchFeedback).where(and(eq(matchFeedback.tenantId, tenantId), inArray(matchFeedback.reportId, list))),
    db.delete(matches).where(and(eq(matches.tenantId, tenantId), inArray(matches.reportId, list))),
    db
      .delete(reportDocuments)
      .where(and(eq(reportDocuments.tenantId, tenantId), inArray(reportDocuments.reportId, list))),
    db.delete(reportText).where(and(eq(reportText.tenantId, tenantId), inArray(reportText.reportId, list))),
    db.delete(taskResults).where(inArray(taskResults.workflowId, theirWorkflows)),
    db.delete(workflows).where(and(eq(workflows.tenantId, tenantId), inArray(workflows.id, theirWorkflows))),
    db.delete(reports).where(and(eq(reports.tenantId, tenantId), inArray(reports.id, list))),
  ]);
}
