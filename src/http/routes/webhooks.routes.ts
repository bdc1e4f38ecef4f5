/**
 * @module Document webhooks. `webhookAdminRoutes` (bearer key, at /api/v1/webhooks) manage the
 * tenant's signing secret; `webhookDeliveryRoutes` (no bearer key, at /api/v1/webhooks/documents)
 * take documents signed the Standard Webhooks way (standardwebhooks.com) from the tenant's systems
 * and start one analysis per `webhook-id`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { documentBodyLimit } from "../../api/body-limits";
import { checkRateLimit } from "../../api/rate-limit";
import { requireRole } from "../../tenants/caller";
import { SIGNATURE_TOLERANCE_S } from "../../webhooks/standard-webhooks";
import {
  acceptDelivery,
  authenticateDelivery,
  deleteSecret,
  deliveryPath,
  rotateSecret,
} from "../../webhooks/webhooks.service";
import { adminErrors, bearer, errorContent, json, publicRouter, router } from "../openapi";

const SecretInfo = z
  .object({
    secret: z
      .string()
      .describe(
        "`whsec_` + standard base64 of 32 random bytes; the HMAC key is the decoded bytes (Standard Webhooks). Shown only here.",
      ),
    endpoint: z.string().describe("The URL the tenant's systems post signed documents to"),
    createdAt: z.string(),
  })
  .openapi("WebhookSecret");

const createSecretRoute = createRoute({
  method: "post",
  path: "/secret",
  tags: ["Webhooks"],
  summary:
    "Create or rotate the tenant's webhook signing secret (the old one stops working at once); shown only in this response, with the endpoint to post to",
  security: bearer,
  responses: { 201: json(SecretInfo, "The new secret and the tenant's delivery endpoint"), ...adminErrors },
});

const deleteSecretRoute = createRoute({
  method: "delete",
  path: "/secret",
  tags: ["Webhooks"],
  summary: "Delete the tenant's webhook secret: deliveries are refused until a new one is created",
  security: bearer,
  responses: {
    204: { description: "Deleted" },
    ...adminErrors,
    404: errorContent("The tenant has no webhook secret"),
  },
});

export const webhookAdminRoutes = router()
  .openapi(createSecretRoute, async (c) => {
    requireRole(c.var.caller, "admin");
    const { tenantId } = c.var.caller;
    const created = await rotateSecret(c.env, c.var.db, tenantId);
    const endpoint = new URL(deliveryPath(tenantId), c.req.url).href;
    return c.json({ secret: created.secret, endpoint, createdAt: created.createdAt }, 201);
  })
  .openapi(deleteSecretRoute, async (c) => {
    requireRole(c.var.caller, "admin");
    await deleteSecret(c.var.db, c.var.caller.tenantId);
    return c.body(null, 204);
  });

const DeliveryHeaders = z.object({
  "webhook-id": z
    .string()
    .min(1)
    .max(200)
    .describe("The sender's id for this message; a redelivery reuses it (and starts nothing new)"),
  "webhook-timestamp": z
    .string()
    .regex(/^\d{1,12}$/, "unix time in seconds")
    .describe(`Unix seconds when signed; refused more than ${SIGNATURE_TOLERANCE_S} s from the server's clock`),
  "webhook-signature": z
    .string()
    .min(1)
    .max(2000)
    .describe(
      'Space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">`; any one verifying is enough',
    ),
});

const TenantParam = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(100)
    .openapi({
      param: { name: "tenantId", in: "path" },
      description: "The tenant's id (from POST /api/v1/webhooks/secret)",
    }),
});

const Accepted = z.object({
  workflowId: z.string(),
  status: z.string().describe("the workflow's status, or `duplicate` for a delivery id already accepted"),
  duplicate: z.boolean(),
});

const deliveryRoute = createRoute({
  method: "post",
  path: "/{tenantId}",
  tags: ["Webhooks"],
  summary: "Signed document delivery (Standard Webhooks) from the tenant's systems: one analysis per webhook-id",
  security: [],
  middleware: [documentBodyLimit] as const,
  request: {
    params: TenantParam,
    headers: DeliveryHeaders,
    // A reference, not the zod schema: a zod body would be parsed before the signature is checked.
    body: {
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/DocumentSubmission" } } },
      description: "As POST /api/v1/analyses: {url} | {text} | {content, contentType}, optional title and force",
    },
  },
  responses: {
    200: json(Accepted, "This webhook-id was already accepted: the original workflow, nothing new started"),
    202: json(Accepted, "Started; follow it at /api/v1/analyses/{workflowId}"),
    400: errorContent(
      "Missing or malformed webhook-* header; or, once signed correctly, a body that is not a valid submission",
    ),
    401: errorContent("invalid_signature (unknown tenant, no secret, wrong signature) or stale_timestamp"),
    409: errorContent("The same webhook-id is being processed right now: retry later"),
    413: errorContent("Body over the size limit"),
    415: errorContent("Unsupported media type"),
    422: errorContent("Unusable document (empty, unreadable)"),
    429: errorContent("Over the tenant's analysis limit for deliveries: retry after Retry-After seconds"),
  },
});

export const webhookDeliveryRoutes = publicRouter().openapi(deliveryRoute, async (c) => {
  const headers = c.req.valid("header");
  const { tenantId } = c.req.valid("param");
  // The exact bytes received, read once: re-serialised JSON would not match the signature.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const caller = await authenticateDelivery(c.env, c.var.db, { tenantId, headers, body });
  // Authenticated from here on: the audit middleware records the request for this tenant.
  c.set("caller", caller);
  await checkRateLimit(c.env, "analysis", `webhook:${tenantId}`);
  const accepted = await acceptDelivery(c.env, c.var.db, caller, headers["webhook-id"], body);
  if (accepted.duplicate) return c.json(accepted, 200);
  return c.json(accepted, 202, { Location: `/api/v1/analyses/${accepted.workflowId}` });
});
