/**
 * @module /api/v1/coverage: recompute coverage a page of accounts per call (a call stays well inside
 * a Worker's time): the tenant's accounts for its admin, every tenant's for an operator; and the
 * operator's catalogue of deprecated APIs.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { DeprecationInput } from "../../coverage/coverage.schemas";
import { addDeprecation } from "../../coverage/deprecations.service";
import { recomputeAll } from "../../coverage/recompute";
import { requireRole } from "../../tenants/caller";
import { adminErrors, bearer, json, operatorErrors, router } from "../openapi";

const recomputeRoute = createRoute({
  method: "post",
  path: "/recompute",
  tags: ["Coverage"],
  summary:
    "Recompute coverage for a page of the tenant's accounts (admin), or of every tenant's with allTenants (operator); call again with `after` until `next` is null",
  security: bearer,
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({
            after: z.string().optional().describe("the `next` of the previous call"),
            limit: z.number().int().min(1).max(200).optional().describe("accounts per call, default 50"),
            allTenants: z.boolean().optional().describe("every tenant's accounts: an operator key only"),
          }),
        },
      },
    },
  },
  responses: {
    200: json(z.object({ recomputed: z.number().int(), next: z.string().nullable() }), "Done for this page"),
    ...adminErrors,
  },
});

const deprecationRoute = createRoute({
  method: "post",
  path: "/deprecations",
  tags: ["Coverage"],
  summary:
    "Record a deprecated API, event or field (operator): detections that use it become degraded, or broken after the removal date",
  security: bearer,
  request: { body: { required: true, content: { "application/json": { schema: DeprecationInput } } } },
  responses: {
    201: json(
      z.object({ id: z.string(), apiName: z.string(), impactedDetections: z.number().int(), impact: z.string() }),
      "Recorded, with how many detections it affects",
    ),
    ...operatorErrors,
  },
});

export const coverageAdminRoutes = router()
  .openapi(deprecationRoute, async (c) => {
    requireRole(c.var.caller, "operator");
    return c.json(await addDeprecation(c.var.db, c.req.valid("json")), 201);
  })
  .openapi(recomputeRoute, async (c) => {
    requireRole(c.var.caller, "admin");
    const { after, limit = 50, allTenants = false } = c.req.valid("json");
    if (allTenants) requireRole(c.var.caller, "operator");
    const scope = allTenants ? "all-tenants" : { tenantId: c.var.caller.tenantId };
    return c.json(await recomputeAll(c.var.db, scope, { after, limit }), 200);
  });
