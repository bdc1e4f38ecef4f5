/**
 * @module Concept terms: words and word pairs whose mere mention in a report goes with a technique
 * in document-labelled training reports ("ransomware" with Data Encrypted for Impact, "phishing"
 * with Phishing). Annotators who label a report by the concepts it mentions (AnnoCTR) label such a
 * technique even when no sentence describes the behaviour, so the sentence model alone never
 * proposes it. Mined at build time from the model's own features; at analysis time a term's
 * sentence is the evidence and its precision a feature of the document-level decision.
 */
import { currentId, featureIndex, type LexiconEntry, type Model } from "./model";

export type { LexiconEntry };
import { Tokens } from "./features";
import { segmentSentences } from "./text";

export interface LexiconOptions {
  /** Reports that must both mention the term and carry the technique. */
  minSupport?: number;
  minPrecision?: number;
  /** Terms kept per technique, the most precise first. */
  perTechnique?: number;
}

/** The model's feature indices present anywhere in a text. */
function featuresOf(model: Model, text: string, tokens: Tokens): Set<number> {
  const out = new Set<number>();
  for (const span of segmentSentences(text)) {
    const n = tokens.read(text, span.start, span.end).features();
    for (let i = 0; i < n; i++) {
      const f = featureIndex(model, tokens.hashes[i] as number);
      if (f >= 0) out.add(f);
    }
  }
  return out;
}

/**
 * Terms that go with a technique in document-labelled reports: mentioned by at least `minSupport`
 * reports carrying it, and carried by at least `minPrecision` of the reports mentioning them.
 * Deterministic: ties are broken by support, then by hash.
 */
export function mineLexicon(
  model: Model,
  reports: { text: string; labels: string[] }[],
  options: LexiconOptions = {},
): LexiconEntry[] {
  const minSupport = options.minSupport ?? 4;
  const minPrecision = options.minPrecision ?? 0.6;
  const perTechnique = options.perTechnique ?? 3;
  const tokens = new Tokens();
  const df = new Map<number, number>();
  const support = new Map<string, Map<number, number>>();
  for (const report of reports) {
    const features = featuresOf(model, report.text, tokens);
    for (const f of features) df.set(f, (df.get(f) ?? 0) + 1);
    const labels = new Set(report.labels.map((id) => currentId(model, id)).filter((id) => model.indexOf.has(id)));
    for (const id of labels) {
      const counts = support.get(id) ?? new Map<number, number>();
      for (const f of features) counts.set(f, (counts.get(f) ?? 0) + 1);
      support.set(id, counts);
    }
  }
  const hashes = model.featureHashes;
  const out: LexiconEntry[] = [];
  for (const [technique, counts] of [...support].sort((a, b) => a[0].localeCompare(b[0]))) {
    const kept = [...counts]
      .filter(([, n]) => n >= minSupport)
      .map(([f, n]) => ({ hash: hashes[f] as number, n, precision: n / ((df.get(f) ?? 0) + 1) }))
      .filter((t) => t.precision >= minPrecision)
      .sort((a, b) => b.precision - a.precision || b.n - a.n || a.hash - b.hash)
      .slice(0, perTechnique);
    for (const t of kept) out.push({ hash: t.hash, technique, precision: Math.round(t.precision * 1e4) / 1e4 });
  }
  return out;
}

/** Per feature index, the terms it is (class and precision), for the engine. */
export interface TermIndex {
  /** 1 where a feature is a term of some technique: the engine's cheap first test. */
  isTerm: Uint8Array;
  entries: Map<number, { classIndex: number; precision: number }[]>;
}

const termIndexes = new WeakMap<Model, TermIndex | null>();

/** The term index of a model, made once; null for a model without a lexicon. */
export function termsOf(model: Model): TermIndex | null {
  let index = termIndexes.get(model);
  if (index === undefined) {
    index = model.data.lexicon?.length ? termIndex(model, model.data.lexicon) : null;
    termIndexes.set(model, index);
  }
  return index;
}

function termIndex(model: Model, lexicon: LexiconEntry[]): TermIndex {
  const isTerm = new Uint8Array(model.idf.length);
  const entries = new Map<number, { classIndex: number; precision: number }[]>();
  for (const e of lexicon) {
    const f = featureIndex(model, e.hash);
    const classIndex = model.indexOf.get(currentId(model, e.technique));
    if (f < 0 || classIndex === undefined) continue;
    isTerm[f] = 1;
    const list = entries.get(f) ?? [];
    list.push({ classIndex, precision: e.precision });
    entries.set(f, list);
  }
  return { isTerm, entries };
}
