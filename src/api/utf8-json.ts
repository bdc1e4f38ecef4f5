/**
 * @module JSON bodies must be UTF-8 (RFC 8259 §8.1). Left to `Request.json()`, invalid bytes would
 * quietly become U+FFFD and reach storage as text the sender never wrote; this middleware checks the
 * bytes as they stream (nothing is buffered here, so the routes' body limits still apply first) and
 * fails the read with a 400.
 */
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";

const notUtf8 = () =>
  new AppError(400, "invalid_request", "the JSON body is not valid UTF-8: send JSON encoded as UTF-8 (RFC 8259)");

export const requireUtf8Json = createMiddleware(async (c, next) => {
  const body = c.req.raw.body;
  if (!body || !/^application\/json\b/i.test(c.req.header("content-type") ?? "")) return next();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const check = (bytes?: Uint8Array) => {
    try {
      decoder.decode(bytes, { stream: bytes !== undefined });
    } catch {
      throw notUtf8();
    }
  };
  const checked = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        check(chunk);
        controller.enqueue(chunk);
      },
      flush: () => check(),
    }),
  );
  c.req.raw = new Request(c.req.raw, { body: checked });
  await next();
});
