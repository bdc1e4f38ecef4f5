/**
 * @module Document webhooks. `webhookAdminRoutes` (bearer key, at /api/v1/webhooks) manage the
 * tenant's signing secret; `webhookDeliveryRoutes` (no bearer key, at /api/v1/webhooks/documents)
 * take signed documents from the tenant's systems and start one analysis per delivery id.
 *
 * Signing: `X-TTPscope-Signature: sha256=<hex>` is HMAC-SHA256, keyed with the UTF-8 bytes of the
 * whole secret (`whsec_…`), over the bytes `<X-TTPscope-Timestamp>.<raw body>`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { documentBodyLimit } from "../../api/body-limits";
import { SIGNATURE_TOLERANCE_S } from "../../webhooks/signatures";
import { acceptDelivery, authenticateDelivery, deleteSecret, rotateSecret } from "../../webhooks/webhooks.service";
import { authErrors, bearer, errorContent, json, publicRouter, router } from "../openapi";

const SecretInfo = z
  .object({
    secret: z
      .string()
      .describe("`whsec_` and 43 base64url characters; the HMAC key is this whole string. Shown only here."),
    createdAt: z.string(),
  })
  .openapi("WebhookSecret");

const createSecretRoute = createRoute({
  method: "post",
  path: "/secret",
  tags: ["Webhooks"],
  summary:
    "Create or rotate the tenant's webhook signing secret (the old one stops working at once); shown only in this response",
  security: bearer,
  responses: { 201: json(SecretInfo, "The new secret"), ...authErrors },
});

const deleteSecretRoute = createRoute({
  method: "delete",
  path: "/secret",
  tags: ["Webhooks"],
  summary: "Delete the tenant's webhook secret: deliveries are refused until a new one is created",
  security: bearer,
  responses: { 204: { description: "Deleted" }, ...authErrors, 404: errorContent("The tenant has no webhook secret") },
});

export const webhookAdminRoutes = router()
  .openapi(createSecretRoute, async (c) => c.json(await rotateSecret(c.var.db, c.var.caller.tenantId), 201))
  .openapi(deleteSecretRoute, async (c) => {
    await deleteSecret(c.var.db, c.var.caller.tenantId);
    return c.body(null, 204);
  });

const DeliveryHeaders = z.object({
  "x-ttpscope-tenant": z.string().min(1).max(100).describe("X-TTPscope-Tenant: the tenant's id"),
  "x-ttpscope-delivery": z
    .string()
    .min(1)
    .max(200)
    .describe("X-TTPscope-Delivery: the sender's id for this document; a redelivery reuses it"),
  "x-ttpscope-timestamp": z
    .string()
    .regex(/^\d{1,12}$/, "unix time in seconds")
    .describe(
      `X-TTPscope-Timestamp: unix seconds when signed; refused more than ${SIGNATURE_TOLERANCE_S} s from the server's clock`,
    ),
  "x-ttpscope-signature": z
    .string()
    .regex(/^sha256=[0-9a-fA-F]{64}$/, "sha256=<64 hex digits>")
    .describe("X-TTPscope-Signature: sha256=<hex HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the secret>"),
});

const Accepted = z.object({
  workflowId: z.string(),
  status: z.string().describe("the workflow's status, or `duplicate` for a delivery id already accepted"),
  duplicate: z.boolean(),
});

const deliveryRoute = createRoute({
  method: "post",
  path: "/",
  tags: ["Webhooks"],
  summary: "Signed document delivery from the tenant's systems: starts one analysis per delivery id",
  security: [],
  middleware: [documentBodyLimit] as const,
  request: {
    headers: DeliveryHeaders,
    // A reference, not the zod schema: a zod body would be parsed before the signature is checked.
    body: {
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/DocumentSubmission" } } },
      description: "As POST /api/v1/analyses: {url} | {text} | {content, contentType}, optional title and force",
    },
  },
  responses: {
    200: json(Accepted, "This delivery id was already accepted: the original workflow, nothing new started"),
    202: json(Accepted, "Started; follow it at /api/v1/analyses/{workflowId}"),
    400: errorContent(
      "Missing or malformed X-TTPscope-* header; or, once signed correctly, a body that is not a valid submission",
    ),
    401: errorContent("invalid_signature (unknown tenant, no secret, wrong signature) or stale_timestamp"),
    409: errorContent("The same delivery id is being processed right now: retry later"),
    413: errorContent("Body over the size limit"),
    415: errorContent("Unsupported media type"),
    422: errorContent("Unusable document (empty, unreadable)"),
  },
});

export const webhookDeliveryRoutes = publicRouter().openapi(deliveryRoute, async (c) => {
  const h = c.req.valid("header");
  // The exact bytes received, read once: re-serialised JSON would not match the signature.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const caller = await authenticateDelivery(c.var.db, {
    tenantId: h["x-ttpscope-tenant"],
    timestamp: h["x-ttpscope-timestamp"],
    signatureHex: h["x-ttpscope-signature"].slice("sha256=".length),
    body,
  });
  // Authenticated from here on: the audit middleware records the request for this tenant.
  c.set("caller", caller);
  const accepted = await acceptDelivery(c.env, c.var.db, caller, h["x-ttpscope-delivery"], body);
  if (accepted.duplicate) return c.json(accepted, 200);
  return c.json(accepted, 202, { Location: `/api/v1/analyses/${accepted.workflowId}` });
});
