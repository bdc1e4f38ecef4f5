/**
 * @module Scoring predicted technique sets against gold sets, the way technique mapping is judged:
 * F1 per document averaged over documents, on the dataset's own label space.
 */

/** Maps a predicted id into the label space: itself, or its parent when only the parent is there. */
export function intoLabelSpace(id: string, space: Set<string>): string | null {
  if (space.has(id)) return id;
  const parent = id.split(".")[0] as string;
  return parent !== id && space.has(parent) ? parent : null;
}

export interface DocOutcome {
  gold: Set<string>;
  predicted: Set<string>;
}

export interface Scores {
  docF1: number;
  docs: number;
  microP: number;
  microR: number;
  microF1: number;
}

export function score(outcomes: DocOutcome[]): Scores {
  let f1Sum = 0;
  let docs = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { gold, predicted } of outcomes) {
    let hit = 0;
    for (const p of predicted) if (gold.has(p)) hit++;
    tp += hit;
    fp += predicted.size - hit;
    fn += gold.size - hit;
    // Documents without any gold label have no F1; they still count in the micro figures.
    if (gold.size === 0) continue;
    docs++;
    if (hit > 0) {
      const p = hit / predicted.size;
      const r = hit / gold.size;
      f1Sum += (2 * p * r) / (p + r);
    }
  }
  const microP = tp + fp ? tp / (tp + fp) : 0;
  const microR = tp + fn ? tp / (tp + fn) : 0;
  return {
    docF1: docs ? f1Sum / docs : 0,
    docs,
    microP,
    microR,
    microF1: microP + microR ? (2 * microP * microR) / (microP + microR) : 0,
  };
}

/** Per label: true positives, false positives, false negatives. */
export function perLabel(outcomes: DocOutcome[]): Map<string, { tp: number; fp: number; fn: number }> {
  const out = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (l: string) => {
    let v = out.get(l);
    if (!v) out.set(l, (v = { tp: 0, fp: 0, fn: 0 }));
    return v;
  };
  for (const { gold, predicted } of outcomes) {
    for (const p of predicted) get(p)[gold.has(p) ? "tp" : "fp"]++;
    for (const g of gold) if (!predicted.has(g)) get(g).fn++;
  }
  return out;
}
