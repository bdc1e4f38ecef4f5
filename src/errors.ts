/**
 * @module The one error type the app throws on purpose. `message` is safe to show to a caller;
 * `internal` is logged and never sent.
 */
import type { ZodError } from "zod";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export interface AppErrorOptions {
  /** Detail for the logs only. */
  internal?: string;
  /** A later attempt may succeed (network trouble, upstream 5xx, rate limits): workflows retry these. */
  retryable?: boolean;
  /** Seconds after which a retry may succeed: adapters send it as `Retry-After`. */
  retryAfterS?: number;
}

export class AppError extends Error {
  readonly internal?: string;
  readonly retryable: boolean;
  readonly retryAfterS?: number;

  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = "AppError";
    this.internal = options.internal;
    this.retryable = options.retryable ?? false;
    this.retryAfterS = options.retryAfterS;
  }
}

export const badRequest = (message: string) => new AppError(400, "bad_request", message);
export const notFound = (message: string) => new AppError(404, "not_found", message);

/** Message of any thrown value, for logs ("false" is what `e instanceof Error && e.message` prints). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === "string" ? e : JSON.stringify(e);
}

/** "query.limit: Too big: expected number to be <=100; …" from a zod error. */
export function describeZodError(error: ZodError, where?: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = [where, ...i.path.map(String)].filter(Boolean).join(".");
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}
