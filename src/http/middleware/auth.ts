/**
 * @module Bearer-key authentication. Sets `caller` (tenant and key) for everything after it.
 */
import { createMiddleware } from "hono/factory";
import { findActiveKey, touchApiKey } from "../../db/repos/tenants";
import { AppError } from "../../errors";
import { looksLikeApiKey } from "../../tenants/api-keys";
import type { AuthedEnv, Caller } from "../types";

/** last_used_at is rewritten at most this often per key, to keep reads from becoming writes. */
const TOUCH_INTERVAL_MS = 60_000;

const unauthorized = (message: string) => new AppError(401, "unauthorized", message);

/** Throws 403 unless the caller's key is an admin key. */
export function assertAdmin(caller: Caller): void {
  if (caller.role !== "admin")
    throw new AppError(
      403,
      "forbidden",
      "this operation needs an admin key (npm run -s key:create -- --tenant NAME --admin)",
    );
}

export const requireApiKey = createMiddleware<AuthedEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) {
    c.header("WWW-Authenticate", 'Bearer realm="ttpscope"');
    throw unauthorized(
      "missing API key: send 'Authorization: Bearer <key>' (create one with `npm run -s key:create -- --tenant NAME`)",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const key = match?.[1];
  if (!key) throw unauthorized("malformed Authorization header: expected 'Bearer <key>'");
  const found = looksLikeApiKey(key) ? await findActiveKey(c.var.db, key) : null;
  if (!found) {
    c.header("WWW-Authenticate", 'Bearer realm="ttpscope", error="invalid_token"');
    throw unauthorized("invalid or revoked API key");
  }
  const { apiKey, tenant } = found;
  c.set("caller", {
    tenantId: tenant.id,
    tenantName: tenant.name,
    keyId: apiKey.id,
    keyPrefix: apiKey.prefix,
    role: apiKey.role,
  });
  const now = new Date();
  if (!apiKey.lastUsedAt || now.getTime() - Date.parse(apiKey.lastUsedAt) > TOUCH_INTERVAL_MS) {
    c.executionCtx.waitUntil(touchApiKey(c.var.db, tenant.id, apiKey.id, now.toISOString()).catch(() => undefined));
  }
  await next();
});
