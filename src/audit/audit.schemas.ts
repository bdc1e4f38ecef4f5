/**
 * @module An audit-log entry as REST shows it.
 */
import { z } from "@hono/zod-openapi";
import { AUDIT_OUTCOMES } from "../db/schema";

export const AuditEntry = z
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

export type AuditEntryT = z.infer<typeof AuditEntry>;
