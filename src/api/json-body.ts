/**
 * @module What every JSON body must be, checked as its bytes stream (nothing is buffered here, so
 * the routes' body limits still apply first), before `Request.json()` builds anything from it:
 * - UTF-8 (RFC 8259 §8.1): invalid bytes would otherwise quietly become U+FFFD and be stored;
 * - at most MAX_JSON_DEPTH deep and MAX_JSON_TOKENS values: a 27 MB body of small numbers parses to
 *   more than the Worker's 128 MB, though no route takes more than a few thousand values (a large
 *   body is one long string: a document).
 * A body past any of these fails its read with a 400 that says which.
 */
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../errors";
import { DRAIN_LIMIT_BYTES } from "./body-limits";
import { errorBody } from "./errors";

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_TOKENS = 200_000;

const refuse = (why: string) => new AppError(400, "invalid_request", `the JSON body ${why}`);

const [QUOTE, BACKSLASH, OPEN_OBJ, OPEN_ARR, CLOSE_OBJ, CLOSE_ARR, COMMA, COLON] = [
  0x22, 0x5c, 0x7b, 0x5b, 0x7d, 0x5d, 0x2c, 0x3a,
];

/** Counts nesting and separators outside strings, chunk by chunk; throws a 400 AppError past a limit. */
export function jsonShapeCheck() {
  let [inString, escaped, depth, tokens] = [false, false, 0, 0];
  return (chunk: Uint8Array) => {
    for (const byte of chunk) {
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_OBJ || byte === OPEN_ARR) {
        if (++depth > MAX_JSON_DEPTH) throw refuse(`is nested more than ${MAX_JSON_DEPTH} deep`);
      } else if (byte === CLOSE_OBJ || byte === CLOSE_ARR) depth--;
      else if (byte !== COMMA && byte !== COLON) continue;
      if (++tokens > MAX_JSON_TOKENS) throw refuse(`holds more than ${MAX_JSON_TOKENS.toLocaleString("en")} values`);
    }
  };
}

export const requireSaneJson = createMiddleware(async (c, next) => {
  const body = c.req.raw.body;
  if (!body || !/^application\/json\b/i.test(c.req.header("content-type") ?? "")) return next();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const utf8 = (bytes?: Uint8Array) => {
    try {
      decoder.decode(bytes, { stream: bytes !== undefined });
    } catch {
      throw refuse("is not valid UTF-8: send JSON encoded as UTF-8 (RFC 8259)");
    }
  };
  const shape = jsonShapeCheck();
  let refusal: AppError | undefined;
  let seen = 0;
  // A refused body is still read to its end (and dropped) before the read fails: answering with the
  // body half read breaks the connection it came on (see body-limits.ts); past DRAIN_LIMIT_BYTES it fails at once.
  const checked = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (refusal) {
          if (seen > DRAIN_LIMIT_BYTES) throw refusal;
          return;
        }
        try {
          utf8(chunk);
          shape(chunk);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          refusal = e;
          return;
        }
        controller.enqueue(chunk);
      },
      flush() {
        if (!refusal) {
          try {
            utf8();
          } catch (e) {
            refusal = e instanceof AppError ? e : undefined;
          }
        }
        if (refusal) throw refusal;
      },
    }),
  );
  c.req.raw = new Request(c.req.raw, { body: checked });
  await next();
  // Hono's JSON validator answers any failed read "Malformed JSON": say what was wrong instead.
  if (refusal && c.error instanceof HTTPException && c.error.status === 400) {
    c.res = c.json(errorBody(refusal.code, refusal.message), 400);
  }
});
