/**
 * @module Training the mapping model: one-vs-rest logistic regression over TF-IDF weighted hashed
 * n-grams, fitted with SGD, then pruned to a sparse feature → technique weight table. Pure: the
 * examples come from the caller (ATT&CK texts, labelled reports, analyst feedback).
 */
import { blocksRow, featureBlocks, type SparseVector } from "./features";
import { successor } from "../attack/ids";
import { encodeArray, encodePostings, MODEL_FORMAT, type ModelData, type ModelTechnique } from "./model";

export interface TrainingExample {
  text: string;
  /** ATT&CK ids; empty for a sentence that describes no technique (a negative). */
  labels: string[];
  /** Relative weight of this example (default 1). */
  weight?: number;
  /**
   * The techniques this example was annotated for: it teaches nothing about the others. A TRAM2
   * sentence is annotated for TRAM2's 50 techniques only; an unlabelled one is no evidence that
   * it does not describe, say, data encryption for impact. Default: every technique.
   */
  annotatedFor?: string[];
}

export interface TrainOptions {
  attackVersion: string;
  techniques: { id: string; name: string }[];
  revoked: Record<string, string>;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Extra weight of a positive label against the many negatives. */
  positiveWeight?: number;
  minDf?: number;
  maxFeatures?: number;
  /** Character n-gram size of a second feature block (0 or absent: words only). */
  charGrams?: number;
  /** Most character n-gram features kept. */
  maxCharFeatures?: number;
  /** Weights smaller than this are dropped from the model. */
  pruneBelow?: number;
  /** At most this many techniques per feature, the largest weights (speed: postings are the scoring cost). */
  maxPostingsPerFeature?: number;
  threshold?: number;
  seed?: number;
  info?: Record<string, unknown>;
}

/** Deterministic PRNG so a build is reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function trainModel(examples: TrainingExample[], options: TrainOptions): ModelData {
  const epochs = options.epochs ?? 6;
  const lr0 = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-6;
  const posWeight = options.positiveWeight ?? 4;
  const minDf = options.minDf ?? 2;
  const maxFeatures = options.maxFeatures ?? 60_000;
  const pruneBelow = options.pruneBelow ?? 0.05;
  const maxPostings = options.maxPostingsPerFeature ?? 32;
  const random = mulberry32(options.seed ?? 1);

  const classes = options.techniques;
  const classOf = new Map(classes.map((t, i) => [t.id, i]));
  /** The class of an id, through revocations. */
  const classOfId = (id: string) => classOf.get(successor(id, (x) => options.revoked[x]));
  const C = classes.length;

  const charGrams = options.charGrams || undefined;
  const { kept, idf, rowStart, cols, vals, labelsOf, weightOf, maskOf } = designMatrix(
    examples,
    { ...options, minDf, maxFeatures },
    classOfId,
    C,
  );
  const F = kept.length;
  const N = examples.length;

  // SGD on the dense weight matrix W[f * C + c]; typed arrays live outside the JS heap.
  const W = new Float32Array(F * C);
  const bias = new Float32Array(C).fill(-4);
  const z = new Float64Array(C);
  const isPos = new Uint8Array(C);
  const order = Array.from({ length: N }, (_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const lr = lr0 / (1 + epoch);
    for (const i of order) {
      const a = rowStart[i] as number;
      const b = rowStart[i + 1] as number;
      z.set(bias);
      for (let k = a; k < b; k++) {
        const x = vals[k] as number;
        const base = (cols[k] as number) * C;
        for (let c = 0; c < C; c++) z[c] = (z[c] as number) + x * (W[base + c] as number);
      }
      const labels = labelsOf[i] as number[];
      for (const c of labels) isPos[c] = 1;
      const w = weightOf[i] as number;
      const mask = maskOf[i] as Uint8Array | null;
      for (let c = 0; c < C; c++) {
        if (mask && mask[c] === 0) {
          z[c] = 0; // not annotated for this technique: no gradient
          continue;
        }
        const p = 1 / (1 + Math.exp(-(z[c] as number)));
        const g = isPos[c] ? (p - 1) * posWeight * w : p * w;
        z[c] = g;
        bias[c] = (bias[c] as number) - lr * g * 0.1;
      }
      for (let k = a; k < b; k++) {
        const x = vals[k] as number;
        const base = (cols[k] as number) * C;
        for (let c = 0; c < C; c++) {
          const g = z[c] as number;
          if (g > -1e-5 && g < 1e-5) continue;
          const idx = base + c;
          W[idx] = (W[idx] as number) - lr * (g * x + l2 * (W[idx] as number));
        }
      }
      for (const c of labels) isPos[c] = 0;
    }
  }

  // Keep only weights that matter.
  const { postings, count } = encodePostings(F, (f) => {
    const base = f * C;
    const kept: [number, number][] = [];
    for (let c = 0; c < C; c++) {
      const w = W[base + c] as number;
      if (w >= pruneBelow || w <= -pruneBelow) kept.push([c, w]);
    }
    if (kept.length > maxPostings)
      kept.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]) || x[0] - y[0]).length = maxPostings;
    return kept.sort((x, y) => x[0] - y[0]);
  });

  const threshold = options.threshold ?? 0.5;
  const techniques: ModelTechnique[] = classes.map((t) => ({ id: t.id, name: t.name, threshold }));
  return {
    format: MODEL_FORMAT,
    attackVersion: options.attackVersion,
    info: {
      examples: N,
      features: F,
      postings: count,
      epochs,
      learningRate: lr0,
      l2,
      positiveWeight: posWeight,
      pruneBelow,
      maxPostings,
      ...options.info,
    },
    techniques,
    revoked: options.revoked,
    features: encodeArray(Uint32Array.from(kept)),
    idf: encodeArray(idf),
    ...postings,
    bias: encodeArray(bias),
    threshold,
    ...(charGrams ? { charGrams } : {}),
  };
}

