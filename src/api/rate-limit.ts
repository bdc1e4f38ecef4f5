/**
 * @module Per-key request limits through the Workers Rate Limiting binding (`[[ratelimits]]` in
 * wrangler.toml). Two limiters: `api` counts every authenticated request (REST and MCP, in
 * requireApiKey), `analysis` also counts each request that starts an analysis (REST analyze and
 * analyses, MCP tools marked for it, signed webhook deliveries per tenant). The binding answers only
 * `{success}`, so Retry-After is the configured period (RATE_LIMIT_PERIOD_S).
 */
import { createMiddleware } from "hono/factory";
import { config } from "../config";
import { AppError } from "../errors";
import type { AuthedEnv } from "./context";

export type RateLimitClass = "api" | "analysis";

const BINDING = { api: "API_RATE_LIMIT", analysis: "ANALYSIS_RATE_LIMIT" } as const;

const WHAT: Record<RateLimitClass, string> = {
  api: "requests",
  analysis: "analyses",
};

/** Counts one request of `key` against the class's limit; 429 with Retry-After once it is spent. */
export async function checkRateLimit(env: Env, cls: RateLimitClass, key: string): Promise<void> {
  const { success } = await env[BINDING[cls]].limit({ key: `${cls}:${key}` });
  if (success) return;
  const retryAfterS = config(env).RATE_LIMIT_PERIOD_S;
  throw new AppError(
    429,
    "rate_limited",
    `this key has sent more ${WHAT[cls]} than its limit allows: retry after ${retryAfterS} s (limits are per key; see the README)`,
    { retryable: true, retryAfterS },
  );
}

/** Route middleware: the request starts an analysis, so it also counts against the key's analysis limit. */
export const analysisRateLimit = createMiddleware<AuthedEnv>(async (c, next) => {
  await checkRateLimit(c.env, "analysis", c.var.caller.keyId);
  await next();
});
