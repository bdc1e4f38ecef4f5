/**
 * @module A word's character n-grams as a model knows them (features.ts gramRow): its known n-gram
 * features and their squared tf · idf norm, and, for models with few classes, a cache of each word's
 * summed class contributions in flat arrays, so a repeated word costs one probe and one contiguous read.
 */
import type { Tokens } from "./features";
import { featureIndex, type Model } from "./model";

/** Reads one word's n-grams as a model knows them, into buffers it keeps and grows. */
export class WordGramReader {
  /** Feature indices of the last word's known n-grams, repeats included: features[0, count). */
  features = new Int32Array(64);
  count = 0;
  /** The last word's squared tf · idf norm: an n-gram the word has twice (rare) weighs tf 2. */
  norm2 = 0;
  private hashes = new Uint32Array(64);

  constructor(
    private readonly model: Model,
    private readonly size: number,
  ) {}

  read(tokens: Tokens, t: number): this {
    const { model } = this;
    const room = tokens.gramCount(t, this.size);
    if (this.hashes.length < room) {
      this.hashes = new Uint32Array(2 * room);
      this.features = new Int32Array(2 * room);
    }
    const m = tokens.wordGrams(t, this.size, this.hashes, 0);
    let n = 0;
    for (let i = 0; i < m; i++) {
      const f = featureIndex(model, this.hashes[i] as number);
      if (f >= 0) this.features[n++] = f;
    }
    this.count = n;
    this.norm2 = 0;
    for (let i = 0; i < n; i++) {
      const f = this.features[i] as number;
      let tf = 1;
      let first = true;
      for (let j = 0; j < n; j++) {
        if (j === i || this.features[j] !== f) continue;
        if (j < i) first = false;
        else tf++;
      }
      if (first) this.norm2 += (tf * (model.idf[f] as number)) ** 2;
    }
    return this;
  }
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
  private readonly reader: WordGramReader;

  constructor(
    private readonly model: Model,
    gramSize: number,
    private readonly capacity: number,
  ) {
    this.reader = new WordGramReader(model, gramSize);
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
    const grams = this.reader.read(tokens, t);
    const base = entry * classes;
    this.sums.fill(0, base, base + classes);
    for (let i = 0; i < grams.count; i++) {
      const f = grams.features[i] as number;
      const idf = model.idf[f] as number;
      for (let k = model.postingStart[f] as number; k < (model.postingStart[f + 1] as number); k++) {
        const c = base + (model.postingClass[k] as number);
        this.sums[c] = (this.sums[c] as number) + idf * (model.postingWeight[k] as number);
      }
    }
    this.norm2[entry] = grams.norm2;
  }
}
