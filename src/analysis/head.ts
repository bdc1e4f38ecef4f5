/**
 * @module The report head: a second sentence model, trained only on sentences of labelled reports
 * and only for the techniques their annotators label, as class-balanced logistic regressions fitted
 * to convergence (L-BFGS). ATT&CK's own sentences teach every technique but read unlike reports;
 * the head learns how reports describe the techniques annotators label, and its best sentence is
 * mixed into a head technique's document score (stacker.ts `withHead`). Pure: the sentences come
 * from the caller.
 */
import { successor } from "../attack/ids";
import { encodeArray, encodePostings, MODEL_FORMAT, type ModelData } from "./model";
import { designMatrix, type TrainingExample, type TrainOptions } from "./train";

/** As the main model's options where they share a name; here `pruneBelow` defaults to 0.2 and `charGrams` to 4 (0: words only). */
export interface HeadOptions extends Pick<
  TrainOptions,
  "attackVersion" | "techniques" | "revoked" | "minDf" | "maxFeatures" | "charGrams" | "pruneBelow"
> {
  /** Inverse L2 strength, as scikit-learn's C (on class-balanced example weights). */
  c?: number;
  /** A technique needs this many positive sentences to get a head class. */
  minPositives?: number;
  maxIterations?: number;
}

/** The head as a model of its own (its classes are the techniques it learned), or null without enough labelled sentences. */
export function trainHead(examples: TrainingExample[], options: HeadOptions): ModelData | null {
  const minPositives = options.minPositives ?? 3;
  const names = new Map(options.techniques.map((t) => [t.id, t.name]));
  const current = (id: string) => successor(id, (x) => options.revoked[x]);
  // Head classes: techniques with enough positive sentences, in a stable order.
  const positives = new Map<string, number>();
  for (const e of examples)
    for (const id of new Set(e.labels.map(current))) if (names.has(id)) positives.set(id, (positives.get(id) ?? 0) + 1);
  const ids = [...positives]
    .filter(([, n]) => n >= minPositives)
    .map(([id]) => id)
    .sort();
  if (ids.length === 0) return null;
  const classOf = new Map(ids.map((id, i) => [id, i]));
  const C = ids.length;
  const charGrams = options.charGrams ?? 4;
  const d = designMatrix(
    examples,
    { charGrams, minDf: options.minDf ?? 2, maxFeatures: options.maxFeatures ?? 60_000 },
    (id) => classOf.get(current(id)),
    C,
  );
  const F = d.kept.length;
  const N = examples.length;
  const inverseC = 1 / (options.c ?? 3);
  const pruneBelow = options.pruneBelow ?? 0.2;

  const W = new Float32Array(F * C);
  const bias = new Float32Array(C);
  const isPos = new Uint8Array(N);
  const rows: number[] = [];
  for (let c = 0; c < C; c++) {
    // The rows that supervise this class, and balanced weights: positives and negatives weigh the same in total.
    rows.length = 0;
    let nPos = 0;
    for (let i = 0; i < N; i++) {
      const mask = d.maskOf[i];
      if (mask && mask[c] === 0) continue;
      rows.push(i);
      isPos[i] = (d.labelsOf[i] as number[]).includes(c) ? 1 : 0;
      nPos += isPos[i] as number;
    }
    const n = rows.length;
    if (nPos === 0 || nPos === n) continue;
    const wPos = n / (2 * nPos);
    const wNeg = n / (2 * (n - nPos));
    // Objective over [w (F), b]: Σ s_i·logloss + ||w||² / (2C), divided by n to keep steps well scaled.
    const objective = (x: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      const b = x[F] as number;
      let loss = 0;
      for (let r = 0; r < n; r++) {
        const i = rows[r] as number;
        let s = b;
        for (let k = d.rowStart[i] as number; k < (d.rowStart[i + 1] as number); k++)
          s += (d.vals[k] as number) * (x[d.cols[k] as number] as number);
        const y = isPos[i] as number;
        const weight = (y ? wPos : wNeg) * (d.weightOf[i] as number);
        loss += weight * (Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - y * s);
        const g = (weight * (1 / (1 + Math.exp(-s)) - y)) / n;
        grad[F] = (grad[F] as number) + g;
        for (let k = d.rowStart[i] as number; k < (d.rowStart[i + 1] as number); k++) {
          const f = d.cols[k] as number;
          grad[f] = (grad[f] as number) + g * (d.vals[k] as number);
        }
      }
      let norm = 0;
      for (let f = 0; f < F; f++) {
        const w = x[f] as number;
        norm += w * w;
        grad[f] = (grad[f] as number) + (inverseC * w) / n;
      }
      return loss / n + (inverseC * norm) / (2 * n);
    };
    const x = lbfgs(objective, F + 1, options.maxIterations ?? 200);
    for (let f = 0; f < F; f++) W[f * C + c] = x[f] as number;
    bias[c] = x[F] as number;
  }

  const { postings, count } = encodePostings(F, (f) => {
    const kept: [number, number][] = [];
    for (let c = 0; c < C; c++) {
      const w = W[f * C + c] as number;
      if (w >= pruneBelow || w <= -pruneBelow) kept.push([c, w]);
    }
    return kept;
  });
  return {
    format: MODEL_FORMAT,
    attackVersion: options.attackVersion,
    info: { examples: N, features: F, postings: count, classes: C, c: options.c ?? 3, pruneBelow },
    techniques: ids.map((id) => ({ id, name: names.get(id) as string, threshold: 0.5 })),
    revoked: {},
    features: encodeArray(Uint32Array.from(d.kept)),
    idf: encodeArray(d.idf),
    ...postings,
    bias: encodeArray(bias),
    threshold: 0.5,
    ...(charGrams ? { charGrams } : {}),
  };
}

