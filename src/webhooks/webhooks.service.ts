/**
 * @module Signed document deliveries from a tenant's systems, and the tenant's signing secret.
 * A delivery is authenticated by its signature before anything about its body is said (an
 * unauthenticated caller learns nothing), then starts one analysis per delivery id: a redelivery
 * answers with the original workflow.
 */
import { SubmissionJson } from "../analyses/analyses.schemas";
import { startAnalysis } from "../analyses/analyses.service";
import { submissionFromJson, type DocumentSubmission } from "../analyses/submission";
import type { Db } from "../db/client";
import {
  attachDeliveryWorkflow,
  claimDelivery,
  deleteWebhookSecret,
  getDelivery,
  getWebhookSecret,
  releaseDelivery,
  setWebhookSecret,
} from "../db/repos/webhooks";
import { AppError, badRequest, describeError, describeZodError, notFound } from "../errors";
import { keyringOf, openSecret, sealSecret, SecretUnreadable } from "../secrets/secret-box";
import type { Caller } from "../tenants/caller";
import type { WorkflowStatus } from "../workflows/types";
import {
  assertFreshTimestamp,
  newWebhookSecret,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
} from "./standard-webhooks";

const invalidSignature = () =>
  new AppError(
    401,
    "invalid_signature",
    "the signature does not verify (unknown tenant, no webhook secret, or wrong signature)",
  );

/** The sealed secret opens only in its own tenant's row. */
const sealContext = (tenantId: string) => `webhook_secrets:${tenantId}`;

/** Where a tenant's senders post documents, relative to the API's origin. */
export const deliveryPath = (tenantId: string) => `/api/v1/webhooks/documents/${encodeURIComponent(tenantId)}`;

/** Creates or rotates the tenant's secret (the old one stops working at once); shown only here. */
export async function rotateSecret(env: Env, db: Db, tenantId: string): Promise<{ secret: string; createdAt: string }> {
  const secret = newWebhookSecret();
  const sealed = await sealSecret(await keyringOf(env), secret, sealContext(tenantId));
  const row = await setWebhookSecret(db, tenantId, sealed);
  return { secret, createdAt: row.createdAt };
}

export async function deleteSecret(db: Db, tenantId: string): Promise<void> {
  if (!(await deleteWebhookSecret(db, tenantId))) throw notFound("this tenant has no webhook secret");
}

/** The tenant's secret in clear, or null (no secret, or one that no key of SECRET_KEYS opens). */
async function tenantSecret(env: Env, db: Db, tenantId: string) {
  const found = await getWebhookSecret(db, tenantId);
  if (!found) return null;
  const ring = await keyringOf(env);
  try {
    const opened = await openSecret(ring, found.secret.secret, sealContext(tenantId));
    if (opened.stale) {
      // Sealed with a key being rotated out: re-seal with the current one while it is in hand.
      const resealed = await sealSecret(ring, opened.plaintext, sealContext(tenantId));
      await setWebhookSecret(db, tenantId, resealed, found.secret.createdAt).catch((e: unknown) =>
        console.warn(JSON.stringify({ resealFailed: tenantId, error: describeError(e) })),
      );
    }
    return { tenant: found.tenant, secret: opened.plaintext };
  } catch (e) {
    if (!(e instanceof SecretUnreadable)) throw e;
    // The operator's problem (a key dropped from SECRET_KEYS too early), not the sender's to learn.
    console.error(JSON.stringify({ webhookSecretUnreadable: tenantId, error: e.message }));
    return null;
  }
}

/**
 * The caller a delivery's Standard Webhooks signature proves (the tenant, keyless), or 401. The
 * timestamp is checked before the tenant is looked up, so a stale request learns nothing about it.
 */
export async function authenticateDelivery(
  env: Env,
  db: Db,
  d: { tenantId: string; headers: WebhookHeaders; body: Uint8Array },
  now = Date.now(),
): Promise<Caller> {
  try {
    assertFreshTimestamp(d.headers["webhook-timestamp"], now);
    const found = await tenantSecret(env, db, d.tenantId);
    if (!found) throw invalidSignature();
    await verifyWebhook(found.secret, d.headers, d.body, now);
    return {
      tenantId: d.tenantId,
      tenantName: found.tenant.name,
      keyId: "webhook",
      keyPrefix: "webhook",
      role: "member",
    };
  } catch (e) {
    if (!(e instanceof WebhookVerificationError)) throw e;
    throw e.reason === "stale_timestamp" ? new AppError(401, "stale_timestamp", e.message) : invalidSignature();
  }
}

/** JSON and schema errors come only after the signature. */
function parseSubmission(body: Uint8Array): DocumentSubmission {
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

/** Starts the delivery's analysis once per delivery id; a redelivery gets the original workflow. */
export async function acceptDelivery(
  env: Env,
  db: Db,
  caller: Caller,
  deliveryId: string,
  body: Uint8Array,
): Promise<{ workflowId: string; status: WorkflowStatus | "duplicate"; duplicate: boolean }> {
  const { tenantId } = caller;
  const submission = parseSubmission(body);
  if (!(await claimDelivery(db, tenantId, deliveryId))) {
    const existing = await getDelivery(db, tenantId, deliveryId);
    if (existing?.workflowId) return { workflowId: existing.workflowId, status: "duplicate", duplicate: true };
    // Claimed by a request still starting its workflow (or one that just failed and let go).
    throw new AppError(409, "delivery_in_progress", `delivery ${deliveryId} is being processed: retry later`, {
      retryable: true,
    });
  }
  let started: Awaited<ReturnType<typeof startAnalysis>>;
  try {
    started = await startAnalysis(env, db, tenantId, submission, "webhook");
  } catch (e) {
    // The sender's retry may then succeed; a failed release must not hide why the start failed.
    await releaseDelivery(db, tenantId, deliveryId).catch((r: unknown) =>
      console.warn(JSON.stringify({ releaseFailed: deliveryId, error: describeError(r) })),
    );
    throw e;
  }
  await attachDeliveryWorkflow(db, tenantId, deliveryId, started.workflowId);
  return { ...started, duplicate: false };
}
