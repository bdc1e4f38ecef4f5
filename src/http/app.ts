/**
 * @module The Hono app: middleware, routes, the OpenAPI document and error mapping.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { except } from "hono/combine";
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
import type { AppEnv } from "./types";

const withDb = createMiddleware<AppEnv>(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  await next();
});

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestId(), withDb);

  app.route("/", healthRoutes);
  // Webhook deliveries authenticate by signature (in their handler), not by bearer key; still audited.
  app.use("/api/*", except("/api/v1/webhooks/documents", requireApiKey), auditMutations);
  app.use("/mcp", requireApiKey);
  app.route("/api/v1/attack", attackRoutes);
  app.route("/api/v1/attack", refreshRoutes);
  app.route("/api/v1/keys", keyRoutes);
  app.route("/api/v1/audit", auditRoutes);
  app.route("/api/v1", analysisRoutes);
  app.route("/api/v1/reports", reportRoutes);
  app.route("/api/v1/accounts", accountRoutes);
  app.route("/api/v1/coverage", coverageAdminRoutes);
  app.route("/api/v1", threatGapRoutes);
  app.route("/api/v1/webhooks/documents", webhookDeliveryRoutes);
  app.route("/api/v1/webhooks", webhookAdminRoutes);
  app.route("/mcp", mcpRoutes);

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
