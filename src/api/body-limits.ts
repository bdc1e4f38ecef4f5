/**
 * @module Request body limits of the routes that take documents (REST, webhook, MCP).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { BlankEnv } from "hono/types";
import { AppError } from "../errors";
import { MAX_DOCUMENT_BYTES } from "../analyses/submission";

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/**
 * Refuses a body over `maxSize` bytes with `refuse()`'s error before it is read. Typed for no env
 * of its own, so a route that uses it keeps its router's env (Hono intersects the two).
 */
export const bodyLimitOf = (maxSize: number, refuse: () => AppError): MiddlewareHandler<BlankEnv> =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw refuse();
    },
  });

/** 413 over `maxSize`; the body's real size is unknown here, so the message names the limits rather than the size. */
export const documentBodyLimitOf = (maxSize: number, hint = `a document is at most ${mb(MAX_DOCUMENT_BYTES)}`) =>
  bodyLimitOf(
    maxSize,
    () => new AppError(413, "document_too_large", `the request body is over ${mb(maxSize)}: ${hint}`),
  );

/** 28 MB: base64 (or JSON escaping) makes a 20 MB document about 27 MB of JSON. */
export const DOCUMENT_BODY_BYTES = Math.ceil(MAX_DOCUMENT_BYTES * 1.4);

/** For bodies that carry one document of up to MAX_DOCUMENT_BYTES. */
export const documentBodyLimit = documentBodyLimitOf(DOCUMENT_BODY_BYTES);