/** Training rows: CSR tf-idf rows over the kept features, with each example's classes, weight and annotation mask. */
export interface Design {
  /** Kept feature hashes, sorted. */
  kept: number[];
  idf: Float32Array;
  rowStart: number[];
  cols: number[];
  vals: number[];
  labelsOf: number[][];
  weightOf: number[];
  /** Per example, the classes it supervises, or null for all. */
  maskOf: (Uint8Array | null)[];
}

export function designMatrix(
  examples: TrainingExample[],
  options: Pick<TrainOptions, "charGrams" | "maxCharFeatures"> & { minDf: number; maxFeatures: number },
  classOfId: (id: string) => number | undefined,
  C: number,
): Design {
  const { minDf, maxFeatures } = options;
  const charGrams = options.charGrams || undefined;
  // Counts per example and block, and document frequency per feature; each block keeps its most frequent features.
  const counted = examples.map((e) => featureBlocks(e.text, charGrams));
  const df = new Map<number, number>();
  const keptOf = (block: number, most: number) => {
    const blockDf = new Map<number, number>();
    for (const v of counted) for (const k of (v[block] as SparseVector).keys) blockDf.set(k, (blockDf.get(k) ?? 0) + 1);
    const kept = [...blockDf.entries()]
      .filter(([, n]) => n >= minDf)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, most);
    for (const [h, n] of kept) df.set(h, Math.max(df.get(h) ?? 0, n));
    return kept.map(([h]) => h);
  };
  const kept = [
    ...new Set([...keptOf(0, maxFeatures), ...(charGrams ? keptOf(1, options.maxCharFeatures ?? 100_000) : [])]),
  ].sort((a, b) => a - b);
  const F = kept.length;
  const featureOf = new Map(kept.map((h, i) => [h, i]));
  const N = examples.length;
  const idf = new Float32Array(F);
  for (let f = 0; f < F; f++) idf[f] = Math.log((N + 1) / ((df.get(kept[f] as number) ?? 0) + 1)) + 1;

  // CSR rows of L2-normalised tf-idf.
  const rowStart: number[] = [0];
  const cols: number[] = [];
  const vals: number[] = [];
  const labelsOf: number[][] = [];
  const weightOf: number[] = [];
  /** Per example, the classes it supervises, or null for all; shared between examples with the same list. */
  const maskOf: (Uint8Array | null)[] = [];
  const masks = new Map<string[], Uint8Array>();
  for (let i = 0; i < N; i++) {
    for (const [f, x] of blocksRow(
      counted[i] as ReturnType<typeof featureBlocks>,
      (h) => featureOf.get(h) ?? -1,
      idf,
    )) {
      cols.push(f);
      vals.push(x);
    }
    rowStart.push(cols.length);
    const example = examples[i] as TrainingExample;
    const labels = new Set<number>();
    for (const id of example.labels) {
      const c = classOfId(id);
      if (c !== undefined) labels.add(c);
    }
    labelsOf.push([...labels]);
    weightOf.push(example.weight ?? 1);
    let mask: Uint8Array | null = null;
    if (example.annotatedFor) {
      mask = masks.get(example.annotatedFor) ?? null;
      if (!mask) {
        mask = new Uint8Array(C);
        for (const id of example.annotatedFor) {
          const c = classOfId(id);
          if (c !== undefined) mask[c] = 1;
        }
        masks.set(example.annotatedFor, mask);
      }
      for (const c of labels) mask[c] = 1;
    }
    maskOf.push(mask);
  }

  return { kept, idf, rowStart, cols, vals, labelsOf, weightOf, maskOf };
}
