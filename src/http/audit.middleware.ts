/**
 * @module Audit of mutating requests: after the handler (or its error) has produced a response,
 * one row says who did what to which target and how it ended.
 */
import { matchedRoutes } from "hono/route";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { recordAudit } from "../audit/audit.service";
import type { AppEnv } from "../api/context";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export const auditMutations = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!MUTATING.has(c.req.method)) return;
  const caller = c.get("caller");
  // Requests refused before authentication belong to no tenant and are not audited.
  if (!caller) return;
  await recordAudit(c.var.db, {
    tenantId: caller.tenantId,
    keyPrefix: caller.keyPrefix,
    action: `${c.req.method} ${handlerPath(c)}`,
    target: new URL(c.req.url).pathname,
    outcome: c.res.status < 400 ? "success" : "failure",
    status: c.res.status,
    requestId: c.get("requestId"),
  });
});

/** The path pattern of the route that answered: the last matched one that is not a middleware (`use` is method ALL). */
function handlerPath(c: Context): string {
  const handler = matchedRoutes(c)
    .filter((r) => r.method !== "ALL")
    .at(-1);
  return handler?.path ?? new URL(c.req.url).pathname;
}
