/**
 * @module Error responses: every error leaves as `{ error: { code, message } }`. Known errors keep
 * their status and message; anything else is logged with its detail and answered with a generic 500.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, describeError } from "../errors";

import type { AppEnv } from "./context";

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Codes for errors Hono itself raises (malformed JSON, unsupported media type, body limits). */
const HTTP_CODES: Partial<Record<number, string>> = {
  400: "invalid_request",
  401: "unauthorized",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) {
    if (err.internal)
      console.warn(JSON.stringify({ requestId: c.get("requestId"), code: err.code, internal: err.internal }));
    if (err.retryAfterS !== undefined) c.header("Retry-After", String(err.retryAfterS));
    return c.json(errorBody(err.code, err.message), err.status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = HTTP_CODES[status] ?? "http_error";
    return c.json(errorBody(code, err.message || "request failed"), status);
  }
  console.error(
    JSON.stringify({
      requestId: c.get("requestId"),
      error: describeError(err),
      stack: err instanceof Error ? err.stack : undefined,
    }),
  );
  return c.json(errorBody("internal_error", `internal error (request ${c.get("requestId") ?? "unknown"})`), 500);
};

export const onNotFound: NotFoundHandler<AppEnv> = (c: Context<AppEnv>) =>
  c.json(errorBody("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
