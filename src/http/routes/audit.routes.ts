/**
 * @module /api/v1/audit: the tenant's audit log, newest first.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { listAudit } from "../../db/repos/audit";
import { AUDIT_OUTCOMES } from "../../db/schema";
import { takePage } from "../../lib/collections";
import { CursorField, decodeCursor, encodeCursor, LimitField } from "../../api/paging";
import { authErrors, bearer, json, router } from "../openapi";

const AuditEntry = z
  .object({
    id: z.number().int(),
    keyPrefix: z.string().nullable(),
    action: z.string().openapi({ example: "DELETE /api/v1/keys/:id" }),
    target: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    status: z.number().int().nullable(),
    requestId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("AuditEntry");

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
  const rows = await listAudit(c.var.db, c.var.caller.tenantId, {
    limit,
    before: decodeCursor(cursor, AuditCursor)?.before,
  });
  const { page, last, hasMore } = takePage(rows, limit);
  const items = page.map(({ tenantId: _, ...row }) => row);
  return c.json({ items, nextCursor: hasMore && last ? encodeCursor({ before: last.id }) : null }, 200);
});
