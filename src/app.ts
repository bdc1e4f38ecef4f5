/**
 * @module The app, composed in one place: request id and database for every request, the REST API
 * (http/) and MCP (mcp/) side by side, and one error mapping for whatever escapes them. The
 * adapters never import each other; each applies the shared auth middleware to what it serves.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./api/context";
import { onError, onNotFound } from "./api/errors";
import { requireSaneJson } from "./api/json-body";
import { config } from "./config";
import { createDb } from "./db/client";
import { createRestApi } from "./http/rest";
import { createMcpEndpoint } from "./mcp/endpoint";

const withDb = createMiddleware<AppEnv>(async (c, next) => {
  // Parsed once per isolate: a bad setting answers every request with what is wrong (500 invalid_config).
  config(c.env);
  c.set("db", createDb(c.env.DB));
  await next();
});

export function createApp() {
  const app = new Hono<AppEnv>();
  app.use("*", requestId(), withDb, requireSaneJson);
  app.route("/", createRestApi());
  app.route("/mcp", createMcpEndpoint());
  app.onError(onError);
  app.notFound(onNotFound);
  return app;
}
