/**
 * @module Detection coverage: accounts, their detection rules (with version history for drift),
 * the rules' mappings to ATT&CK techniques, and what is computed from them (coverage per tactic,
 * gaps, overlaps, health, history). Everything is tenant-scoped; mappings and computed rows carry
 * the account too, so an account's coverage is read from an index, not a join over all rules.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, enumCheck, NOW } from "./common";
import { tenants } from "./tenants";

export const ENVIRONMENTS = ["prod", "staging", "dev"] as const;
export const CRITICALITIES = ["high", "medium", "low"] as const;
export const DETECTION_STATUSES = ["enabled", "disabled", "deprecated"] as const;
export const MAPPING_METHODS = ["manual", "tag", "pattern_match", "nlp"] as const;
export const VALIDATIONS = ["pending", "validated", "disputed"] as const;
export const GAP_STATUSES = ["open", "acknowledged", "remediated", "accepted_risk"] as const;
export const OVERLAP_KINDS = ["beneficial", "excessive"] as const;
export const HEALTH_STATUSES = ["healthy", "degraded", "broken", "unknown"] as const;
export const IMPACTS = ["high", "medium", "low"] as const;

const tenantRef = () =>
  text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });
// Declared before the tables they name: the references resolve lazily.
const accountRef = () =>
  text("account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" });
const detectionRef = () =>
  text("detection_id")
    .notNull()
    .references(() => detections.id, { onDelete: "cascade" });

/** Reference data (seeded by the migration): aws, azure, gcp, on_prem, saas. */
export const cloudProviders = sqliteTable("cloud_providers", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
});

/** Kinds of detection content: sigma, splunk, elastic, cloud_config, manual (seeded). */
export const detectionTypes = sqliteTable("detection_types", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
});

/** Where a detection runs (a log source or cloud service), created as imports meet them. */
export const detectionServices = sqliteTable(
  "detection_services",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    providerId: text("provider_id").references(() => cloudProviders.id),
  },
  (t) => [uniqueIndex("detection_services_name").on(t.name)],
);

export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    providerId: text("provider_id")
      .notNull()
      .references(() => cloudProviders.id),
    identifier: text("identifier").notNull(),
    name: text("name").notNull(),
    regions: text("regions", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** ATT&CK platform names that scope its coverage (coverage/platforms.ts; defaults by provider). */
    platforms: text("platforms", { mode: "json" }).$type<string[]>().notNull().default([]),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    criticality: text("criticality", { enum: CRITICALITIES }).notNull(),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull().default(NOW),
    /** The ATT&CK version and time of the coverage stored for the account (null until first computed). */
    coverageAttackVersion: text("coverage_attack_version"),
    coverageComputedAt: text("coverage_computed_at"),
    /** Set by a write that changed the account's coverage inputs without recomputing it; cleared by the recompute. */
    coveragePendingSince: text("coverage_pending_since"),
  },
  (t) => [
    uniqueIndex("accounts_provider_identifier").on(t.tenantId, t.providerId, t.identifier),
    index("accounts_tenant_idx").on(t.tenantId, t.createdAt),
    enumCheck("accounts_environment", t.environment, ENVIRONMENTS),
    enumCheck("accounts_criticality", t.criticality, CRITICALITIES),
  ],
);

/** A detection rule of an account as it is now; earlier contents are in detection_versions. */
export const detections = sqliteTable(
  "detections",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    accountId: accountRef(),
    detectionType: text("detection_type")
      .notNull()
      .references(() => detectionTypes.id),
    serviceId: integer("service_id").references(() => detectionServices.id),
    /** The rule's own id in its source format (sigma id, splunk id, elastic rule_id). */
    sourceRuleId: text("source_rule_id").notNull(),
    path: text("path"),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    status: text("status", { enum: DETECTION_STATUSES }).notNull(),
    owner: text("owner"),
    severity: text("severity"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** The rule as imported (YAML/TOML text). */
    rawConfig: text("raw_config").notNull(),
    contentHash: text("content_hash").notNull(),
    version: integer("version").notNull().default(1),
    /** The detection_versions row holding the content before the latest change. */
    previousVersionId: integer("previous_version_id"),
    /** Set when a complete scan no longer found the rule. */
    removedAt: text("removed_at"),
    /** The scan that last saw the rule: a completed scan removes the rules it did not see. */
    lastScanId: text("last_scan_id"),
    discoveredAt: text("discovered_at").notNull().default(NOW),
    modifiedAt: text("modified_at").notNull().default(NOW),
    sourceModified: text("source_modified"),
  },
  (t) => [
    uniqueIndex("detections_source_rule").on(t.accountId, t.detectionType, t.sourceRuleId),
    index("detections_account_status").on(t.accountId, t.status),
    index("detections_tenant_idx").on(t.tenantId, t.accountId),
    enumCheck("detections_status", t.status, DETECTION_STATUSES),
    check("detections_version", sql`${t.version} >= 1`),
  ],
);

