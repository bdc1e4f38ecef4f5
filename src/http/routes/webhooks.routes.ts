/**
 * @module Document webhooks. `webhookAdminRoutes` (bearer key, at /api/v1/webhooks) manage the
 * tenant's signing secret; `webhookDeliveryRoutes` (no bearer key, at /api/v1/webhooks/documents)
 * take signed documents from the tenant's systems and start one analysis per delivery id.
 *
 * Signing: `X-TTPscope-Signature: sha256=<hex>` is HMAC-SHA256, keyed with the UTF-8 bytes of the
 * whole secret (`whsec_…`), over the bytes `<X-TTPscope-Timestamp>.<raw body>`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  attachDeliveryWorkflow,
  claimDelivery,
  deleteWebhookSecret,
  getDelivery,
  getWebhookSecret,
  releaseDelivery,
  setWebhookSecret,
} from "../../db/repos/webhooks";
import { AppError, badRequest, describeError, notFound } from "../../errors";
import { toBase64Url } from "../../lib/bytes";
import { startAnalysis } from "../../analyses/analyses.service";
import { describeZodError } from "../../api/errors";
import { documentBodyLimit } from "../../api/body-limits";
import { SubmissionJson } from "../../analyses/analyses.schemas";
import { submissionFromJson } from "../../analyses/submission";
import { authErrors, bearer, errorContent, json, publicRouter, router } from "../openapi";

/** A signed request is accepted this many seconds either side of the server's clock. */
export const SIGNATURE_TOLERANCE_S = 300;

const invalidSignature = () =>
  new AppError(
    401,
    "invalid_signature",
    "the signature does not verify (unknown tenant, no webhook secret, or wrong signature)",
  );

function newSecret(): string {
  return "whsec_" + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** HMAC-SHA256 over `<timestamp>.<body>`; subtle.verify compares in constant time. */
async function verifySignature(secret: string, timestamp: string, body: Uint8Array, hex: string): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  return crypto.subtle.verify("HMAC", key, hexToBytes(hex), signed);
}

/** JSON and schema errors come only after the signature: unauthenticated callers learn nothing. */
function parseSubmission(body: Uint8Array) {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    throw badRequest("the body is not valid UTF-8 JSON");
  }
  const parsed = SubmissionJson.safeParse(value);
  if (!parsed.success) throw new AppError(400, "invalid_request", describeZodError(parsed.error, "body"));
  return submissionFromJson(parsed.data);
}

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
  .openapi(createSecretRoute, async (c) => {
    const row = await setWebhookSecret(c.var.db, c.var.caller.tenantId, newSecret());
    return c.json({ secret: row.secret, createdAt: row.createdAt }, 201);
  })
  .openapi(deleteSecretRoute, async (c) => {
    if (!(await deleteWebhookSecret(c.var.db, c.var.caller.tenantId)))
      throw notFound("this tenant has no webhook secret");
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
  const tenantId = h["x-ttpscope-tenant"];
  const deliveryId = h["x-ttpscope-delivery"];
  const timestamp = h["x-ttpscope-timestamp"];
  const { db } = c.var;

  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_S) {
    throw new AppError(
      401,
      "stale_timestamp",
      `the timestamp is ${Math.round(skew)} s from the server's clock; the limit is ${SIGNATURE_TOLERANCE_S} s`,
    );
  }
  const found = await getWebhookSecret(db, tenantId);
  if (!found) throw invalidSignature();
  // The exact bytes received, read once: re-serialised JSON would not match the signature.
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (
    !(await verifySignature(found.secret.secret, timestamp, body, h["x-ttpscope-signature"].slice("sha256=".length)))
  ) {
    throw invalidSignature();
  }
  // Authenticated from here on: the audit middleware records the request for this tenant.
  c.set("caller", { tenantId, tenantName: found.tenant.name, keyId: "webhook", keyPrefix: "webhook", role: "member" });

  const submission = parseSubmission(body);
  if (!(await claimDelivery(db, tenantId, deliveryId))) {
    const existing = await getDelivery(db, tenantId, deliveryId);
    if (existing?.workflowId)
      return c.json({ workflowId: existing.workflowId, status: "duplicate", duplicate: true }, 200);
    // Claimed by a request still starting its workflow (or one that just failed and let go).
    throw new AppError(409, "delivery_in_progress", `delivery ${deliveryId} is being processed: retry later`, {
      retryable: true,
    });
  }
  let started: Awaited<ReturnType<typeof startAnalysis>>;
  try {
    started = await startAnalysis(c.env, db, tenantId, submission, "webhook");
  } catch (e) {
    // The sender's retry may then succeed; a failed release must not hide why the start failed.
    await releaseDelivery(db, tenantId, deliveryId).catch((r: unknown) =>
      console.warn(
        JSON.stringify({ requestId: c.get("requestId"), releaseFailed: deliveryId, error: describeError(r) }),
      ),
    );
    throw e;
  }
  await attachDeliveryWorkflow(db, tenantId, deliveryId, started.workflowId);
  return c.json({ ...started, duplicate: false }, 202, { Location: `/api/v1/analyses/${started.workflowId}` });
});
