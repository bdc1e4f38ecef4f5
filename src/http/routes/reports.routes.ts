/**
 * @module /api/v1/reports: the tenant's analysed reports.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { afterCreated, CursorField, LimitField, nextCreatedCursor } from "../../api/paging";
import { submitFeedback } from "../../reports/feedback.service";
import { addTechnique } from "../../reports/manual-techniques.service";
import {
  AddedTechnique,
  AddTechniqueInput,
  ALL_VERSIONS,
  DeletedReport,
  Feedback,
  FeedbackInput,
  MatchIdField,
  Report,
  ReportChanges,
  ReportHit,
  ReportIdField,
  ReportSummary,
  SearchQueryField,
  SinceField,
  KindFilterField,
  SourceUrlFilterField,
  TechniqueFilterField,
} from "../../reports/reports.schemas";
import {
  deleteReport,
  listReportPage,
  readReport,
  readReportVersions,
  searchReports,
} from "../../reports/reports.service";
import { authErrors, bearer, boolQuery, errorContent, json, pathParams, router } from "../openapi";

const ReportParams = pathParams({ reportId: ReportIdField });

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Reports"],
  summary: "Reports, newest first, filtered by technique, date, kind or source URL",
  security: bearer,
  request: {
    query: z.object({
      technique: TechniqueFilterField.optional(),
      since: SinceField.optional(),
      kind: KindFilterField.optional(),
      sourceUrl: SourceUrlFilterField.optional(),
      allVersions: boolQuery(ALL_VERSIONS),
      limit: LimitField,
      cursor: CursorField.optional(),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(ReportSummary), nextCursor: z.string().nullable() }), "Reports"),
    ...authErrors,
  },
});

const searchRoute = createRoute({
  method: "get",
  path: "/search",
  tags: ["Reports"],
  summary: "Reports whose text has every word of q (latest versions), newest first, each with a snippet of the hit",
  security: bearer,
  request: { query: z.object({ q: SearchQueryField, limit: LimitField, cursor: CursorField.optional() }) },
  responses: {
    200: json(
      z.object({ items: z.array(ReportHit), hasMore: z.boolean(), nextCursor: z.string().nullable() }),
      "Matching reports",
    ),
    ...authErrors,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/{reportId}",
  tags: ["Reports"],
  summary:
    "Delete a report: every version, its matches, feedback, retained text, search index and the analyses that made it",
  security: bearer,
  request: { params: ReportParams },
  responses: {
    200: json(DeletedReport, "Deleted"),
    ...authErrors,
    404: errorContent("No such report for this tenant"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/{reportId}",
  tags: ["Reports"],
  summary: "A report with its techniques (confidence, evidence) grouped by tactic",
  security: bearer,
  request: { params: ReportParams },
  responses: { 200: json(Report, "The report"), ...authErrors, 404: errorContent("No such report for this tenant") },
});

const feedbackRoute = createRoute({
  method: "post",
  path: "/{reportId}/matches/{matchId}/feedback",
  tags: ["Reports"],
  summary: "Accept or reject a match (optionally with the right technique); the model learns from it at its next build",
  security: bearer,
  request: {
    params: pathParams({ reportId: ReportIdField, matchId: MatchIdField }),
    body: { required: true, content: { "application/json": { schema: FeedbackInput } } },
  },
  responses: {
    201: json(Feedback, "Recorded (a new verdict on the same match replaces the previous one)"),
    ...authErrors,
    404: errorContent("No such report or match for this tenant"),
    422: errorContent("The corrected technique is not an active technique"),
  },
});

const addTechniqueRoute = createRoute({
  method: "post",
  path: "/{reportId}/techniques",
  tags: ["Reports"],
  summary:
    "Add a technique the analysis missed, with the report's text that shows it (method manual); the model learns from it at its next build",
  security: bearer,
  request: {
    params: ReportParams,
    body: { required: true, content: { "application/json": { schema: AddTechniqueInput } } },
  },
  responses: {
    201: json(AddedTechnique, "Added to the report's latest version"),
    ...authErrors,
    400: errorContent(
      "Not an active technique of the report's ATT&CK version, or the evidence is not in the report's text",
    ),
    404: errorContent("No such report for this tenant"),
    409: errorContent("The report already has the technique: give feedback on that match instead"),
  },
});

const versionsRoute = createRoute({
  method: "get",
  path: "/{reportId}/versions",
  tags: ["Reports"],
  summary: "Every version of a report (one per ATT&CK release it was evaluated under), with what changed",
  security: bearer,
  request: { params: ReportParams },
  responses: {
    200: json(
      z.object({
        rootReportId: z.string(),
        versions: z.array(
          ReportSummary.extend({ previousReportId: z.string().nullable(), changes: ReportChanges.nullable() }),
        ),
      }),
      "Versions, oldest first",
    ),
    ...authErrors,
    404: errorContent("No such report for this tenant"),
  },
});

export const reportRoutes = router()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const { items, last, hasMore } = await listReportPage(c.var.db, c.var.caller.tenantId, {
      technique: q.technique,
      since: q.since,
      kind: q.kind,
      sourceUrl: q.sourceUrl,
      allVersions: q.allVersions,
      limit: q.limit,
      after: afterCreated(q.cursor),
    });
    return c.json({ items, nextCursor: nextCreatedCursor(hasMore, last) }, 200);
  })
  // Before /{reportId}, which would take "search" for an id.
  .openapi(searchRoute, async (c) => {
    const { q, limit, cursor } = c.req.valid("query");
    const page = await searchReports(c.var.db, c.var.caller.tenantId, { q, limit, after: afterCreated(cursor) });
    return c.json(
      { items: page.items, hasMore: page.hasMore, nextCursor: nextCreatedCursor(page.hasMore, page.last) },
      200,
    );
  })
  .openapi(getRoute, async (c) =>
    c.json(await readReport(c.var.db, c.var.caller.tenantId, c.req.valid("param").reportId), 200),
  )
  .openapi(deleteRoute, async (c) =>
    c.json(await deleteReport(c.env, c.var.db, c.var.caller.tenantId, c.req.valid("param").reportId), 200),
  )
  .openapi(versionsRoute, async (c) =>
    c.json(await readReportVersions(c.var.db, c.var.caller.tenantId, c.req.valid("param").reportId), 200),
  )
  .openapi(addTechniqueRoute, async (c) =>
    c.json(await addTechnique(c.var.db, c.var.caller, c.req.valid("param").reportId, c.req.valid("json")), 201),
  )
  .openapi(feedbackRoute, async (c) => {
    const { reportId: id, matchId } = c.req.valid("param");
    return c.json(await submitFeedback(c.var.db, c.var.caller, id, matchId, c.req.valid("json")), 201);
  });