/** Earlier contents of a detection: drift is the difference between versions. */
export const detectionVersions = sqliteTable(
  "detection_versions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    detectionId: detectionRef(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    rawConfig: text("raw_config").notNull(),
    contentHash: text("content_hash").notNull(),
    capturedAt: createdAt(),
  },
  (t) => [uniqueIndex("detection_versions_version").on(t.detectionId, t.version)],
);

export const detectionLogic = sqliteTable("detection_logic", {
  detectionId: detectionRef().primaryKey(),
  tenantId: tenantRef(),
  entities: text("entities", { mode: "json" }).$type<string[]>().notNull().default([]),
  conditions: text("conditions", { mode: "json" }).$type<string[]>().notNull().default([]),
  logsource: text("logsource", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
  severity: text("severity"),
  parserVersion: text("parser_version").notNull(),
  parseConfidence: real("parse_confidence").notNull(),
});

export const detectionMappings = sqliteTable(
  "detection_mappings",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    accountId: accountRef(),
    detectionId: detectionRef(),
    /** ATT&CK id, in the active version when the mapping was made. */
    techniqueId: text("technique_id").notNull(),
    confidence: real("confidence").notNull(),
    method: text("method", { enum: MAPPING_METHODS }).notNull(),
    validation: text("validation", { enum: VALIDATIONS }).notNull().default("pending"),
    rationale: text("rationale"),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull().default(NOW),
  },
  (t) => [
    uniqueIndex("detection_mappings_pair").on(t.detectionId, t.techniqueId),
    index("detection_mappings_account_technique").on(t.accountId, t.techniqueId),
    index("detection_mappings_account_validation").on(t.accountId, t.validation, t.method),
    enumCheck("detection_mappings_method", t.method, MAPPING_METHODS),
    enumCheck("detection_mappings_validation", t.validation, VALIDATIONS),
    check("detection_mappings_confidence", sql`${t.confidence} BETWEEN 0 AND 1`),
  ],
);

/** One import: what it added, changed and removed. */
export const scanSnapshots = sqliteTable(
  "scan_snapshots",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    accountId: accountRef(),
    format: text("format").notNull(),
    files: integer("files").notNull().default(0),
    added: integer("added").notNull().default(0),
    modified: integer("modified").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    removed: integer("removed").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    errors: text("errors", { mode: "json" }).$type<{ path: string; message: string }[]>().notNull().default([]),
    /** Set when the caller said the scan held every rule of the format (rules not seen are removed). */
    completedAt: text("completed_at"),
    createdAt: createdAt(),
  },
  (t) => [index("scan_snapshots_account_idx").on(t.accountId, t.createdAt)],
);

export const coverageScores = sqliteTable(
  "coverage_scores",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    accountId: accountRef(),
    attackVersion: text("attack_version").notNull(),
    tacticId: text("tactic_id").notNull(),
    covered: integer("covered").notNull(),
    total: integer("total").notNull(),
    percent: real("percent").notNull(),
    computedAt: text("computed_at").notNull(),
  },
  (t) => [
    index("coverage_scores_account_time").on(t.accountId, t.computedAt, t.tacticId),
    check("coverage_scores_percent", sql`${t.percent} BETWEEN 0 AND 100`),
  ],
);

