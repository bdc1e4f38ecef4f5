/**
 * @module The document-level decision: whether a report describes a technique, from how the
 * technique's evidence looks across the whole report (its best sentences, how many sentences
 * support it, explicit ids and names, the report's length, how often the technique is labelled in
 * training reports). A small logistic regression over these features, fitted on cross-validated
 * candidates, so long reports with scattered weak evidence stop asserting everything.
 */

export const STACKER_FEATURES = [
  "s1",
  "s2",
  "s3",
  "logit_noisy_or",
  "log_n50",
  "log_n20",
  "share_n50",
  "explicit_id",
  "log_names",
  "log_sentences",
  "prior_logit",
  "is_subtechnique",
  "first_strong_position",
  "term_precision",
  "has_term",
] as const;

export interface StackerData {
  features: readonly string[];
  weights: number[];
  bias: number;
  /** Feature means and scales used to standardise inputs before the weights apply. */
  mean: number[];
  scale: number[];
}

/** Evidence of one technique in one report, as the engine gathers it. */
export interface CandidateEvidence {
  /** Best sentence probabilities, strongest first (mentions included). */
  top: number[];
  noisyOr: number;
  n20: number;
  n50: number;
  /** Index of the first sentence with p ≥ 0.5, or -1. */
  firstStrong: number;
  idMentions: number;
  nameMentions: number;
  /** Best precision of the concept terms of the technique the report mentions (0: none). */
  termPrecision: number;
  /** Best sentence probability from the report head (0: below its floor or not a head class); mixed in by `withHead`. */
  headP: number;
  /** Whether the technique is one of the report head's classes. */
  inHead: boolean;
  /**
   * Whether only the report head found it: the main model, mentions and terms have no evidence of
   * it, so the stacker (fitted on theirs) says 0 and its score is the head's share alone.
   */
  headOnly: boolean;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

export function candidateFeatures(
  e: CandidateEvidence,
  sentences: number,
  priorLogit: number,
  isSub: boolean,
): number[] {
  return [
    e.top[0] ?? 0,
    e.top[1] ?? 0,
    e.top[2] ?? 0,
    logit(e.noisyOr),
    Math.log1p(e.n50),
    Math.log1p(e.n20),
    Math.log1p((100 * e.n50) / Math.max(1, sentences)),
    e.idMentions > 0 ? 1 : 0,
    Math.log1p(e.nameMentions),
    Math.log(Math.max(1, sentences)),
    priorLogit,
    isSub ? 1 : 0,
    e.firstStrong < 0 ? 1 : e.firstStrong / Math.max(1, sentences),
    e.termPrecision,
    e.termPrecision > 0 ? 1 : 0,
  ];
}

/**
 * A head technique's document score: the stacker's probability mixed with the report head's best
 * sentence probability, `weight` of the head's (chosen by cross-validation, see model:build). The
 * head enters here rather than as a stacker feature: the stacker fits log-loss over every
 * technique of both label spaces at once, and gave the head's evidence too little room.
 */
export function withHead(
  p: number,
  e: Pick<CandidateEvidence, "headP" | "inHead" | "headOnly">,
  weight: number,
): number {
  if (!e.inHead || weight <= 0) return p;
  return (e.headOnly ? 0 : (1 - weight) * p) + weight * e.headP;
}

/** `offset` is the technique's own calibration, added to the logit. */
export function stackerProbability(s: StackerData, x: number[], offset = 0): number {
  let z = s.bias + offset;
  for (let i = 0; i < x.length; i++)
    z += (s.weights[i] ?? 0) * (((x[i] as number) - (s.mean[i] ?? 0)) / (s.scale[i] || 1));
  return sigmoid(z);
}

export interface StackerOptions {
  /** L2 on the shared weights (sum-of-losses scale: next to nothing, there are thousands of rows). */
  l2?: number;
  /** L2 on each technique's offset: pulls techniques with few candidates to 0. */
  offsetL2?: number;
  /** Alternations between the shared weights and the offsets. */
  rounds?: number;
}

export interface TrainedStacker {
  stacker: StackerData;
  /** Per technique (the row's group), the logit offset fitted on its own candidates. */
  offsets: Map<string, number>;
}

/**
 * Fits the stacker: shared weights by Newton's method on the logistic loss, and, alternately, one
 * logit offset per group (technique) by a one-dimensional Newton step with an L2 prior. The offsets
 * calibrate techniques that annotators label more or less readily than their evidence suggests;
 * the prior keeps a technique seen in a handful of reports close to the shared model. Deterministic.
 */
export function trainStacker(
  rows: number[][],
  labels: number[],
  groups: string[],
  options: StackerOptions = {},
): TrainedStacker {
  const d = STACKER_FEATURES.length;
  const n = rows.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / Math.max(1, n));
  const scale = Array.from({ length: d }, (_, j) => {
    const v = rows.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / Math.max(1, n);
    return Math.sqrt(v) || 1;
  });
  // Standardised rows with a constant column for the bias (the last weight).
  const xs = rows.map((r) => [...r.map((v, j) => (v - (mean[j] as number)) / (scale[j] as number)), 1]);
  const l2 = options.l2 ?? 1e-2;
  const offsetL2 = options.offsetL2 ?? 1;
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const offsetOf = new Float64Array(n);
  const offsets = new Map<string, number>();
  let theta = new Array<number>(d + 1).fill(0);
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    theta = newtonLogistic(xs, labels, offsetOf, theta, l2);
    for (const [group, rowsOf] of members) {
      const z = rowsOf.map((i) => dot(theta, xs[i] as number[]));
      let b = 0;
      for (let it = 0; it < 20; it++) {
        let g = offsetL2 * b;
        let h = offsetL2;
        rowsOf.forEach((i, k) => {
          const p = sigmoid((z[k] as number) + b);
          g += p - (labels[i] as number);
          h += p * (1 - p);
        });
        b -= g / h;
      }
      offsets.set(group, b);
      for (const i of rowsOf) offsetOf[i] = b;
    }
  }
  return {
    stacker: { features: STACKER_FEATURES, weights: theta.slice(0, d), bias: theta[d] as number, mean, scale },
    offsets,
  };
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** Newton's method for L2-regularised logistic regression with fixed per-row offsets (the bias, last, is not penalised). */
function newtonLogistic(
  xs: number[][],
  labels: number[],
  offsetOf: Float64Array,
  start: number[],
  l2: number,
): number[] {
  const m = start.length;
  const theta = [...start];
  const loss = (t: number[]) =>
    xs.reduce((s, x, i) => {
      const z = dot(t, x) + (offsetOf[i] as number);
      // log(1 + e^z) − y·z, computed without overflow.
      return s + Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - (labels[i] as number) * z;
    }, 0) +
    (l2 / 2) * t.slice(0, m - 1).reduce((s, v) => s + v * v, 0);
  for (let it = 0; it < 50; it++) {
    const grad = theta.map((v, j) => (j < m - 1 ? l2 * v : 0));
    const hess = Array.from({ length: m }, (_, j) =>
      Array.from({ length: m }, (_, k) => (j === k && j < m - 1 ? l2 : j === k ? 1e-9 : 0)),
    );
    xs.forEach((x, i) => {
      const p = sigmoid(dot(theta, x) + (offsetOf[i] as number));
      const w = p * (1 - p);
      for (let j = 0; j < m; j++) {
        grad[j] = (grad[j] as number) + (p - (labels[i] as number)) * (x[j] as number);
        const row = hess[j] as number[];
        for (let k = 0; k <= j; k++) row[k] = (row[k] as number) + w * (x[j] as number) * (x[k] as number);
      }
    });
    for (let j = 0; j < m; j++)
      for (let k = j + 1; k < m; k++) (hess[j] as number[])[k] = (hess[k] as number[])[j] as number;
    const step = solve(hess, grad);
    // Halve the step until the loss does not rise: Newton can overshoot on near-separable rows.
    const before = loss(theta);
    let t = 1;
    let next = theta.map((v, j) => v - (step[j] as number));
    while (loss(next) > before && t > 1e-4) {
      t /= 2;
      next = theta.map((v, j) => v - t * (step[j] as number));
    }
    const moved = Math.max(...next.map((v, j) => Math.abs(v - (theta[j] as number))));
    theta.splice(0, m, ...next);
    if (moved < 1e-8) break;
  }
  return theta;
}

/** Solves A·x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const m = b.length;
  const A = a.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < m; c++) {
    let pivot = c;
    for (let r = c + 1; r < m; r++)
      if (Math.abs((A[r] as number[])[c] as number) > Math.abs((A[pivot] as number[])[c] as number)) pivot = r;
    [A[c], A[pivot]] = [A[pivot] as number[], A[c] as number[]];
    const p = A[c] as number[];
    for (let r = c + 1; r < m; r++) {
      const row = A[r] as number[];
      const f = (row[c] as number) / (p[c] as number);
      for (let k = c; k <= m; k++) row[k] = (row[k] as number) - f * (p[k] as number);
    }
  }
  const x = new Array<number>(m).fill(0);
  for (let r = m - 1; r >= 0; r--) {
    const row = A[r] as number[];
    let s = row[m] as number;
    for (let k = r + 1; k < m; k++) s -= (row[k] as number) * (x[k] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}
