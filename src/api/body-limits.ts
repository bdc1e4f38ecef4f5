/**
 * @module Request body limits of the routes that take documents (REST, webhook, MCP).
 */
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { BlankEnv } from "hono/types";
import { AppError } from "../errors";
import { concatBytes } from "../lib/bytes";
import { MAX_DOCUMENT_BYTES } from "../analyses/submission";

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/**
 * How much of a refused streamed body is read and thrown away before it is cancelled instead: the
 * request-body limit of Cloudflare's smallest plan, so a body the edge lets through is drained.
 */
export const DRAIN_LIMIT_BYTES = 100 * 1024 * 1024;

/**
 * Refuses a body over `maxSize` bytes with `refuse()`'s error. Typed for no env of its own, so a
 * route that uses it keeps its router's env (Hono intersects the two).
 *
 * A body with a Content-Length is judged by it, unread. A streamed (chunked) body is read up to
 * `maxSize` and handed on as bytes; past that, the rest is read and dropped before the 413 leaves.
 * Not hono's bodyLimit: it stops reading and answers with the body half read and locked. Under
 * `wrangler dev` that leaves the proxy's pooled connection to the Worker broken, so the next request
 * it forwards fails ("Network connection lost"): a GET waits in the proxy's retry queue until
 * another request comes (seen: 60 s, 300 s), a POST gets 503 "Your worker restarted mid-request".
 * Cancelling the body breaks it the same way; an untouched body, or one read to its end, does not.
 */
export const bodyLimitOf = (maxSize: number, refuse: () => AppError): MiddlewareHandler<BlankEnv> =>
  createMiddleware<BlankEnv>(async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) > maxSize) throw refuse();
      return next();
    }
    const bytes = await readAtMost(raw.body as ReadableStream<Uint8Array>, maxSize);
    if (!bytes) throw refuse();
    c.req.raw = new Request(raw, { body: bytes });
    return next();
  });

/** The stream's bytes, or null when it is longer than `maxSize` (then read to its end and dropped). */
async function readAtMost(body: ReadableStream<Uint8Array>, maxSize: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(chunks);
    size += value.byteLength;
    if (size > maxSize) {
      chunks.length = 0; // what was read is garbage now, not kept while the rest drains
      await discardRest(reader, size);
      return null;
    }
    chunks.push(value);
  }
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, seen: number): Promise<void> {
  try {
    while (seen <= DRAIN_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
    }
    await reader.cancel("request body over its limit");
  } catch {
    // The client went away mid-body: the 413 is for nobody, nothing else to do.
  }
}

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
