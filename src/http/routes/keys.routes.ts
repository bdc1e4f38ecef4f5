/**
 * @module /api/v1/keys: the caller's tenant manages its own API keys (list, create, revoke).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createApiKey, listApiKeys, revokeApiKey } from "../../db/repos/tenants";
import { KEY_ROLES, type ApiKey } from "../../db/schema";
import { notFound } from "../../errors";
import { requireRole } from "../../tenants/caller";
import { authErrors, bearer, errorContent, json, IdParams, router } from "../openapi";

const KeyInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe("first characters of the key, to tell keys apart"),
    role: z.enum(KEY_ROLES),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const toInfo = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  role: k.role,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Keys"],
  summary: "API keys of the caller's tenant (never the keys themselves)",
  security: bearer,
  responses: { 200: json(z.object({ keys: z.array(KeyInfo) }), "Keys, newest first"), ...authErrors },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/",
  tags: ["Keys"],
  summary: "Create another key for the caller's tenant; the key is shown only in this response",
  security: bearer,
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({
            name: z.string().trim().min(1).max(64).optional().describe("a label, e.g. 'ci' or 'soc-agent'"),
            role: z.enum(KEY_ROLES).optional().describe("admin keys can only be created with an admin key"),
          }),
        },
      },
    },
  },
  responses: { 201: json(KeyInfo.extend({ key: z.string() }), "The new key"), ...authErrors },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags: ["Keys"],
  summary: "Revoke one of the tenant's keys",
  security: bearer,
  request: { params: IdParams },
  responses: { 200: json(KeyInfo, "The revoked key"), ...authErrors, 404: errorContent("The tenant has no such key") },
});

export const keyRoutes = router()
  .openapi(listRoute, async (c) => {
    const keys = await listApiKeys(c.var.db, c.var.caller.tenantId);
    return c.json({ keys: keys.map(toInfo) }, 200);
  })
  .openapi(createKeyRoute, async (c) => {
    const { name, role } = c.req.valid("json");
    if (role === "admin") requireRole(c.var.caller, "admin");
    const { key, apiKey } = await createApiKey(c.var.db, c.var.caller.tenantId, name, role);
    return c.json({ ...toInfo(apiKey), key }, 201);
  })
  .openapi(revokeRoute, async (c) => {
    const revoked = await revokeApiKey(
      c.var.db,
      c.var.caller.tenantId,
      c.req.valid("param").id,
      new Date().toISOString(),
    );
    if (!revoked) throw notFound("no such API key for this tenant");
    return c.json(toInfo(revoked), 200);
  });
