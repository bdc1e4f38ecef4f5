/**
 * @module Analysed reports and the techniques matched in them.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { attackVersions } from "./attack";
import { createdAt, enumCheck } from "./common";
import { tenants } from "./tenants";
import { workflows } from "./workflows";

export const SOURCE_TYPES = ["url", "text", "html", "pdf"] as const;
export const REPORT_STATUSES = ["pending", "complete", "failed"] as const;
/** `manual`: a technique an analyst added to a report, with the evidence span they chose. */
export const MATCH_METHODS = ["explicit_id", "name", "model", "feedback", "manual"] as const;

export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    workflowId: text("workflow_id").references(() => workflows.id, { onDelete: "set null" }),
    sourceType: text("source_type", { enum: SOURCE_TYPES }).notNull(),
    sourceUrl: text("source_url"),
    title: text("title"),
    /** SHA-256 of the extracted text, hex: the same document is not analysed twice. */
    contentHash: text("content_hash").notNull(),
    /** ATT&CK version the analysis used; a version that reports use cannot be deleted. */
    attackVersion: text("attack_version")
      .notNull()
      .references(() => attackVersions.version),
    /** Length of the extracted text, in characters. */
    charCount: integer("char_count").notNull().default(0),
    summary: text("summary", { mode: "json" }),
    status: text("status", { enum: REPORT_STATUSES }).notNull().default("pending"),
    /**
     * Versions: re-evaluating a report under a new ATT&CK release stores a new report that points
     * at the one before (plain columns, not foreign keys, so the migration rolls back cleanly).
     * `rootReportId` is the first version's id (null on the first version itself).
     */
    rootReportId: text("root_report_id"),
    previousReportId: text("previous_report_id"),
    versionNumber: integer("version_number").notNull().default(1),
    /** 1 for the newest version of a report, 0 once a newer version exists. */
    latest: integer("latest", { mode: "boolean" }).notNull().default(true),
    /** What changed since the previous version (techniques added, removed, moved, flagged). */
    changes: text("changes", { mode: "json" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("reports_tenant_idx").on(t.tenantId, t.createdAt),
    index("reports_hash_idx").on(t.tenantId, t.contentHash, t.attackVersion),
    index("reports_workflow_idx").on(t.workflowId),
    index("reports_root_idx").on(t.tenantId, t.rootReportId),
    enumCheck("reports_source_type", t.sourceType, SOURCE_TYPES),
    enumCheck("reports_status", t.status, REPORT_STATUSES),
  ],
);

export const matches = sqliteTable(
  "matches",
  {
    id: text("id").primaryKey(),
    reportId: text("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** ATT&CK id (T1059.001) in the report's ATT&CK version. */
    techniqueId: text("technique_id").notNull(),
    confidence: real("confidence").notNull(),
    method: text("method", { enum: MATCH_METHODS }).notNull(),
    /** The strongest evidence span; all spans are in `evidence`. */
    evidenceText: text("evidence_text").notNull(),
    evidenceStart: integer("evidence_start").notNull(),
    evidenceEnd: integer("evidence_end").notNull(),
    evidence: text("evidence", { mode: "json" }),
    note: text("note"),
    createdAt: createdAt(),
  },
  (t) => [
    index("matches_report_idx").on(t.reportId, t.confidence),
    index("matches_technique_idx").on(t.tenantId, t.techniqueId),
    // An analyst adds a technique to a report once (two racing adds store one).
    uniqueIndex("matches_manual_technique")
      .on(t.reportId, t.techniqueId)
      .where(sql`method = 'manual'`),
    enumCheck("matches_method", t.method, MATCH_METHODS),
    check("matches_confidence", sql`${t.confidence} BETWEEN 0 AND 1`),
    check("matches_offsets", sql`${t.evidenceStart} >= 0 AND ${t.evidenceEnd} >= ${t.evidenceStart}`),
  ],
);

export type Report = typeof reports.$inferSelect;
export type Match = typeof matches.$inferSelect;

/**
 * The extracted text of a report, gzipped and base64-encoded in chunks: kept so the report can be
 * re-analysed when ATT&CK or the model changes.
 */
export const reportDocuments = sqliteTable(
  "report_documents",
  {
    reportId: text("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ name: "report_documents_pk", columns: [t.reportId, t.seq] })],
);

export const FEEDBACK_VERDICTS = ["accept", "reject"] as const;

/**
 * An analyst's verdict on a match: right (accept) or wrong (reject), optionally with the technique
 * it should have been. `npm run model:build` learns from these as labelled sentences.
 */
export const matchFeedback = sqliteTable(
  "match_feedback",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    reportId: text("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    matchId: text("match_id")
      .notNull()
      .references(() => matches.id, { onDelete: "cascade" }),
    verdict: text("verdict", { enum: FEEDBACK_VERDICTS }).notNull(),
    /** The technique the evidence really shows, when the match named the wrong one. */
    correctTechniqueId: text("correct_technique_id"),
    comment: text("comment"),
    keyPrefix: text("key_prefix"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("match_feedback_match").on(t.tenantId, t.matchId),
    index("match_feedback_report").on(t.tenantId, t.reportId),
    enumCheck("match_feedback_verdict", t.verdict, FEEDBACK_VERDICTS),
  ],
);

export type MatchFeedback = typeof matchFeedback.$inferSelect;

/**
 * The extracted text of a report's latest version in plain chunks, for full-text search: the
 * external content of the FTS5 table `report_text_fts` (migrations/0009_report_search.sql, kept in
 * step by triggers). A new version takes the text over; deleting a report deletes it.
 */
export const reportText = sqliteTable(
  "report_text",
  {
    /** The FTS5 rowid. */
    id: integer("id").primaryKey(),
    reportId: text("report_id")
      .notNull()
      .references(() => reports.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    body: text("body").notNull(),
  },
  (t) => [uniqueIndex("report_text_report_seq").on(t.reportId, t.seq)],
);
