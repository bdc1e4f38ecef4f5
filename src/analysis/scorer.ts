/**
 * @module Sentence scoring: a sentence's tokens through a model's sparse weights to a probability per
 * technique. Holds scratch arrays sized to the model, so a document's sentences are scored without
 * allocating per sentence. Features and weighting as training makes them (features.ts `blocksRow`).
 */
import { grown } from "../lib/collections";
import type { Tokens } from "./features";
import { featureIndex, type Model } from "./model";
import { WordGramCache, WordGramReader } from "./word-grams";

/** Sentence probabilities below this are not reported. */
const FLOOR = 0.05;
const LOGIT_FLOOR = Math.log(FLOOR / (1 - FLOOR));
/** Words whose n-gram features a scorer keeps; past this the cache starts over. */
const GRAM_CACHE_WORDS = 20_000;
/**
 * Up to this many classes (the report head's), a model with character n-grams caches each word's
 * n-grams as one dense vector of class contributions: a sentence then costs a few additions per
 * word, not a posting per n-gram. Such a model reports any class that reaches the floor, even one no
 * feature touches (its bias alone); a sparse one only classes some posting reached.
 */
const DENSE_CLASSES = 128;

export class SentenceScorer {
  private readonly scratch: Float64Array;
  /** Per class, a little under the sum its bias needs to reach FLOOR: a cheap first test. */
  private readonly reachFloor: Float64Array;
  private readonly seen: Int32Array;
  private readonly tf: Float64Array;
  /** Dense models: the sentence's n-gram block, per class, before normalising. */
  private readonly gramSums: Float64Array;
  private features = new Int32Array(256);
  /** Dense models: each word's n-gram class sums (word-grams.ts). */
  private readonly wordCache: WordGramCache | null;
  /** Sparse models with n-grams: reads each word's known n-gram features. */
  private readonly wordReader: WordGramReader | null;
  /** The last gatherGrams' sum of its words' squared norms. */
  private gramNorm2 = 0;
  /** How many distinct word features the last scored sentence had (their indices: `sentenceFeature`). */
  sentenceFeatures = 0;
  private stamp = 0;

  constructor(private readonly model: Model) {
    const classes = model.techniques.length;
    const features = model.idf.length;
    this.scratch = new Float64Array(classes);
    this.reachFloor = Float64Array.from(model.bias, (b) => LOGIT_FLOOR - b - 1e-9);
    this.seen = new Int32Array(features).fill(-1);
    this.tf = new Float64Array(features);
    const charGrams = model.data.charGrams;
    const dense = charGrams !== undefined && charGrams > 0 && classes <= DENSE_CLASSES;
    this.gramSums = new Float64Array(dense ? classes : 0);
    this.wordCache = dense ? new WordGramCache(model, charGrams, GRAM_CACHE_WORDS) : null;
    this.wordReader = charGrams && !dense ? new WordGramReader(model, charGrams) : null;
  }

