/**
 * @module /api/v1/audit: the tenant's audit log, newest first.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { CursorField, decodeCursor, encodeCursor, LimitField } from "../../api/paging";
import { AuditEntry } from "../../audit/audit.schemas";
import { listAuditPage } from "../../audit/audit.service";
import { authErrors, bearer, json, router } from "../openapi";

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Audit"],
  summary: "Mutating requests made with the tenant's keys",
  security: bearer,
  request: { query: z.object({ limit: LimitField, cursor: CursorField.optional() }) },
  responses: {
    200: json(z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }), "Audit entries"),
    ...authErrors,
  },
});

const AuditCursor = z.object({ before: z.number().int() });

export const auditRoutes = router().openapi(listRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const before = decodeCursor(cursor, AuditCursor)?.before;
  const { items, hasMore } = await listAuditPage(c.var.db, c.var.caller.tenantId, { limit, before });
  const last = items.at(-1);
  return c.json({ items, nextCursor: hasMore && last ? encodeCursor({ before: last.id }) : null }, 200);
});
