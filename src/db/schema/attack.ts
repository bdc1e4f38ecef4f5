/**
 * @module The ATT&CK cache. Every object row is keyed by (version, stix_id) and carries its ATT&CK
 * id, unique within the version, so several ATT&CK releases coexist and can be compared.
 *
 * Object rows reference their version (cascade: dropping a version drops its rows). Relationships
 * do not reference the objects they join: a STIX bundle may list a relationship before its
 * endpoints, and the loader writes objects in the order it reads them.
 */
import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from "drizzle-orm/sqlite-core";
import { boolCheck, enumCheck } from "./common";

export const VERSION_STATUSES = ["loading", "ready", "failed"] as const;

export const attackVersions = sqliteTable(
  "attack_versions",
  {
    version: text("version").primaryKey(),
    domain: text("domain").notNull().default("enterprise-attack"),
    name: text("name"),
    /** `modified` of the bundle's x-mitre-collection: when MITRE released it. */
    releasedAt: text("released_at"),
    specVersion: text("spec_version"),
    status: text("status", { enum: VERSION_STATUSES }).notNull().default("loading"),
    active: integer("active", { mode: "boolean" }).notNull().default(false),
    objectCount: integer("object_count").notNull().default(0),
    error: text("error"),
    startedAt: text("started_at"),
    loadedAt: text("loaded_at"),
  },
  (t) => [
    // Only one version serves at a time.
    uniqueIndex("attack_versions_one_active")
      .on(t.active)
      .where(sql`active = 1`),
    enumCheck("attack_versions_status", t.status, VERSION_STATUSES),
    boolCheck("attack_versions_active_bool", t.active),
    check("attack_versions_active_ready", sql`${t.active} = 0 OR ${t.status} = 'ready'`),
  ],
);

const versionRef = () =>
  text("version")
    .notNull()
    .references((): AnySQLiteColumn => attackVersions.version, {
      onDelete: "cascade",
      onUpdate: "cascade",
    });

