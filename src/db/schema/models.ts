/**
 * @module Mapping models kept in D1: the Worker loads the model of the active ATT&CK version
 * from here (built by `npm run model:build`, rebuilt when ATT&CK changes). A model is gzipped
 * JSON, base64 text split in chunks (a D1 row holds at most 2 MB; text avoids driver differences
 * in BLOB handling between local and remote D1).
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { attackVersions } from "./attack";
import { createdAt } from "./common";

export const analysisModels = sqliteTable(
  "analysis_models",
  {
    id: text("id").primaryKey(),
    attackVersion: text("attack_version")
      .notNull()
      .references(() => attackVersions.version, { onDelete: "cascade", onUpdate: "cascade" }),
    format: text("format").notNull(),
    /** SHA-256 of the gzipped bytes, hex: the same model stored twice is one row. */
    sha256: text("sha256").notNull().unique(),
    sizeBytes: integer("size_bytes").notNull(),
    chunkCount: integer("chunk_count").notNull(),
    info: text("info", { mode: "json" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("analysis_models_version_idx").on(t.attackVersion, t.createdAt),
    check("analysis_models_chunks", sql`${t.chunkCount} >= 1`),
  ],
);

export const analysisModelChunks = sqliteTable(
  "analysis_model_chunks",
  {
    modelId: text("model_id")
      .notNull()
      .references(() => analysisModels.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    /** Base64 of a slice of the gzipped model. */
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ name: "analysis_model_chunks_pk", columns: [t.modelId, t.seq] })],
);

export type AnalysisModelRow = typeof analysisModels.$inferSelect;
