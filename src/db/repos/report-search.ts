/**
 * @module Full-text search over the tenant's reports (FTS5 over report_text, the latest versions'
 * text in chunks): one hit per report, newest first, with a snippet of its best-matching chunk.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { reports, reportText, type Report } from "../schema";
import { ftsQuery } from "./attack-search";

export interface ReportHit {
  id: string;
  title: string | null;
  sourceType: Report["sourceType"];
  sourceUrl: string | null;
  createdAt: string;
  snippet: string;
}

/** Words of a snippet around the hit (FTS5 allows at most 64). */
const SNIPPET_TOKENS = 16;

/**
 * The MATCH expression for `q` within the tenant: the user's words quoted (so FTS syntax in them is
 * inert) and held to the text column; null when `q` has no word to search for.
 */
export function reportMatch(tenantId: string, q: string): string | null {
  const words = ftsQuery(q, "all");
  return words && `tenant_id : "${tenantId.replaceAll('"', '""')}" AND body : (${words})`;
}

/** Up to `limit + 1` hits (so the caller can tell whether another page exists). */
export async function searchReportText(
  db: Db,
  tenantId: string,
  query: { match: string; limit: number; after?: { createdAt: string; id: string } },
): Promise<ReportHit[]> {
  const r = reports;
  const after: SQL = query.after
    ? sql`AND (${r.createdAt} < ${query.after.createdAt} OR (${r.createdAt} = ${query.after.createdAt} AND ${r.id} < ${query.after.id}))`
    : sql``;
  // MATERIALIZED: snippet() and bm25() must run in the FTS scan itself, not in the grouping above it.
  return db.all<ReportHit>(sql`WITH hits AS MATERIALIZED (
      SELECT c.report_id AS report_id, bm25(report_text_fts) AS score,
        snippet(report_text_fts, 1, '**', '**', '…', ${sql.raw(String(SNIPPET_TOKENS))}) AS snippet
      FROM report_text_fts JOIN ${reportText} c ON c.id = report_text_fts.rowid
      WHERE report_text_fts MATCH ${query.match} AND c.tenant_id = ${tenantId}
    ), best AS (SELECT report_id, min(score) AS score, snippet FROM hits GROUP BY report_id)
    SELECT ${r.id} AS id, ${r.title} AS title, ${r.sourceType} AS sourceType, ${r.sourceUrl} AS sourceUrl,
      ${r.createdAt} AS createdAt, best.snippet AS snippet
    FROM best JOIN ${r} ON ${r.id} = best.report_id
    WHERE ${r.tenantId} = ${tenantId} ${after}
    ORDER BY ${r.createdAt} DESC, ${r.id} DESC
    LIMIT ${query.limit + 1}`);
}