/**
 * Minimises a smooth convex function from 0 by limited-memory BFGS with a backtracking (Armijo)
 * line search. `f(x, grad)` returns the value and writes the gradient. Deterministic.
 */
export function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  size: number,
  maxIterations: number,
  memory = 7,
): Float64Array {
  const x = new Float64Array(size);
  const g = new Float64Array(size);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(size);
  const xNext = new Float64Array(size);
  const gNext = new Float64Array(size);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < size; i++) s += (a[i] as number) * (b[i] as number);
    return s;
  };
  for (let it = 0; it < maxIterations; it++) {
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < size; i++) dir[i] = -(g[i] as number);
    const alpha: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(S[k] as Float64Array, dir);
      alpha[k] = a;
      const y = Y[k] as Float64Array;
      for (let i = 0; i < size; i++) dir[i] = (dir[i] as number) - a * (y[i] as number);
    }
    const last = S.length - 1;
    const gamma =
      last >= 0
        ? dot(S[last] as Float64Array, Y[last] as Float64Array) / dot(Y[last] as Float64Array, Y[last] as Float64Array)
        : 1 / Math.sqrt(dot(g, g) || 1);
    for (let i = 0; i < size; i++) dir[i] = (dir[i] as number) * gamma;
    for (let k = 0; k < S.length; k++) {
      const beta = (rho[k] as number) * dot(Y[k] as Float64Array, dir);
      const s = S[k] as Float64Array;
      for (let i = 0; i < size; i++) dir[i] = (dir[i] as number) + ((alpha[k] as number) - beta) * (s[i] as number);
    }
    const slope = dot(g, dir);
    if (slope >= 0) break; // not a descent direction: converged as far as numerics allow
    let t = 1;
    let fNext: number;
    for (;;) {
      for (let i = 0; i < size; i++) xNext[i] = (x[i] as number) + t * (dir[i] as number);
      fNext = f(xNext, gNext);
      if (fNext <= fx + 1e-4 * t * slope || t < 1e-10) break;
      t /= 2;
    }
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = (xNext[i] as number) - (x[i] as number);
      y[i] = (gNext[i] as number) - (g[i] as number);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const decrease = fx - fNext;
    x.set(xNext);
    g.set(gNext);
    fx = fNext;
    if (decrease < 1e-9 * Math.max(1, Math.abs(fx))) break;
  }
  return x;
}
