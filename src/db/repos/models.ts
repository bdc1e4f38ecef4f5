/**
 * @module Mapping models in D1 (global, not tenant data): stored as gzipped JSON in base64 chunks.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import { base64Chunks, joinBase64Chunks, sha256Hex } from "../../lib/bytes";
import type { Db } from "../client";
import { analysisModelChunks, analysisModels, type AnalysisModelRow } from "../schema";

/** Raw bytes per chunk: 1 MB raw is about 1.4 MB of base64, under D1's 2 MB row limit. */
const CHUNK_BYTES = 1_000_000;

export interface StoredModelMeta {
  attackVersion: string;
  format: string;
  info: Record<string, unknown>;
}

/** Stores a gzipped model in one batch; storing the same bytes again returns the existing row. */
export async function storeModel(
  db: Db,
  gzipped: Uint8Array,
  meta: StoredModelMeta,
): Promise<{ id: string; created: boolean }> {
  const sha256 = await sha256Hex(gzipped);
  const existing = await db
    .select({ id: analysisModels.id })
    .from(analysisModels)
    .where(eq(analysisModels.sha256, sha256))
    .get();
  if (existing) return { id: existing.id, created: false };
  const id = crypto.randomUUID();
  const chunks = base64Chunks(gzipped, CHUNK_BYTES);
  await db.batch([
    db.insert(analysisModels).values({
      id,
      attackVersion: meta.attackVersion,
      format: meta.format,
      sha256,
      sizeBytes: gzipped.length,
      chunkCount: chunks.length,
      info: meta.info,
    }),
    ...chunks.map((data, seq) => db.insert(analysisModelChunks).values({ modelId: id, seq, data })),
  ]);
  return { id, created: true };
}

/** The newest model built for an ATT&CK version. */
export async function latestModel(db: Db, attackVersion: string): Promise<AnalysisModelRow | null> {
  const m = analysisModels;
  return (
    (await db.select().from(m).where(eq(m.attackVersion, attackVersion)).orderBy(desc(m.createdAt)).limit(1).get()) ??
    null
  );
}

export async function readModelBytes(db: Db, model: AnalysisModelRow): Promise<Uint8Array> {
  const c = analysisModelChunks;
  const rows = await db
    .select({ data: c.data })
    .from(c)
    .where(and(eq(c.modelId, model.id)))
    .orderBy(asc(c.seq));
  if (rows.length !== model.chunkCount)
    throw new Error(`model ${model.id} has ${rows.length} of ${model.chunkCount} chunks`);
  return joinBase64Chunks(rows.map((r) => r.data));
}