  /**
   * Calls `emit(class, p)` for every technique with probability ≥ FLOOR in a sentence's tokens.
   * Synchronous, and the scratch state is clean again when it returns (unless `emit` throws).
   */
  score(tokens: Tokens, emit: (classIndex: number, p: number) => void): void {
    const { model, seen } = this;
    // A new stamp marks every feature unseen; start over before it leaves the Int32 range.
    if (this.stamp === 0x7fffffff) {
      seen.fill(-1);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    // features() may grow its buffer: read `hashes` after it.
    const wordCount = tokens.features();
    const words = this.gather(tokens.hashes, wordCount, stamp);
    // Concept terms are word features: only those are offered to the term lookup.
    this.sentenceFeatures = words;
    const charGrams = model.data.charGrams;
    if (!charGrams) {
      if (words === 0) return;
      this.normalise(words);
      this.scoreSparse(words, emit);
      return;
    }
    // The n-gram block, normalised word by word as in training (features.ts gramRow).
    const n = this.gatherGrams(tokens, words, stamp);
    const norm2 = this.gramNorm2;
    if (words === 0 && norm2 === 0) return;
    this.normalise(words);
    const inverse = 1 / (Math.sqrt(norm2) || 1);
    if (this.wordCache) {
      this.scoreDense(words, inverse, emit);
      return;
    }
    for (let i = words; i < n; i++) {
      const f = this.features[i] as number;
      this.tf[f] = (this.tf[f] as number) * (model.idf[f] as number) * inverse;
    }
    this.scoreSparse(n, emit);
  }

  /**
   * Adds the postings of features[0, n) into `scratch`. No bookkeeping of the classes touched: a
   * branch per posting on whether its class was seen costs more (mispredicted) than sweeping every
   * class afterwards.
   */
  private accumulate(n: number): void {
    const { model, scratch, tf, features } = this;
    const { postingStart, postingClass, postingWeight } = model;
    for (let i = 0; i < n; i++) {
      const f = features[i] as number;
      const x = tf[f] as number;
      const end = postingStart[f + 1] as number;
      for (let k = postingStart[f] as number; k < end; k++) {
        const c = postingClass[k] as number;
        scratch[c] = (scratch[c] as number) + x * (postingWeight[k] as number);
      }
    }
  }

  /** The classes features[0, n) reach: a class whose sum stays 0 (no posting) is not reported, as it never was. */
  private scoreSparse(n: number, emit: (classIndex: number, p: number) => void): void {
    const { model, scratch, reachFloor } = this;
    this.accumulate(n);
    for (let c = 0; c < scratch.length; c++) {
      const sum = scratch[c] as number;
      // Nearly every class stops at this test, which needs no addition; the exact one follows.
      if (sum < (reachFloor[c] as number) || sum === 0) continue;
      const z = sum + (model.bias[c] as number);
      // p >= FLOOR  ⇔  z >= logit(FLOOR): no exp() below it.
      if (z >= LOGIT_FLOOR) emit(c, 1 / (1 + Math.exp(-z)));
    }
    scratch.fill(0);
  }

  /** Every class: the word postings of features[0, words), plus the words' cached n-gram sums scaled by the block's 1 / norm. */
  private scoreDense(words: number, gramScale: number, emit: (classIndex: number, p: number) => void): void {
    const { model, scratch, gramSums } = this;
    this.accumulate(words);
    for (let c = 0; c < scratch.length; c++) {
      const z = (scratch[c] as number) + (gramSums[c] as number) * gramScale + (model.bias[c] as number);
      scratch[c] = 0;
      gramSums[c] = 0;
      if (z >= LOGIT_FLOOR) emit(c, 1 / (1 + Math.exp(-z)));
    }
  }

  /** Appends the distinct known features among `hashes[0, count)`, counting repeats in `tf`. */
  private gather(hashes: Uint32Array, count: number, stamp: number): number {
    if (this.features.length < count) this.features = grown(this.features, new Int32Array(2 * count));
    let n = 0;
    for (let i = 0; i < count; i++) n = this.count(featureIndex(this.model, hashes[i] as number), n, stamp);
    return n;
  }

  /** Counts feature f (−1: unknown) in `tf`, appending it at `n` when new; returns the new length. */
  private count(f: number, n: number, stamp: number): number {
    if (f < 0) return n;
    if (this.seen[f] === stamp) {
      this.tf[f] = (this.tf[f] as number) + 1;
      return n;
    }
    this.seen[f] = stamp;
    this.tf[f] = 1;
    this.features[n] = f;
    return n + 1;
  }

  /**
   * The sentence's character n-grams, word by word, and the sum of the words' squared norms (left in
   * `gramNorm2`). A dense model adds each word's cached class sums into `gramSums`; a sparse one
   * gathers the n-gram features after the words' (as `gather`, counting repeats in `tf`) and returns
   * the new length.
   */
  private gatherGrams(tokens: Tokens, from: number, stamp: number): number {
    const { gramSums, wordCache, wordReader } = this;
    let n = from;
    let norm2 = 0;
    for (let t = 0; t < tokens.length; t++) {
      if (!tokens.isContent(t)) continue;
      if (wordCache) {
        const entry = wordCache.entryOf(tokens, t);
        norm2 += wordCache.norm2[entry] as number;
        const sums = wordCache.sums;
        const base = entry * gramSums.length;
        for (let c = 0; c < gramSums.length; c++) gramSums[c] = (gramSums[c] as number) + (sums[base + c] as number);
      } else if (wordReader) {
        const grams = wordReader.read(tokens, t);
        norm2 += grams.norm2;
        if (this.features.length < n + grams.count)
          this.features = grown(this.features, new Int32Array(2 * (n + grams.count)));
        for (let i = 0; i < grams.count; i++) n = this.count(grams.features[i] as number, n, stamp);
      }
    }
    this.gramNorm2 = norm2;
    return n;
  }

  /** Turns the counts of the word features, features[0, words), into their L2-normalised (1 + log tf) · idf. */
  private normalise(words: number): void {
    const { model, tf, features } = this;
    let norm = 0;
    for (let i = 0; i < words; i++) {
      const f = features[i] as number;
      const count = tf[f] as number;
      // Most features occur once: 1 + log 1 = 1, without the log.
      const x = (count === 1 ? 1 : 1 + Math.log(count)) * (model.idf[f] as number);
      tf[f] = x;
      norm += x * x;
    }
    const inverse = 1 / (Math.sqrt(norm) || 1);
    for (let i = 0; i < words; i++) {
      const f = features[i] as number;
      tf[f] = (tf[f] as number) * inverse;
    }
  }

  /** The i-th distinct word feature index of the last scored sentence. */
  sentenceFeature(i: number): number {
    return this.features[i] as number;
  }
}

const scorers = new WeakMap<Model, SentenceScorer>();

/**
 * The scorer of a model, made once: its scratch arrays are sized by the feature count (hundreds of
 * KB), and coverage import analyses one short text per rule. Sharing is safe: `score` runs to
 * completion without yielding and leaves its scratch clean, as long as `emit` does not throw.
 */
export function scorerFor(model: Model): SentenceScorer {
  let scorer = scorers.get(model);
  if (!scorer) {
    scorer = new SentenceScorer(model);
    scorers.set(model, scorer);
  }
  return scorer;
}
