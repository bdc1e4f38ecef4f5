/**
 * @module Paging for every list, REST and MCP alike: one page-size field with one default, and
 * opaque cursors (base64url JSON that callers hand back unchanged).
 */
import { z } from "@hono/zod-openapi";
import { badRequest } from "../errors";
import { fromBase64Url, toBase64Url } from "../lib/bytes";

export const DEFAULT_PAGE_SIZE = 25;

/** Page size: a number in MCP, a query string in REST (coerced); 25 when absent. */
export const LimitField = z.coerce.number().int().min(1).max(100).default(DEFAULT_PAGE_SIZE).describe("page size");

export const CursorField = z.string().max(512).describe("nextCursor of the previous page");

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

/** The keyset cursor of a list ordered by (createdAt, id), newest first: REST and MCP hand out the same. */
const CreatedCursor = z.object({ c: z.string(), i: z.string() });

export function afterCreated(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  const after = decodeCursor(cursor, CreatedCursor);
  return after && { createdAt: after.c, id: after.i };
}

export function nextCreatedCursor(hasMore: boolean, last: { createdAt: string; id: string } | null): string | null {
  return hasMore && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null;
}

/**
 * The offset cursor of a list in the ATT&CK catalogue. A version's rows never change, so an offset
 * is stable; the cursor pins the version so that pages never mix versions.
 */
const CatalogCursor = z.object({ v: z.string(), o: z.number().int().min(0) });

export function catalogPosition(cursor: string | undefined): { version?: string; offset: number } {
  const at = decodeCursor(cursor, CatalogCursor);
  return { version: at?.v, offset: at?.o ?? 0 };
}

export function catalogCursor(version: string, nextOffset: number | null): string | null {
  return nextOffset === null ? null : encodeCursor({ v: version, o: nextOffset });
}

/** A catalogue answer with its next offset turned into the cursor callers hand back. */
export function withCatalogCursor<T extends { attackVersion: string; nextOffset: number | null }>(
  page: T,
): Omit<T, "nextOffset"> & { nextCursor: string | null } {
  const { nextOffset, ...rest } = page;
  return { ...rest, nextCursor: catalogCursor(page.attackVersion, nextOffset) };
}

/** A technique with the cursor of the procedure examples it does not show. */
export function withProceduresCursor<
  T extends { attackVersion: string; procedureCount: number; procedureExamples: unknown[] },
>(t: T): T & { proceduresCursor: string | null } {
  const shown = t.procedureExamples.length;
  return { ...t, proceduresCursor: catalogCursor(t.attackVersion, t.procedureCount > shown ? shown : null) };
}
