/**
 * @module Bearer-key authentication for every adapter (REST under /api, MCP at /mcp): sets
 * `caller` for everything after it, or answers 401 with its challenge.
 */
import { checkRateLimit } from "./rate-limit";
import { createMiddleware } from "hono/factory";
import { authenticate, Unauthenticated } from "../tenants/authenticate";
import type { AuthedEnv } from "./context";

export const requireApiKey = createMiddleware<AuthedEnv>(async (c, next) => {
  let authenticated;
  try {
    authenticated = await authenticate(c.var.db, c.req.header("authorization"));
  } catch (e) {
    if (e instanceof Unauthenticated) c.header("WWW-Authenticate", e.challenge);
    throw e;
  }
  c.set("caller", authenticated.caller);
  const { touch } = authenticated;
  if (touch) c.executionCtx.waitUntil(touch().catch(() => undefined));
  // Every authenticated request, REST or MCP, counts against its key's limit.
  await checkRateLimit(c.env, "api", authenticated.caller.keyId);
  await next();
});
