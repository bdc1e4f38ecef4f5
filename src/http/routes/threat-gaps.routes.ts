/**
 * @module What a threat means for an account: a report's (or an ATT&CK group's) techniques against
 * the account's detections, and the report as Navigator layers.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readReportGapLayer, readReportLayer } from "../../coverage/layers";
import { GroupRefField } from "../../attack/attack.schemas";
import { AccountIdField, Layer, ThreatGaps } from "../../coverage/coverage.schemas";
import { ReportIdField } from "../../reports/reports.schemas";
import { readGroupGaps, readReportGaps } from "../../coverage/threat-gaps";
import { authErrors, bearer, errorContent, json, pathParams, router } from "../openapi";

const AccountQuery = z.object({ account: AccountIdField.describe("the account to check the threat against") });
const ReportId = pathParams({ reportId: ReportIdField });

const reportGapsRoute = createRoute({
  method: "get",
  path: "/reports/{reportId}/gaps",
  tags: ["Coverage"],
  summary:
    "The report's techniques against an account: covering detections, or not covered with risk and NIST 800-53 controls",
  security: bearer,
  request: { params: ReportId, query: AccountQuery },
  responses: {
    200: json(
      ThreatGaps.extend({
        report: z.object({ id: z.string(), title: z.string().nullable(), attackVersion: z.string() }),
      }),
      "Gaps",
    ),
    ...authErrors,
    404: errorContent("No such report or account"),
  },
});

const groupGapsRoute = createRoute({
  method: "get",
  path: "/attack/groups/{groupId}/gaps",
  tags: ["Coverage"],
  summary: "An ATT&CK group's techniques against an account",
  security: bearer,
  request: {
    params: pathParams({ groupId: GroupRefField }),
    query: AccountQuery,
  },
  responses: {
    200: json(ThreatGaps.extend({ group: z.object({ id: z.string(), name: z.string() }) }), "Gaps"),
    ...authErrors,
    404: errorContent("No such group or account"),
  },
});

const reportLayerRoute = createRoute({
  method: "get",
  path: "/reports/{reportId}/layer",
  tags: ["Coverage"],
  summary:
    "The report's techniques as a Navigator layer (4.5); with ?account=, the report against the account (covered / not covered)",
  security: bearer,
  request: { params: ReportId, query: z.object({ account: AccountIdField.optional() }) },
  responses: { 200: json(Layer, "Layer"), ...authErrors, 404: errorContent("No such report or account") },
});

export const threatGapRoutes = router()
  .openapi(reportGapsRoute, async (c) =>
    c.json(
      await readReportGaps(
        c.var.db,
        c.var.caller.tenantId,
        c.req.valid("param").reportId,
        c.req.valid("query").account,
      ),
      200,
    ),
  )
  .openapi(groupGapsRoute, async (c) =>
    c.json(
      await readGroupGaps(c.var.db, c.var.caller.tenantId, c.req.valid("param").groupId, c.req.valid("query").account),
      200,
    ),
  )
  .openapi(reportLayerRoute, async (c) => {
    const { reportId } = c.req.valid("param");
    const { account } = c.req.valid("query");
    const { db, caller } = c.var;
    return c.json(
      account
        ? await readReportGapLayer(db, caller.tenantId, reportId, account)
        : await readReportLayer(db, caller.tenantId, reportId),
      200,
    );
  });
