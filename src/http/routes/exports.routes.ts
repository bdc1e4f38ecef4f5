/**
 * @module Exports other tools read: a report as a STIX 2.1 bundle, a report's techniques and an
 * account's gaps as CSV. (The Navigator layers live with the gaps, threat-gaps.routes.ts.)
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AccountIdField, GapStatusField } from "../../coverage/coverage.schemas";
import { readGapsCsv } from "../../coverage/gap-export";
import { CSV_MEDIA_TYPE } from "../../lib/csv";
import { readReportTechniquesCsv } from "../../reports/csv-export";
import { ReportIdField } from "../../reports/reports.schemas";
import { readReportStix, STIX_MEDIA_TYPE } from "../../reports/stix-export";
import { authErrors, bearer, errorContent, pathParams, router } from "../openapi";

const STIX_TYPE = STIX_MEDIA_TYPE;
const CSV_TYPE = CSV_MEDIA_TYPE;
const csv = (description: string) => ({ description, content: { "text/csv": { schema: z.string() } } });

const StixBundle = z
  .object({ type: z.literal("bundle"), id: z.string(), objects: z.array(z.record(z.string(), z.unknown())) })
  .openapi("StixBundle");

const stixRoute = createRoute({
  method: "get",
  path: "/reports/{reportId}/stix",
  tags: ["Reports"],
  summary:
    "The report as a STIX 2.1 bundle: TTPscope's identity, the report, an attack-pattern per technique (ATT&CK reference), evidence as notes; the same ids on every export",
  security: bearer,
  request: { params: pathParams({ reportId: ReportIdField }) },
  responses: {
    200: { description: "The bundle", content: { [STIX_TYPE]: { schema: StixBundle } } },
    ...authErrors,
    404: errorContent("No such report for this tenant"),
  },
});

const techniquesCsvRoute = createRoute({
  method: "get",
  path: "/reports/{reportId}/techniques.csv",
  tags: ["Reports"],
  summary:
    "The report's techniques as CSV (id, name, tactics, confidence, method, feedback, evidence); rejected matches left out",
  security: bearer,
  request: { params: pathParams({ reportId: ReportIdField }) },
  responses: { 200: csv("CSV with a header row"), ...authErrors, 404: errorContent("No such report for this tenant") },
});

const gapsCsvRoute = createRoute({
  method: "get",
  path: "/accounts/{accountId}/gaps.csv",
  tags: ["Coverage"],
  summary: "Every gap of the account as CSV, riskiest first (open and acknowledged unless ?status= says otherwise)",
  security: bearer,
  request: {
    params: pathParams({ accountId: AccountIdField }),
    query: z.object({ status: GapStatusField.optional() }),
  },
  responses: { 200: csv("CSV with a header row"), ...authErrors, 404: errorContent("No such account for this tenant") },
});

export const exportRoutes = router()
  .openapi(stixRoute, async (c) => {
    const bundle = await readReportStix(c.var.db, c.var.caller.tenantId, c.req.valid("param").reportId);
    return c.json(bundle, 200, { "content-type": STIX_TYPE });
  })
  .openapi(techniquesCsvRoute, async (c) => {
    const text = await readReportTechniquesCsv(c.var.db, c.var.caller.tenantId, c.req.valid("param").reportId);
    return c.body(text, 200, { "content-type": CSV_TYPE });
  })
  .openapi(gapsCsvRoute, async (c) => {
    const { accountId } = c.req.valid("param");
    const text = await readGapsCsv(c.var.db, c.var.caller.tenantId, accountId, c.req.valid("query").status);
    return c.body(text, 200, { "content-type": CSV_TYPE });
  });
