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

const cache = new Map<string, Promise<Model>>();
/** Models kept per isolate: the active one and the one being replaced. */
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
  let pending = cache.get(row.id);
  if (!pending) {
    pending = readModelBytes(db, row)
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
    cache.set(row.id, pending);
    pending.catch(() => cache.delete(row.id));
    while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
  }
  return { id: row.id, model: await pending };
}

/** The model in an artifact's gzipped JSON (InvalidModelError when it is not one). */
export async function readArtifact(gzipped: Uint8Array): Promise<ModelData> {
  return parseModelData(new TextDecoder().decode(await gunzip(gzipped)));
}