/** Columns every ATT&CK domain object has. A fresh object per table, as drizzle requires. */
const objectColumns = () => ({
  version: versionRef(),
  stixId: text("stix_id").notNull(),
  attackId: text("attack_id").notNull(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  url: text("url"),
  created: text("created"),
  modified: text("modified"),
  /** x_mitre_version: bumped by MITRE when the object's content changes. */
  objectVersion: text("object_version"),
  revoked: integer("revoked", { mode: "boolean" }).notNull().default(false),
  deprecated: integer("deprecated", { mode: "boolean" }).notNull().default(false),
});

type ObjectTable = {
  version: AnySQLiteColumn;
  stixId: AnySQLiteColumn;
  attackId: AnySQLiteColumn;
  revoked: AnySQLiteColumn;
  deprecated: AnySQLiteColumn;
};
const objectKeys = (name: string, t: ObjectTable) => [
  primaryKey({ name: `${name}_pk`, columns: [t.version, t.stixId] }),
  uniqueIndex(`${name}_attack_id`).on(t.version, t.attackId),
  boolCheck(`${name}_revoked_bool`, t.revoked),
  boolCheck(`${name}_deprecated_bool`, t.deprecated),
];

export const attackTactics = sqliteTable(
  "attack_tactics",
  {
    ...objectColumns(),
    /** x_mitre_shortname, the kill-chain phase name techniques refer to. */
    shortname: text("shortname").notNull(),
    /** Position in the Enterprise matrix, left to right. */
    ordinal: integer("ordinal"),
  },
  (t) => [...objectKeys("attack_tactics", t), uniqueIndex("attack_tactics_shortname").on(t.version, t.shortname)],
);

export const attackTechniques = sqliteTable(
  "attack_techniques",
  {
    ...objectColumns(),
    isSubtechnique: integer("is_subtechnique", { mode: "boolean" }).notNull().default(false),
    /** ATT&CK id of the parent technique, for sub-techniques. */
    parentId: text("parent_id"),
    platforms: text("platforms", { mode: "json" }).$type<string[]>().notNull().default([]),
    detection: text("detection"),
    /** ATT&CK id of the technique that replaced this one, when revoked. */
    revokedBy: text("revoked_by"),
    /**
     * Search text derived from relationships when a version finishes loading (techniques are
     * written before the relationships that name them): names and aliases of the software that
     * uses the technique, its procedure examples, its tactics' names. Indexed by attack_techniques_fts.
     */
    searchSoftware: text("search_software").notNull().default(""),
    searchProcedures: text("search_procedures").notNull().default(""),
    searchTactics: text("search_tactics").notNull().default(""),
  },
  (t) => [
    ...objectKeys("attack_techniques", t),
    index("attack_techniques_parent").on(t.version, t.parentId),
    boolCheck("attack_techniques_sub_bool", t.isSubtechnique),
    check("attack_techniques_sub_parent", sql`${t.isSubtechnique} = 0 OR ${t.parentId} IS NOT NULL`),
  ],
);

export const attackTechniqueTactics = sqliteTable(
  "attack_technique_tactics",
  {
    version: versionRef(),
    techniqueStixId: text("technique_stix_id").notNull(),
    tacticShortname: text("tactic_shortname").notNull(),
  },
  (t) => [
    primaryKey({ name: "attack_technique_tactics_pk", columns: [t.version, t.techniqueStixId, t.tacticShortname] }),
    index("attack_technique_tactics_tactic").on(t.version, t.tacticShortname),
  ],
);

export const attackGroups = sqliteTable(
  "attack_groups",
  {
    ...objectColumns(),
    aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull().default([]),
  },
  (t) => objectKeys("attack_groups", t),
);

export const SOFTWARE_TYPES = ["malware", "tool"] as const;

export const attackSoftware = sqliteTable(
  "attack_software",
  {
    ...objectColumns(),
    softwareType: text("software_type", { enum: SOFTWARE_TYPES }).notNull(),
    aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull().default([]),
    platforms: text("platforms", { mode: "json" }).$type<string[]>().notNull().default([]),
  },
  (t) => [...objectKeys("attack_software", t), enumCheck("attack_software_type", t.softwareType, SOFTWARE_TYPES)],
);

export const attackCampaigns = sqliteTable(
  "attack_campaigns",
  {
    ...objectColumns(),
    aliases: text("aliases", { mode: "json" }).$type<string[]>().notNull().default([]),
    firstSeen: text("first_seen"),
    lastSeen: text("last_seen"),
  },
  (t) => objectKeys("attack_campaigns", t),
);

export const attackMitigations = sqliteTable("attack_mitigations", objectColumns(), (t) =>
  objectKeys("attack_mitigations", t),
);

/** ATT&CK 18+: how to detect a technique, made of analytics. */
export const attackDetectionStrategies = sqliteTable("attack_detection_strategies", objectColumns(), (t) =>
  objectKeys("attack_detection_strategies", t),
);

export type LogSourceRef = { name: string; channel?: string; dataComponentRef?: string };
export type MutableElement = { field: string; description?: string };

export const attackAnalytics = sqliteTable(
  "attack_analytics",
  {
    ...objectColumns(),
    platforms: text("platforms", { mode: "json" }).$type<string[]>().notNull().default([]),
    logSources: text("log_sources", { mode: "json" }).$type<LogSourceRef[]>().notNull().default([]),
    mutableElements: text("mutable_elements", { mode: "json" }).$type<MutableElement[]>().notNull().default([]),
  },
  (t) => objectKeys("attack_analytics", t),
);

/** x_mitre_analytic_refs of a detection strategy. */
export const attackStrategyAnalytics = sqliteTable(
  "attack_strategy_analytics",
  {
    version: versionRef(),
    strategyStixId: text("strategy_stix_id").notNull(),
    analyticStixId: text("analytic_stix_id").notNull(),
    ordinal: integer("ordinal").notNull(),
  },
  (t) => [
    primaryKey({ name: "attack_strategy_analytics_pk", columns: [t.version, t.strategyStixId, t.analyticStixId] }),
  ],
);

export const PROCEDURE_SOURCES = ["group", "software", "campaign"] as const;

/** Procedure examples: `uses` relationships from a group, software or campaign to a technique. */
export const attackProcedures = sqliteTable(
  "attack_procedures",
  {
    version: versionRef(),
    stixId: text("stix_id").notNull(),
    sourceRef: text("source_ref").notNull(),
    sourceType: text("source_type", { enum: PROCEDURE_SOURCES }).notNull(),
    techniqueRef: text("technique_ref").notNull(),
    /** Relationship description with its (Citation: …) markers removed. */
    description: text("description").notNull().default(""),
    modified: text("modified"),
  },
  (t) => [
    primaryKey({ name: "attack_procedures_pk", columns: [t.version, t.stixId] }),
    index("attack_procedures_technique").on(t.version, t.techniqueRef),
    index("attack_procedures_source").on(t.version, t.sourceRef),
    enumCheck("attack_procedures_source_type", t.sourceType, PROCEDURE_SOURCES),
  ],
);

/** Every other relationship: mitigates, detects, subtechnique-of, revoked-by, attributed-to, uses (non-technique). */
export const attackRelationships = sqliteTable(
  "attack_relationships",
  {
    version: versionRef(),
    stixId: text("stix_id").notNull(),
    relationshipType: text("relationship_type").notNull(),
    sourceRef: text("source_ref").notNull(),
    targetRef: text("target_ref").notNull(),
    description: text("description").notNull().default(""),
    modified: text("modified"),
    revoked: integer("revoked", { mode: "boolean" }).notNull().default(false),
    deprecated: integer("deprecated", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ name: "attack_relationships_pk", columns: [t.version, t.stixId] }),
    index("attack_relationships_source").on(t.version, t.sourceRef, t.relationshipType),
    index("attack_relationships_target").on(t.version, t.targetRef, t.relationshipType),
  ],
);

export type AttackVersion = typeof attackVersions.$inferSelect;
export type AttackTactic = typeof attackTactics.$inferSelect;
export type AttackTechnique = typeof attackTechniques.$inferSelect;
export type AttackGroup = typeof attackGroups.$inferSelect;
export type AttackSoftware = typeof attackSoftware.$inferSelect;
export type AttackCampaign = typeof attackCampaigns.$inferSelect;
export type AttackMitigation = typeof attackMitigations.$inferSelect;
export type AttackDetectionStrategy = typeof attackDetectionStrategies.$inferSelect;
export type AttackAnalytic = typeof attackAnalytics.$inferSelect;
export type AttackProcedure = typeof attackProcedures.$inferSelect;
export type AttackRelationship = typeof attackRelationships.$inferSelect;

/** Changes between two loaded versions (see attack/diff.ts), computed once and kept. */
export const attackChanges = sqliteTable(
  "attack_changes",
  {
    fromVersion: text("from_version")
      .notNull()
      .references((): AnySQLiteColumn => attackVersions.version, { onDelete: "cascade", onUpdate: "cascade" }),
    toVersion: text("to_version")
      .notNull()
      .references((): AnySQLiteColumn => attackVersions.version, { onDelete: "cascade", onUpdate: "cascade" }),
    changes: text("changes", { mode: "json" }).notNull(),
    computedAt: text("computed_at").notNull(),
  },
  (t) => [primaryKey({ name: "attack_changes_pk", columns: [t.fromVersion, t.toVersion] })],
);
