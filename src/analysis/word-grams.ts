/**
 * @module A word's character n-grams as a model knows them (features.ts gramRow): its known n-gram
 * features and their squared tf · idf norm, and, for models with few classes, a cache of each word's
 * summed class contributions in flat arrays, so a repeated word costs one probe and one contiguous read.
 */
import type { Tokens } from "./features";
import { featureIndex, type Model } from "./model";

/** Scratch for `knownGrams`: n-gram hashes of one word. */
let hashes = new Uint32Array(64);

/** Writes the model's feature indices of word t's n-grams (repeats included) into `out` from 0; returns how many, or −1 when `out` is too short. */
export function knownGrams(model: Model, tokens: Tokens, t: number, size: number, out: Int32Array): number {
  const count = (tokens.ends[t] as number) - (tokens.starts[t] as number) + 3 - size;
  if (count <= 0) return 0;
  if (out.length < count) return -1;
  if (hashes.length < count) hashes = new Uint32Array(2 * count);
  const m = tokens.wordGrams(t, size, hashes, 0);
  let n = 0;
  for (let i = 0; i < m; i++) {
    const f = featureIndex(model, hashes[i] as number);
    if (f >= 0) out[n++] = f;
  }
  return n;
}

/** Squared norm of a word's n-gram block, features[0, n) with repeats: an n-gram the word has twice (rare) weighs tf 2. */
export function gramNorm2(model: Model, features: Int32Array, n: number): number {
  let norm2 = 0;
  for (let i = 0; i < n; i++) {
    const f = features[i] as number;
    let tf = 1;
    let first = true;
    for (let j = 0; j < n; j++) {
      if (j === i || features[j] !== f) continue;
      if (j < i) first = false;
      else tf++;
    }
    if (first) norm2 += (tf * (model.idf[f] as number)) ** 2;
  }
  return norm2;
}

/**
 * Per word (keyed by its hash, checked by its text), Σ idf · weight over its n-gram occurrences per
 * class, and its squared norm. Starts over when full.
 */
export class WordGramCache {
  /** Per entry, its classes' sums (entry · classes + class). */
  readonly sums: Float32Array;
  readonly norm2: Float64Array;
  private readonly slots: Int32Array;
  private readonly keys: Int32Array;
  private readonly words: string[] = [];
  private readonly mask: number;
  private readonly classes: number;
  private size = 0;
  private features = new Int32Array(64);

  constructor(
    private readonly model: Model,
    private readonly gramSize: number,
    private readonly capacity: number,
  ) {
    this.classes = model.techniques.length;
    this.sums = new Float32Array(capacity * this.classes);
    this.norm2 = new Float64Array(capacity);
    const tableSize = 1 << Math.ceil(Math.log2(2 * capacity));
    this.slots = new Int32Array(tableSize);
    this.keys = new Int32Array(tableSize);
    this.mask = tableSize - 1;
  }

  /** The entry of word t, computed on a miss. */
  entryOf(tokens: Tokens, t: number): number {
    const key = tokens.words[t] as number;
    let slot = key & this.mask;
    for (;;) {
      const v = this.slots[slot] as number;
      if (v === 0) break;
      if (this.keys[slot] === key && tokens.isGramWord(t, this.words[v - 1] as string)) return v - 1;
      slot = (slot + 1) & this.mask;
    }
    if (this.size === this.capacity) {
      this.slots.fill(0);
      this.words.length = 0;
      this.size = 0;
      slot = key & this.mask;
    }
    const entry = this.size++;
    this.slots[slot] = entry + 1;
    this.keys[slot] = key;
    this.words[entry] = tokens.gramWord(t);
    this.fill(entry, tokens, t);
    return entry;
  }

  private fill(entry: number, tokens: Tokens, t: number): void {
    const { model, classes } = this;
    let n = knownGrams(model, tokens, t, this.gramSize, this.features);
    if (n < 0) {
      this.features = new Int32Array(2 * ((tokens.ends[t] as number) - (tokens.starts[t] as number) + 3));
      n = knownGrams(model, tokens, t, this.gramSize, this.features);
    }
    const base = entry * classes;
    this.sums.fill(0, base, base + classes);
    for (let i = 0; i < n; i++) {
      const f = this.features[i] as number;
      const idf = model.idf[f] as number;
      for (let k = model.postingStart[f] as number; k < (model.postingStart[f + 1] as number); k++) {
        const c = base + (model.postingClass[k] as number);
        this.sums[c] = (this.sums[c] as number) + idf * (model.postingWeight[k] as number);
      }
    }
    this.norm2[entry] = gramNorm2(model, this.features, n);
  }
}
