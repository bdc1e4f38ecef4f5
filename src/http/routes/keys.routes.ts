/**
 * @module /api/v1/keys: the caller's tenant manages its own API keys (list, create, revoke).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createKey, listKeys, revokeKey } from "../../tenants/keys.service";
import { KeyIdField, KeyInfo, KeyInput } from "../../tenants/tenants.schemas";
import { authErrors, bearer, errorContent, json, pathParams, router } from "../openapi";

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
          schema: KeyInput,
        },
      },
    },
  },
  responses: { 201: json(KeyInfo.extend({ key: z.string() }), "The new key"), ...authErrors },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/{keyId}",
  tags: ["Keys"],
  summary: "Revoke one of the tenant's keys",
  security: bearer,
  request: { params: pathParams({ keyId: KeyIdField }) },
  responses: { 200: json(KeyInfo, "The revoked key"), ...authErrors, 404: errorContent("The tenant has no such key") },
});

export const keyRoutes = router()
  .openapi(listRoute, async (c) => c.json({ keys: await listKeys(c.var.db, c.var.caller) }, 200))
  .openapi(createKeyRoute, async (c) => c.json(await createKey(c.var.db, c.var.caller, c.req.valid("json")), 201))
  .openapi(revokeRoute, async (c) => c.json(await revokeKey(c.var.db, c.var.caller, c.req.valid("param").keyId), 200));
