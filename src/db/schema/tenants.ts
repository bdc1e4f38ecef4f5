/**
 * @module Tenants, their API keys and the audit log of mutating requests.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, enumCheck } from "./common";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: createdAt(),
});

export const KEY_ROLES = ["member", "admin", "operator"] as const;

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull().default("default"),
    /** admin keys may also run deployment-wide operations (ATT&CK refresh). */
    role: text("role", { enum: KEY_ROLES }).notNull().default("member"),
    /** First characters of the key, shown to people so they can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    keyHash: text("key_hash").notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    index("api_keys_tenant_idx").on(t.tenantId, t.createdAt),
    check("api_keys_hash_len", sql`length(${t.keyHash}) = 64`),
    enumCheck("api_keys_role", t.role, KEY_ROLES),
  ],
);

export const AUDIT_OUTCOMES = ["success", "failure"] as const;

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** Prefix of the key that made the request; null for actions taken from the CLI. */
    keyPrefix: text("key_prefix"),
    /** What was done, e.g. `POST /api/v1/keys` or `mcp:tools/call refresh_attack` or `cli:key.create`. */
    action: text("action").notNull(),
    /** What it was done to (path or object id). */
    target: text("target"),
    outcome: text("outcome", { enum: AUDIT_OUTCOMES }).notNull(),
    status: integer("status"),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_log_tenant_idx").on(t.tenantId, t.id),
    index("audit_log_created_idx").on(t.createdAt),
    enumCheck("audit_log_outcome", t.outcome, AUDIT_OUTCOMES),
  ],
);

export type Tenant = typeof tenants.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
