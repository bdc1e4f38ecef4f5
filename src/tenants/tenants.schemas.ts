/**
 * @module A tenant's API keys as REST shows them (never the keys themselves, but on creation).
 */
import { z } from "@hono/zod-openapi";
import { KEY_ROLES } from "../db/schema";

export const KeyIdField = z.string().uuid().describe("the API key's id (from listing keys)");

export const KeyInfo = z
  .object({
    id: z.string(),
    tenantId: z.string().describe("the tenant the key acts for (the id the signed-webhook endpoint names)"),
    name: z.string(),
    prefix: z.string().describe("first characters of the key, to tell keys apart"),
    role: z.enum(KEY_ROLES),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export type KeyInfoT = z.infer<typeof KeyInfo>;

export const KeyInput = z.object({
  name: z.string().trim().min(1).max(64).optional().describe("a label, e.g. 'ci' or 'soc-agent'"),
  role: z
    .enum(["member", "admin"])
    .optional()
    .describe("member (default) or admin; operator keys are made only with the CLI"),
});