export const coverageGaps = sqliteTable(
  "coverage_gaps",
  {
    tenantId: tenantRef(),
    accountId: accountRef(),
    techniqueId: text("technique_id").notNull(),
    riskScore: real("risk_score").notNull(),
    status: text("status", { enum: GAP_STATUSES }).notNull().default("open"),
    firstIdentifiedAt: text("first_identified_at").notNull(),
    resolvedAt: text("resolved_at"),
    updatedAt: text("updated_at").notNull(),
    /** The last status change by a person (or the cron reopening an expired accepted risk). */
    statusChangedAt: text("status_changed_at"),
    /** Key prefix of who changed it; `system` for the cron. */
    statusChangedBy: text("status_changed_by"),
    statusReason: text("status_reason"),
    /** accepted_risk only: when the cron reopens the gap. */
    statusExpiresAt: text("status_expires_at"),
  },
  (t) => [
    primaryKey({ name: "coverage_gaps_pk", columns: [t.accountId, t.techniqueId] }),
    index("coverage_gaps_rank").on(t.accountId, t.status, t.riskScore),
    index("coverage_gaps_expiry")
      .on(t.statusExpiresAt)
      .where(sql`status_expires_at IS NOT NULL`),
    enumCheck("coverage_gaps_status", t.status, GAP_STATUSES),
  ],
);

export const coverageOverlaps = sqliteTable(
  "coverage_overlaps",
  {
    tenantId: tenantRef(),
    accountId: accountRef(),
    techniqueId: text("technique_id").notNull(),
    detectionCount: integer("detection_count").notNull(),
    kind: text("kind", { enum: OVERLAP_KINDS }).notNull(),
    detectionIds: text("detection_ids", { mode: "json" }).$type<string[]>().notNull(),
    computedAt: text("computed_at").notNull(),
  },
  (t) => [
    primaryKey({ name: "coverage_overlaps_pk", columns: [t.accountId, t.techniqueId] }),
    enumCheck("coverage_overlaps_kind", t.kind, OVERLAP_KINDS),
  ],
);

export const detectionHealth = sqliteTable(
  "detection_health",
  {
    detectionId: detectionRef().primaryKey(),
    tenantId: tenantRef(),
    accountId: accountRef(),
    status: text("status", { enum: HEALTH_STATUSES }).notNull().default("unknown"),
    lastValidatedAt: text("last_validated_at"),
    lastTriggeredAt: text("last_triggered_at"),
    issues: text("issues", { mode: "json" }).$type<string[]>().notNull().default([]),
    updatedAt: text("updated_at").notNull().default(NOW),
  },
  (t) => [
    index("detection_health_account").on(t.accountId, t.status),
    enumCheck("detection_health_status", t.status, HEALTH_STATUSES),
  ],
);

/** A cloud/vendor API or log field going away (reference data, entered by admins). */
export const apiDeprecations = sqliteTable(
  "api_deprecations",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id").references(() => cloudProviders.id),
    /** What detections reference: an API, event or field name (matched in rule content). */
    apiName: text("api_name").notNull(),
    description: text("description").notNull().default(""),
    deprecatedAt: text("deprecated_at"),
    removalDate: text("removal_date"),
    replacement: text("replacement"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_deprecations_name").on(t.providerId, t.apiName)],
);

export const apiDeprecationImpacts = sqliteTable(
  "api_deprecation_impacts",
  {
    tenantId: tenantRef(),
    deprecationId: text("deprecation_id")
      .notNull()
      .references(() => apiDeprecations.id, { onDelete: "cascade" }),
    detectionId: detectionRef(),
    accountId: accountRef(),
    impact: text("impact", { enum: IMPACTS }).notNull(),
    detectedAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "api_deprecation_impacts_pk", columns: [t.deprecationId, t.detectionId] }),
    index("api_deprecation_impacts_account").on(t.accountId),
    enumCheck("api_deprecation_impacts_impact", t.impact, IMPACTS),
  ],
);

export const coverageHistory = sqliteTable(
  "coverage_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: tenantRef(),
    accountId: accountRef(),
    snapshotId: text("snapshot_id").references(() => scanSnapshots.id, { onDelete: "set null" }),
    attackVersion: text("attack_version").notNull(),
    covered: integer("covered").notNull(),
    total: integer("total").notNull(),
    percent: real("percent").notNull(),
    byTactic: text("by_tactic", { mode: "json" }).$type<Record<string, number>>().notNull(),
    computedAt: text("computed_at").notNull(),
  },
  (t) => [index("coverage_history_account").on(t.accountId, t.computedAt)],
);

export type Account = typeof accounts.$inferSelect;
export type Detection = typeof detections.$inferSelect;
export type DetectionMapping = typeof detectionMappings.$inferSelect;
export type ScanSnapshot = typeof scanSnapshots.$inferSelect;
export type CoverageGap = typeof coverageGaps.$inferSelect;
export type CoverageOverlap = typeof coverageOverlaps.$inferSelect;
export type CoverageHistoryRow = typeof coverageHistory.$inferSelect;
