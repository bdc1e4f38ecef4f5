/**
 * @module Managing mapping models: importing an artifact (`npm run model:load`, `npm start`) and
 * giving a newly loaded ATT&CK version a model by carrying the previous version's over.
 */
import { adaptModel } from "../analysis/adapt";
import { MODEL_FORMAT, type ModelData } from "../analysis/model";
import { InvalidModelError } from "../analysis/model-data";
import { techniqueCatalog } from "../attack/diff";
import type { Db } from "../db/client";
import { getVersion, techniqueTexts } from "../db/repos/attack";
import { listTechniqueStates } from "../db/repos/attack-changes";
import { latestModel, readModelBytes, storeModel } from "../db/repos/models";
import { AppError } from "../errors";
import { gzip } from "../lib/bytes";
import { readArtifact } from "./model-cache";

/** Stores a model artifact (gzipped JSON, as `npm run model:build` writes it) in D1. */
export async function importModelArtifact(
  db: Db,
  gzipped: Uint8Array,
): Promise<{ id: string; created: boolean; attackVersion: string }> {
  let data: ModelData;
  try {
    data = await readArtifact(gzipped);
  } catch (e) {
    if (e instanceof InvalidModelError) throw new AppError(422, "invalid_model", e.message);
    throw e;
  }
  // A model belongs to an ATT&CK version (a foreign key): say which one is missing rather than fail on the constraint.
  if (!(await getVersion(db, data.attackVersion))) {
    throw new AppError(
      409,
      "attack_version_missing",
      `the model is for ATT&CK ${data.attackVersion}, which is not loaded: load that bundle first (npm run attack:load)`,
    );
  }
  const stored = await storeModel(db, gzipped, {
    attackVersion: data.attackVersion,
    format: data.format,
    info: data.info,
  });
  return { ...stored, attackVersion: data.attackVersion };
}

/** Carries `base` to a loaded ATT&CK version (see adaptModel) and stores the result as that version's model. */
export async function carryModel(
  db: Db,
  base: ModelData,
  version: string,
): Promise<{ stored: { id: string }; newTechniques: string[] }> {
  const catalog = techniqueCatalog(await listTechniqueStates(db, version));
  const known = new Set(base.techniques.map((t) => t.id));
  const texts = await techniqueTexts(
    db,
    version,
    catalog.techniques.map((t) => t.id).filter((id) => !known.has(id)),
  );
  const { model, newTechniques } = adaptModel(base, {
    attackVersion: version,
    ...catalog,
    textsOf: (id) => texts.get(id) ?? [],
  });
  const stored = await storeModel(db, await gzip(JSON.stringify(model)), {
    attackVersion: version,
    format: MODEL_FORMAT,
    info: model.info,
  });
  return { stored, newTechniques };
}

/**
 * The model of a newly loaded ATT&CK `version`: the one it already has, or `previous`'s carried
 * over (kept techniques keep their weights, revoked ones pass to their successor, new ones learn
 * from their own texts). Used by the refresh workflow before it switches versions.
 */
export async function modelForNewVersion(
  db: Db,
  version: string,
  previous: string | null,
): Promise<Record<string, unknown>> {
  const existing = await latestModel(db, version);
  if (existing) return { modelId: existing.id, built: false };
  const baseRow = previous ? await latestModel(db, previous) : null;
  if (!baseRow) {
    throw new AppError(503, "no_model", "there is no model to carry to the new version: load one (npm run model:load)");
  }
  const base = await readArtifact(await readModelBytes(db, baseRow));
  const { stored, newTechniques } = await carryModel(db, base, version);
  return { modelId: stored.id, built: true, adaptedFrom: base.attackVersion, newTechniques: newTechniques.length };
}
