/**
 * @module Opaque cursors for paginated lists: base64url JSON that callers hand back unchanged.
 */
import { z } from "@hono/zod-openapi";
import { badRequest } from "../errors";
import { fromBase64Url, toBase64Url } from "../lib/bytes";

export const LimitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(25)
  .describe("page size, 1–100")
  .openapi({ example: 25 });

export const CursorParam = z.string().max(512).optional().describe("`nextCursor` of the previous page");

export function encodeCursor(value: Record<string, string | number>): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(cursor))));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("invalid cursor: pass the nextCursor of a previous page unchanged");
}
