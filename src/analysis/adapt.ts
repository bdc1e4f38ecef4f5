/**
 * @module Carrying a model to another ATT&CK version without retraining (the Worker's refresh
 * cannot train: no labelled reports there, and a training run needs more CPU and memory than a
 * Durable Object has). Techniques kept keep their weights; a revoked technique's weights go to its
 * successor where the successor has none of its own; techniques new in the target version get
 * weights from their own texts (description, procedure examples): a TF-IDF centroid in the model's
 * feature space. `npm run model:build -- --attack BUNDLE` gives a fully retrained model.
 */
import { plainText } from "./examples";
import { blocksRow, featureBlocks } from "./features";
import { encodeArray, encodePostings, featureIndex, loadModel, type ModelData } from "./model";
import { successor } from "../attack/ids";

export interface AdaptTarget {
  attackVersion: string;
  /** Active techniques of the target version: its classes. */
  techniques: { id: string; name: string }[];
  revoked: Record<string, string>;
  /** Texts of a technique the base model does not know (description, procedure examples), markdown as ATT&CK has it. */
  textsOf(id: string): string[];
}

/** Features kept per new technique, and the weight scale of its centroid. */
const NEW_FEATURES = 48;
const NEW_SCALE = 6;
const NEW_PRIOR = Math.log(0.02 / 0.98);

export function adaptModel(
  base: ModelData,
  target: AdaptTarget,
): { model: ModelData; newTechniques: string[]; carried: string[] } {
  const loaded = loadModel(base);
  const {
    idf,
    postingStart: start,
    postingClass: cls,
    postingWeight: weight,
    bias: baseBias,
    priors: basePriors,
    offsets: baseOffsets,
  } = loaded;
  const featureCount = idf.length;

  const targetIndex = new Map(target.techniques.map((t, i) => [t.id, i]));
  // Base class → target class: itself, or the technique that replaced it.
  const mapped = base.techniques.map((t) => {
    const own = targetIndex.get(t.id);
    return { index: own ?? targetIndex.get(successor(t.id, (x) => target.revoked[x])), own: own !== undefined };
  });
  const sourceOf = new Map<number, number>();
  mapped.forEach((m, c) => {
    if (m.index !== undefined && (m.own || !sourceOf.has(m.index))) sourceOf.set(m.index, c);
  });

  const postings: Map<number, number>[] = Array.from({ length: featureCount }, () => new Map<number, number>());
  for (let f = 0; f < featureCount; f++) {
    const own = postings[f] as Map<number, number>;
    const carried: [number, number][] = [];
    for (let k = start[f] as number; k < (start[f + 1] as number); k++) {
      const m = mapped[cls[k] as number];
      if (m?.index === undefined) continue;
      if (m.own) own.set(m.index, weight[k] as number);
      else carried.push([m.index, weight[k] as number]);
    }
    for (const [c, w] of carried) if (!own.has(c)) own.set(c, w);
  }

  // Techniques the base never saw: a centroid of their texts, in the base's feature space.
  const newTechniques = target.techniques
    .filter((t) => !sourceOf.has(targetIndex.get(t.id) as number))
    .map((t) => t.id);
  for (const id of newTechniques) {
    const c = targetIndex.get(id) as number;
    const centroid = new Map<number, number>();
    // Read the way training reads ATT&CK texts, whoever the caller is.
    const texts = target.textsOf(id).map(plainText);
    for (const text of texts) {
      const row = blocksRow(featureBlocks(text, base.charGrams), (h) => featureIndex(loaded, h), idf);
      for (const [f, x] of row) centroid.set(f, (centroid.get(f) ?? 0) + x / texts.length);
    }
    const top = [...centroid].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, NEW_FEATURES);
    for (const [f, w] of top) postings[f]?.set(c, w * NEW_SCALE);
  }

  const sortedBias = [...baseBias].sort((a, b) => a - b);
  const typicalBias = sortedBias[Math.floor(sortedBias.length / 2)] ?? -4;
  const bias = new Float32Array(target.techniques.length);
  const priors = new Float32Array(target.techniques.length);
  // A new technique has no calibration of its own: 0 leaves the shared stacker as it is.
  const offsets = new Float32Array(target.techniques.length);
  target.techniques.forEach((_, c) => {
    const source = sourceOf.get(c);
    bias[c] = source === undefined ? typicalBias : (baseBias[source] as number);
    priors[c] = source === undefined || !basePriors ? NEW_PRIOR : (basePriors[source] as number);
    offsets[c] = source === undefined || !baseOffsets ? 0 : (baseOffsets[source] as number);
  });

  const { postings: encoded } = encodePostings(featureCount, (f) =>
    [...(postings[f] as Map<number, number>)].sort((a, b) => a[0] - b[0]),
  );

  const carried = base.techniques.filter((_t, c) => !mapped[c]?.own && mapped[c]?.index !== undefined).map((t) => t.id);
  const model: ModelData = {
    ...base,
    attackVersion: target.attackVersion,
    info: {
      ...base.info,
      adaptedFrom: base.attackVersion,
      newTechniques: newTechniques.length,
      carriedFromRevoked: carried.length,
    },
    techniques: target.techniques.map((t) => ({ id: t.id, name: t.name, threshold: base.threshold })),
    revoked: target.revoked,
    ...encoded,
    bias: encodeArray(bias),
    priors: encodeArray(priors),
    ...(baseOffsets ? { offsets: encodeArray(offsets) } : {}),
  };
  return { model, newTechniques, carried };
}
