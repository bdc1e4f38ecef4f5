/**
 * @module The REST API: every route under /api/v1, /health and the OpenAPI document generated
 * from the routes' zod schemas. Routes that need a key live in a sub-app whose first middleware is
 * requireApiKey, so the AuthedEnv they are typed with is what the structure guarantees.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { requireApiKey } from "../api/auth";
import type { AppEnv, AuthedEnv } from "../api/context";
import { SERVICE_VERSION } from "../version";
import { auditMutations } from "./audit.middleware";
import { validationHook } from "./openapi";
import { accountRoutes } from "./routes/accounts.routes";
import { analysisRoutes } from "./routes/analyses.routes";
import { attackRoutes } from "./routes/attack.routes";
import { auditRoutes } from "./routes/audit.routes";
import { coverageAdminRoutes } from "./routes/coverage-admin.routes";
import { healthRoutes } from "./routes/health.routes";
import { keyRoutes } from "./routes/keys.routes";
import { refreshRoutes } from "./routes/refresh.routes";
import { reportRoutes } from "./routes/reports.routes";
import { exportRoutes } from "./routes/exports.routes";
import { threatGapRoutes } from "./routes/threat-gaps.routes";
import { webhookAdminRoutes, webhookDeliveryRoutes } from "./routes/webhooks.routes";

export function createRestApi() {
  const rest = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  rest.route("/", healthRoutes);
  // Mutations under /api are audited, whoever made them (a key, or a signed webhook delivery).
  rest.use("/api/*", auditMutations);
  // Webhook deliveries authenticate by their signature (in their handler), not by a bearer key.
  rest.route("/api/v1/webhooks/documents", webhookDeliveryRoutes);

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
  api.route("/", exportRoutes);
  api.route("/webhooks", webhookAdminRoutes);
  rest.route("/api/v1", api);

  rest.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "API key from `npm run -s key:create -- --tenant NAME` or POST /api/v1/keys",
  });
  rest.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "TTPscope",
      version: SERVICE_VERSION,
      description: "Map threat-intelligence reports to MITRE ATT&CK and track detection coverage. MCP at /mcp.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  return rest;
}
