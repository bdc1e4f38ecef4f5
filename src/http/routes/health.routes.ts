/**
 * @module GET /health: liveness and the ATT&CK version served. No key needed.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { activeVersion } from "../../attack/catalog.service";
import { json, publicRouter } from "../openapi";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Service"],
  summary: "Liveness and the active ATT&CK version",
  responses: {
    200: json(
      z.object({
        status: z.literal("ok"),
        attackVersion: z.string().nullable().describe("null until ATT&CK is loaded"),
      }),
      "The service answers",
    ),
  },
});

export const healthRoutes = publicRouter().openapi(healthRoute, async (c) => {
  return c.json({ status: "ok" as const, attackVersion: await activeVersion(c.var.db) }, 200);
});
