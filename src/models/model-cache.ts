/**
 * @module The mapping model of an ATT&CK version, loaded from D1 once per isolate (models are
 * immutable: a new build is a new row, so caching by row id never serves a stale model).
 */
import { loadModel, type Model, type ModelData } from "../analysis/model";
import { InvalidModelError, parseModelData } from "../analysis/model-data";
import type { Db } from "../db/client";
import { latestModel, readModelBytes } from "../db/repos/models";
import { AppError } from "../errors";
import { gunzip } from "../lib/bytes";

/**
 * Per isolate, by model row id, least recently used first. A model is about 7 MB live (56k features,
 * 324k postings, 691 techniques; 3 MB gzipped, ~100 ms to load). The entry is the load's promise,
 * set before any await: concurrent requests share one load rather than each reading their own copy.
 */
const cache = new Map<string, Promise<Model>>();
/** Models kept per isolate: the active one and the one being replaced (a refresh, a re-evaluation). */
const KEEP = 2;

export async function modelFor(db: Db, attackVersion: string): Promise<{ id: string; model: Model }> {
  const row = await latestModel(db, attackVersion);
  if (!row) {
    throw new AppError(
      503,
      "no_model",
      `no mapping model is loaded for ATT&CK ${attackVersion} (npm start loads the shipped one)`,
    );
  }
  const cached = cache.get(row.id);
  const pending =
    cached ??
    readModelBytes(db, row)
      .then(readArtifact)
      .then(loadModel, (e: unknown) => {
        // A stored model that does not read is the deployment's problem, not the caller's.
        if (e instanceof InvalidModelError) {
          throw new AppError(503, "model_unreadable", `the stored model for ATT&CK ${attackVersion} cannot be read`, {
            internal: e.message,
          });
        }
        throw e;
      });
  // (Re)inserted last: the model in use is the last one evicted.
  cache.delete(row.id);
  cache.set(row.id, pending);
  if (!cached) {
    pending.catch(() => {
      if (cache.get(row.id) === pending) cache.delete(row.id);
    });
    while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
  }
  return { id: row.id, model: await pending };
}

/** The model in an artifact's gzipped JSON (InvalidModelError when it is not one). */
export async function readArtifact(gzipped: Uint8Array): Promise<ModelData> {
  return parseModelData(new TextDecoder().decode(await gunzip(gzipped)));
}
