/**
 * @module /api/v1/attack/refresh: an operator starts an ATT&CK refresh (the newest release of the
 * release index, or a given bundle URL) and follows it.
 */
import { createRoute } from "@hono/zod-openapi";
import { toWorkflowStatus, WorkflowStarted, WorkflowStatus } from "../../workflows/workflow.schemas";
import { WorkflowIdField } from "../../analyses/analyses.schemas";
import { RefreshRequest } from "../../attack/attack.schemas";
import { readRefresh, startRefresh } from "../../attack/refresh.service";
import { requireRole } from "../../tenants/caller";
import { operatorErrors, bearer, errorContent, json, pathParams, router } from "../openapi";

const WorkflowParams = pathParams({ refreshId: WorkflowIdField });

const startRoute = createRoute({
  method: "post",
  path: "/refresh",
  tags: ["ATT&CK"],
  summary:
    "Refresh ATT&CK: load a newer release, compute the changes, carry the model, switch, re-evaluate reports (operator)",
  security: bearer,
  request: { body: { required: false, content: { "application/json": { schema: RefreshRequest } } } },
  responses: { 202: json(WorkflowStarted, "Started (or already running today)"), ...operatorErrors },
});

const statusRoute = createRoute({
  method: "get",
  path: "/refresh/{refreshId}",
  tags: ["ATT&CK"],
  summary: "Status and steps of an ATT&CK refresh (operator)",
  security: bearer,
  request: { params: WorkflowParams },
  responses: {
    200: json(WorkflowStatus, "The refresh workflow"),
    ...operatorErrors,
    404: errorContent("No such refresh"),
  },
});

export const refreshRoutes = router()
  .openapi(startRoute, async (c) => {
    requireRole(c.var.caller, "operator");
    const body = c.req.valid("json");
    return c.json(await startRefresh(c.env, c.var.db, { via: "rest", ...body }), 202);
  })
  .openapi(statusRoute, async (c) => {
    requireRole(c.var.caller, "operator");
    return c.json(toWorkflowStatus(await readRefresh(c.var.db, c.req.valid("param").refreshId)), 200);
  });
