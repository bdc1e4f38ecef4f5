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
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

export function candidateFeatures(e: CandidateEvidence, sentences: number, priorLogit: number, isSub: boolean): number[] {
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
  ];
}

export function stackerProbability(s: StackerData, x: number[]): number {
  let z = s.bias;
  for (let i = 0; i < x.length; i++) z += (s.weights[i] ?? 0) * (((x[i] as number) - (s.mean[i] ?? 0)) / (s.scale[i] || 1));
  return 1 / (1 + Math.exp(-z));
}

/** Fits the stacker by full-batch gradient descent on the logistic loss with L2. Deterministic. */
export function trainStacker(rows: number[][], labels: number[], options: { l2?: number; iterations?: number; rate?: number } = {}): StackerData {
  const d = STACKER_FEATURES.length;
  const n = rows.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / Math.max(1, n));
  const scale = Array.from({ length: d }, (_, j) => {
    const v = rows.reduce((s, r) => s + ((r[j] as number) - (mean[j] as number)) ** 2, 0) / Math.max(1, n);
    return Math.sqrt(v) || 1;
  });
  const xs = rows.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (scale[j] as number)));
  const w = new Array<number>(d).fill(0);
  let b = 0;
  const l2 = options.l2 ?? 1e-3;
  const rate = options.rate ?? 0.5;
  for (let it = 0; it < (options.iterations ?? 2000); it++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i] as number[];
      let z = b;
      for (let j = 0; j < d; j++) z += (w[j] as number) * (x[j] as number);
      const g = 1 / (1 + Math.exp(-z)) - (labels[i] as number);
      for (let j = 0; j < d; j++) gw[j] = (gw[j] as number) + g * (x[j] as number);
      gb += g;
    }
    for (let j = 0; j < d; j++) w[j] = (w[j] as number) - rate * ((gw[j] as number) / n + l2 * (w[j] as number));
    b -= (rate * gb) / n;
  }
  return { features: STACKER_FEATURES, weights: w, bias: b, mean, scale };
}
