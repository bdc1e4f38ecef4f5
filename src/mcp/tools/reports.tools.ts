/**
 * @module MCP tools over stored reports' lifecycle: find them by their text, delete them. (Reading
 * and listing reports are with the analysis tools.)
 */
import { z } from "@hono/zod-openapi";
import { afterCreated, CursorField, LimitField, nextCreatedCursor } from "../../api/paging";
import { DeletedReport, ReportHit, ReportIdField, SearchQueryField } from "../../reports/reports.schemas";
import { deleteReport, searchReports } from "../../reports/reports.service";
import { defineTool, type Tool } from "../define-tool";

const searchReportsTool = defineTool({
  name: "search_reports",
  title: "Search reports by their text",
  group: "analysis",
  description: "The tenant's reports containing every word of the query, newest first, each with a snippet.",
  input: { query: SearchQueryField, limit: LimitField, cursor: CursorField.optional() },
  output: {
    items: z.array(ReportHit),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
  },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const page = await searchReports(db, caller.tenantId, {
      q: args.query,
      limit: args.limit,
      after: afterCreated(args.cursor),
    });
    return { items: page.items, hasMore: page.hasMore, nextCursor: nextCreatedCursor(page.hasMore, page.last) };
  },
});

const deleteReportTool = defineTool({
  name: "delete_report",
  title: "Delete a report",
  group: "analysis",
  description:
    "Deletes a report for good: every version, its matches, feedback, text, search index and the analyses that made it.",
  input: { report_id: ReportIdField },
  output: DeletedReport.shape,
  effect: { readOnly: false, destructive: true, idempotent: true, auditTarget: (args) => args.report_id },
  run: (args, { env, db, caller }) => deleteReport(env, db, caller.tenantId, args.report_id),
});

export const reportTools: Tool[] = [searchReportsTool, deleteReportTool];
