/**
 * @module Document webhooks: each tenant's signing secret and the deliveries already accepted
 * (a redelivered document starts no second workflow).
 */
import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { tenants } from "./tenants";
import { workflows } from "./workflows";

export const webhookSecrets = sqliteTable("webhook_secrets", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  /** The `whsec_` secret sealed with AES-GCM (secrets/secret-box): verifying needs the key itself. */
  secret: text("secret").notNull(),
  createdAt: createdAt(),
});

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    deliveryId: text("delivery_id").notNull(),
    workflowId: text("workflow_id").references(() => workflows.id, { onDelete: "set null" }),
    receivedAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "webhook_deliveries_pk", columns: [t.tenantId, t.deliveryId] }),
    index("webhook_deliveries_time").on(t.receivedAt),
  ],
);
