/**
 * @module Carrying a model to another ATT&CK version without retraining (the Worker's refresh
 * cannot train: no labelled reports there, and a training run needs more CPU and memory than a
 * Durable Object has). Techniques kept keep their weights; a revoked technique's weights go to its
 * successor where the successor has none of its own; techniques new in the target version get
 * weights from their own texts (description, procedure examples): a TF-IDF centroid in the model's
 * feature space. `npm run model:build -- --attack BUNDLE` gives a fully retrained model.
 */
import { countFeatures } from "./features";
import { encodeArray, fromBase64, type ModelData } from "./model";
import { successor } from "../attack/stix";

export interface AdaptTarget {
  attackVersion: string;
  /** Active techniques of the target version: its classes. */
  techniques: { id: string; name: string }[];
  revoked: Record<string, string>;
  /** Texts of a technique the base model does not know: description sentences, procedure examples. */
  textsOf(id: string): string[];
}

/** Features kept per new technique, and the weight scale of its centroid. */
const NEW_FEATURES = 48;
const NEW_SCALE = 6;
const NEW_PRIOR = Math.log(0.02 / 0.98);

const u32 = (b64: string) => new Uint32Array(fromBase64(b64).slice().buffer);
const f32 = (b64: string) => new Float32Array(fromBase64(b64).slice().buffer);
const u16 = (b64: string) => new Uint16Array(fromBase64(b64).slice().buffer);

export function adaptModel(base: ModelData, target: AdaptTarget): { model: ModelData; newTechniques: string[]; carried: string[] } {
  const features = u32(base.features);
  const idf = f32(base.idf);
  const start = u32(base.postingStart);
  const cls = u16(base.postingClass);
  const weight = f32(base.postingWeight);
  const baseBias = f32(base.bias);
  const basePriors = base.priors ? f32(base.priors) : null;

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

  const postings: Map<number, number>[] = Array.from({ length: features.length }, () => new Map());
  for (let f = 0; f < features.length; f++) {
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
  const featureOf = new Map<number, number>();
  features.forEach((h, f) => featureOf.set(h, f));
  const newTechniques = target.techniques.filter((t) => !sourceOf.has(targetIndex.get(t.id) as number)).map((t) => t.id);
  for (const id of newTechniques) {
    const c = targetIndex.get(id) as number;
    const centroid = new Map<number, number>();
    const texts = target.textsOf(id);
    for (const text of texts) {
      const counts = countFeatures(text, 0, text.length);
      const vec: [number, number][] = [];
      let norm = 0;
      counts.keys.forEach((h, j) => {
        const f = featureOf.get(h);
        if (f === undefined) return;
        const x = (1 + Math.log(counts.values[j] as number)) * (idf[f] as number);
        vec.push([f, x]);
        norm += x * x;
      });
      norm = Math.sqrt(norm) || 1;
      for (const [f, x] of vec) centroid.set(f, (centroid.get(f) ?? 0) + x / norm / texts.length);
    }
    const top = [...centroid].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, NEW_FEATURES);
    for (const [f, w] of top) postings[f]?.set(c, w * NEW_SCALE);
  }

  const sortedBias = [...baseBias].sort((a, b) => a - b);
  const typicalBias = sortedBias[Math.floor(sortedBias.length / 2)] ?? -4;
  const bias = new Float32Array(target.techniques.length);
  const priors = new Float32Array(target.techniques.length);
  target.techniques.forEach((_, c) => {
    const source = sourceOf.get(c);
    bias[c] = source === undefined ? typicalBias : (baseBias[source] as number);
    priors[c] = source === undefined || !basePriors ? NEW_PRIOR : (basePriors[source] as number);
  });

  const postingStart = new Uint32Array(features.length + 1);
  const pClass: number[] = [];
  const pWeight: number[] = [];
  postings.forEach((m, f) => {
    postingStart[f] = pClass.length;
    for (const [c, w] of [...m].sort((a, b) => a[0] - b[0])) {
      pClass.push(c);
      pWeight.push(w);
    }
  });
  postingStart[features.length] = pClass.length;

  const carried = base.techniques.filter((_t, c) => !mapped[c]?.own && mapped[c]?.index !== undefined).map((t) => t.id);
  const model: ModelData = {
    ...base,
    attackVersion: target.attackVersion,
    info: { ...base.info, adaptedFrom: base.attackVersion, newTechniques: newTechniques.length, carriedFromRevoked: carried.length },
    techniques: target.techniques.map((t) => ({ id: t.id, name: t.name, threshold: base.threshold })),
    revoked: target.revoked,
    postingStart: encodeArray(postingStart),
    postingClass: encodeArray(Uint16Array.from(pClass)),
    postingWeight: encodeArray(Float32Array.from(pWeight)),
    bias: encodeArray(bias),
    priors: encodeArray(priors),
  };
  return { model, newTechniques, carried };
}
