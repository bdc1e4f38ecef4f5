/**
 * @module /api/v1/reports: the tenant's analysed reports.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { normalizeTechniqueId } from "../../attack/catalog";
import { badRequest } from "../../errors";
import { Report, ReportSummary } from "../../reports/schemas";
import { reportList, reportView } from "../../reports/views";
import { CursorParam, decodeCursor, encodeCursor, LimitParam } from "../pagination";
import { authErrors, bearer, errorContent, json, router } from "./common";

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Reports"],
  summary: "Reports, newest first, filtered by technique, date or source",
  security: bearer,
  request: {
    query: z.object({
      technique: z.string().max(20).optional().describe("ATT&CK id; a parent also finds its sub-techniques"),
      since: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z")
        .optional()
        .describe("reports created at or after this date"),
      source: z.string().max(200).optional().describe("url, text, html or pdf, or part of the source URL"),
      limit: LimitParam,
      cursor: CursorParam,
    }),
  },
  responses: { 200: json(z.object({ items: z.array(ReportSummary), nextCursor: z.string().nullable() }), "Reports"), ...authErrors },
});

const getRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Reports"],
  summary: "A report with its techniques (confidence, evidence) grouped by tactic",
  security: bearer,
  request: { params: z.object({ id: z.string().uuid().openapi({ param: { name: "id", in: "path" } }) }) },
  responses: { 200: json(Report, "The report"), ...authErrors, 404: errorContent("No such report for this tenant") },
});

const ReportCursor = z.object({ c: z.string(), i: z.string() });

export const reportRoutes = router()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const technique = q.technique === undefined ? undefined : normalizeTechniqueId(q.technique);
    if (technique === null) throw badRequest(`'${q.technique}' is not an ATT&CK technique id`);
    const after = decodeCursor(q.cursor, ReportCursor);
    const { items, last, hasMore } = await reportList(c.var.db, c.var.caller.tenantId, {
      technique,
      since: q.since,
      source: q.source,
      limit: q.limit,
      after: after && { createdAt: after.c, id: after.i },
    });
    return c.json({ items, nextCursor: hasMore && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null }, 200);
  })
  .openapi(getRoute, async (c) => c.json(await reportView(c.var.db, c.var.caller.tenantId, c.req.valid("param").id), 200));
