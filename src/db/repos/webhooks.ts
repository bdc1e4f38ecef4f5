/**
 * @module Document webhooks: each tenant's signing secret and the delivery ids it has already
 * accepted. Every function takes the tenant: delivery ids are unique per tenant, not globally.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { NOW } from "../schema/common";
import { tenants, webhookDeliveries, webhookSecrets, type Tenant } from "../schema";

export type WebhookSecret = typeof webhookSecrets.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/**
 * Creates the tenant's secret (sealed) or replaces it: the old one stops verifying at once. A
 * re-seal of the same secret passes its `createdAt` to keep it.
 */
export async function setWebhookSecret(
  db: Db,
  tenantId: string,
  sealed: string,
  createdAt?: string,
): Promise<WebhookSecret> {
  const [row] = await db
    .insert(webhookSecrets)
    .values({ tenantId, secret: sealed })
    .onConflictDoUpdate({ target: webhookSecrets.tenantId, set: { secret: sealed, createdAt: createdAt ?? NOW } })
    .returning();
  if (!row) throw new Error("webhook secret upsert returned no row");
  return row;
}

/** The tenant with its secret; null when the tenant does not exist or has no secret. */
export async function getWebhookSecret(
  db: Db,
  tenantId: string,
): Promise<{ tenant: Tenant; secret: WebhookSecret } | null> {
  const row = await db
    .select({ tenant: tenants, secret: webhookSecrets })
    .from(webhookSecrets)
    .innerJoin(tenants, eq(tenants.id, webhookSecrets.tenantId))
    .where(eq(webhookSecrets.tenantId, tenantId))
    .get();
  return row ?? null;
}

/** True when the tenant had a secret. */
export async function deleteWebhookSecret(db: Db, tenantId: string): Promise<boolean> {
  const deleted = await db
    .delete(webhookSecrets)
    .where(eq(webhookSecrets.tenantId, tenantId))
    .returning({ tenantId: webhookSecrets.tenantId });
  return deleted.length > 0;
}

/**
 * Claims a delivery id for this request. One INSERT … ON CONFLICT DO NOTHING, so of two concurrent
 * redeliveries exactly one gets true.
 */
export async function claimDelivery(db: Db, tenantId: string, deliveryId: string): Promise<boolean> {
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ tenantId, deliveryId })
    .onConflictDoNothing()
    .returning({ deliveryId: webhookDeliveries.deliveryId });
  return inserted.length > 0;
}

export async function attachDeliveryWorkflow(
  db: Db,
  tenantId: string,
  deliveryId: string,
  workflowId: string,
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ workflowId })
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.deliveryId, deliveryId)));
}

/** Gives a claim back when its workflow could not be started, so the sender's retry can succeed. */
export async function releaseDelivery(db: Db, tenantId: string, deliveryId: string): Promise<void> {
  // Only a claim that never got its workflow: a delivery that did start is never reopened.
  await db
    .delete(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.deliveryId, deliveryId),
        isNull(webhookDeliveries.workflowId),
      ),
    );
}

export async function getDelivery(db: Db, tenantId: string, deliveryId: string): Promise<WebhookDelivery | null> {
  const row = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.deliveryId, deliveryId)))
    .get();
  return row ?? null;
}
