/**
 * @module Audit of mutating requests: after the handler (or its error) has produced a response,
 * one row says who did what to which target and how it ended.
 */
import { routePath } from "hono/route";
import { createMiddleware } from "hono/factory";
import { recordAudit } from "../../db/repos/audit";
import type { AppEnv } from "../types";

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
    action: `${c.req.method} ${routePath(c, -1)}`,
    target: new URL(c.req.url).pathname,
    outcome: c.res.status < 400 ? "success" : "failure",
    status: c.res.status,
    requestId: c.get("requestId"),
  });
});
