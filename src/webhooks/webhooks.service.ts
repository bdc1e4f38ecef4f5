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
import type { Caller } from "../tenants/caller";
import type { WorkflowStatus } from "../workflows/types";
import { newSecret, SIGNATURE_TOLERANCE_S, verifySignature } from "./signatures";

const invalidSignature = () =>
  new AppError(
    401,
    "invalid_signature",
    "the signature does not verify (unknown tenant, no webhook secret, or wrong signature)",
  );

/** Creates or rotates the tenant's secret (the old one stops working at once); shown only here. */
export async function rotateSecret(db: Db, tenantId: string): Promise<{ secret: string; createdAt: string }> {
  const row = await setWebhookSecret(db, tenantId, newSecret());
  return { secret: row.secret, createdAt: row.createdAt };
}

export async function deleteSecret(db: Db, tenantId: string): Promise<void> {
  if (!(await deleteWebhookSecret(db, tenantId))) throw notFound("this tenant has no webhook secret");
}

/** The caller a delivery's signature proves (the tenant, keyless), or 401. */
export async function authenticateDelivery(
  db: Db,
  d: { tenantId: string; timestamp: string; signatureHex: string; body: Uint8Array },
  now = Date.now(),
): Promise<Caller> {
  const skew = Math.abs(now / 1000 - Number(d.timestamp));
  if (skew > SIGNATURE_TOLERANCE_S) {
    throw new AppError(
      401,
      "stale_timestamp",
      `the timestamp is ${Math.round(skew)} s from the server's clock; the limit is ${SIGNATURE_TOLERANCE_S} s`,
    );
  }
  const found = await getWebhookSecret(db, d.tenantId);
  if (!found) throw invalidSignature();
  if (!(await verifySignature(found.secret.secret, d.timestamp, d.body, d.signatureHex))) throw invalidSignature();
  return {
    tenantId: d.tenantId,
    tenantName: found.tenant.name,
    keyId: "webhook",
    keyPrefix: "webhook",
    role: "member",
  };
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
