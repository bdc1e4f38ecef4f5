/**
 * @module The Hono app: middleware, routes, the OpenAPI document and error mapping.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import { createDb } from "../db/client";
import { mcpRoutes } from "../mcp/routes";
import { SERVICE_VERSION } from "../version";
import { onError, onNotFound, validationHook } from "./errors";
import { auditMutations } from "./middleware/audit";
import { requireApiKey } from "./middleware/auth";
import { accountRoutes } from "./routes/accounts.routes";
import { analysisRoutes } from "./routes/analyses.routes";
import { coverageAdminRoutes } from "./routes/coverage-admin.routes";
import { attackRoutes } from "./routes/attack.routes";
import { auditRoutes } from "./routes/audit.routes";
import { healthRoutes } from "./routes/health.routes";
import { keyRoutes } from "./routes/keys.routes";
import { refreshRoutes } from "./routes/refresh.routes";
import { reportRoutes } from "./routes/reports.routes";
import { threatGapRoutes } from "./routes/threat-gaps.routes";
import { webhookAdminRoutes, webhookDeliveryRoutes } from "./routes/webhooks.routes";
import type { AppEnv, AuthedEnv } from "./types";

const withDb = createMiddleware<AppEnv>(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  await next();
});

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestId(), withDb);
  app.route("/", healthRoutes);
  // Mutations under /api are audited, whoever made them (a key, or a signed webhook delivery).
  app.use("/api/*", auditMutations);
  // Webhook deliveries authenticate by their signature (in their handler), not by a bearer key.
  app.route("/api/v1/webhooks/documents", webhookDeliveryRoutes);

  // Everything else needs a key: the middleware belongs to the sub-app that holds these routes.
  const api = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });
  api.use("*", requireApiKey);
  api.route("/attack", attackRoutes);
  api.route("/attack", refreshRoutes);
  api.route("/keys", keyRoutes);
  api.route("/audit", auditRoutes);
  api.route("/", analysisRoutes);
  api.route("/reports", reportRoutes);
  api.route("/accounts", accountRoutes);
  api.route("/coverage", coverageAdminRoutes);
  api.route("/", threatGapRoutes);
  api.route("/webhooks", webhookAdminRoutes);
  app.route("/api/v1", api);

  const mcp = new Hono<AuthedEnv>();
  mcp.use("*", requireApiKey);
  mcp.route("/", mcpRoutes);
  app.route("/mcp", mcp);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "API key from `npm run -s key:create -- --tenant NAME` or POST /api/v1/keys",
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "TTPscope",
      version: SERVICE_VERSION,
      description: "Map threat-intelligence reports to MITRE ATT&CK and track detection coverage. MCP at /mcp.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));

  app.onError(onError);
  app.notFound(onNotFound);
  return app;
}
