/**
 * @module Sentence features: lower-cased, lightly stemmed word unigrams and bigrams of content
 * words, hashed to 32-bit ids (FNV-1a), so the model stores no vocabulary strings.
 */
import { grown, Int32Table } from "../lib/collections";
import { isWordChar } from "./text";

const STOPWORDS = new Set(
  (
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those " +
    "which who whom whose what when where while than then there their them they he she his her we our you your i me my " +
    "has have had do does did can could would should may might will shall not no nor so such also into onto over under " +
    "about after before between during through via per each other some any all both more most many much very just only " +
    "own same too s t one two three first second new used using use uses"
  ).split(" "),
);

/** Tokens longer than this are hashes, keys or base64: noise for the model. */
const MAX_TOKEN = 24;

/** Light suffix stripping so "executes", "executed" and "executing" share a feature. */
export function stem(w: string): string {
  const n = w.length;
  if (n <= 3) return w;
  if (n > 4 && w.endsWith("ies")) return `${w.slice(0, -3)}y`;
  if (w.endsWith("sses")) return w.slice(0, -2);
  if (n > 5 && w.endsWith("ing")) return w.slice(0, -3);
  if (n > 4 && w.endsWith("ed") && !w.endsWith("eed")) return w.slice(0, -2);
  if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) return w.slice(0, -1);
  return w;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hashString(s: string, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

const BIGRAM_SEED = 0x9e3779b9;
/** Seeds character n-gram hashes, so they do not collide with word hashes by construction. */
const CHAR_SEED = 0x7f4a7c15;
/** An ASCII upper-case letter's lower case; any other char code as it is. */
const lowerAscii = (c: number) => (c >= 65 && c <= 90 ? c | 0x20 : c);
const mixBigram = (a: number, b: number) => (Math.imul(a ^ BIGRAM_SEED, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35)) >>> 0;

/** Stopword hashes, as int32 like Tokens.words: every ASCII word looks itself up here. */
const STOPWORD_HASHES = new Int32Table(STOPWORDS.size);
for (const w of STOPWORDS) STOPWORD_HASHES.set(hashString(w) | 0, 0);

/** Word token kinds, as features() needs them. */
const WORD = 0;
/** Shorter than 2 or longer than MAX_TOKEN characters, or all digits: breaks bigrams, no feature. */
const NOISE = 1;
const STOPWORD = 2;

/**
 * The words of a span with their offsets, each as two hashes: of the lower-cased word (for
 * stopwords and technique names) and of its stem (the model's feature). ASCII words, nearly all of
 * them, are hashed straight from their char codes without building a string; buffers are reused
 * between spans.
 */
export class Tokens {
  /** Hash of each lower-cased word, as int32: maps keyed by it need no boxed numbers. */
  words = new Int32Array(64);
  stems = new Uint32Array(64);
  kinds = new Uint8Array(64);
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  length = 0;
  /** Feature hashes of the last features() call. */
  hashes = new Uint32Array(128);
  /** Lower-cased char codes of the current ASCII word. */
  private codes = new Uint16Array(64);
  /** The text of the last read(). */
  private text = "";
  /** What features() returned since the last read() (-1: not yet): two models score one read. */
  private featureCount = -1;

  /**
   * Fills `hashes` with the hash of every feature, repeats included, and returns how many: the
   * stem of each content word, and the bigram of each pair of content words that no number, short
   * or over-long token separates (stopwords do not separate them).
   */
  features(): number {
    if (this.featureCount >= 0) return this.featureCount;
    if (this.hashes.length < 2 * this.length) this.hashes = new Uint32Array(4 * this.length);
    const hashes = this.hashes;
    let n = 0;
    let prev = -1;
    for (let t = 0; t < this.length; t++) {
      const kind = this.kinds[t] as number;
      if (kind === NOISE) {
        prev = -1;
        continue;
      }
      if (kind === STOPWORD) continue;
      const h = this.stems[t] as number;
      hashes[n++] = h;
      if (prev >= 0) hashes[n++] = mixBigram(prev, h);
      prev = h;
    }
    this.featureCount = n;
    return n;
  }

  /** Whether word `t` is a content word (what features() and the character n-grams read). */
  isContent(t: number): boolean {
    return this.kinds[t] === WORD;
  }

  /** How many character n-grams of `size` word `t` has, read as " word ". */
  gramCount(t: number, size: number): number {
    return Math.max(0, (this.ends[t] as number) - (this.starts[t] as number) + 3 - size);
  }

  /**
   * Writes the hashes of the character n-grams of word `t`, read as " word " (ASCII lower-cased), into
   * `out` from `at` (room for gramCount(t, size)) and returns the new end. They let "credential",
   * "credentials" and "CredentialManager" share evidence that whole words do not.
   */
  wordGrams(t: number, size: number, out: Uint32Array, at: number): number {
    const text = this.text;
    const s = this.starts[t] as number;
    const len = (this.ends[t] as number) - s;
    let n = at;
    for (let a = -1; a < len + 2 - size; a++) {
      let h = CHAR_SEED;
      for (let k = a; k < a + size; k++) {
        const c = k < 0 || k >= len ? 32 : text.charCodeAt(s + k);
        h = Math.imul(h ^ lowerAscii(c), FNV_PRIME);
      }
      out[n++] = h >>> 0;
    }
    return n;
  }

  /** Word `t` as its character n-grams read it (ASCII letters lower-cased). */
  gramWord(t: number): string {
    const s = this.starts[t] as number;
    let out = "";
    for (let k = s; k < (this.ends[t] as number); k++) out += String.fromCharCode(lowerAscii(this.text.charCodeAt(k)));
    return out;
  }

  /** Whether word `t` reads as `word` (a gramWord). */
  isGramWord(t: number, word: string): boolean {
    const s = this.starts[t] as number;
    const len = (this.ends[t] as number) - s;
    if (len !== word.length) return false;
    for (let k = 0; k < len; k++) if (lowerAscii(this.text.charCodeAt(s + k)) !== word.charCodeAt(k)) return false;
    return true;
  }

  read(text: string, start: number, end: number): this {
    this.text = text;
    this.featureCount = -1;
    let n = 0;
    let i = start;
    while (i < end) {
      while (i < end && !isWordChar(text.charCodeAt(i))) i++;
      const s = i;
      let ascii = true;
      let digits = true;
      for (; i < end; i++) {
        const c = text.charCodeAt(i);
        if (!isWordChar(c)) break;
        if (c > 127) ascii = false;
        else if (c > 57) digits = false;
      }
      if (i === s) break;
      if (n === this.words.length) this.grow();
      this.starts[n] = s;
      this.ends[n] = i;
      if (ascii) this.hashAscii(n, text, s, i, digits);
      else {
        const word = text.slice(s, i).toLowerCase();
        this.words[n] = hashString(word) | 0;
        this.stems[n] = hashString(stem(word));
        this.kinds[n] = word.length < 2 || word.length > MAX_TOKEN ? NOISE : STOPWORDS.has(word) ? STOPWORD : WORD;
      }
      n++;
    }
    this.length = n;
    return this;
  }

  private grow(): void {
    const size = this.words.length * 2;
    this.words = grown(this.words, new Int32Array(size));
    this.stems = grown(this.stems, new Uint32Array(size));
    this.kinds = grown(this.kinds, new Uint8Array(size));
    this.starts = grown(this.starts, new Int32Array(size));
    this.ends = grown(this.ends, new Int32Array(size));
  }

  /** hashString(word) and hashString(stem(word)) of the lower-cased ASCII word text[s, e), cut as `stem` cuts it. */
  private hashAscii(n: number, text: string, s: number, e: number, digits: boolean): void {
    const len = e - s;
    if (len > this.codes.length) this.codes = new Uint16Array(len * 2);
    const codes = this.codes;
    for (let k = 0; k < len; k++) codes[k] = lowerAscii(text.charCodeAt(s + k));
    // Where stem() cuts the word, and whether it then appends "y".
    let keep = len;
    let y = false;
    if (len > 3) {
      const c1 = codes[len - 1] as number;
      const c2 = codes[len - 2] as number;
      const c3 = codes[len - 3] as number;
      if (len > 4 && c3 === 105 && c2 === 101 && c1 === 115) {
        keep = len - 3; // -ies → -y
        y = true;
      } else if (codes[len - 4] === 115 && c3 === 115 && c2 === 101 && c1 === 115)
        keep = len - 2; // -sses
      else if (len > 5 && c3 === 105 && c2 === 110 && c1 === 103)
        keep = len - 3; // -ing
      else if (len > 4 && c2 === 101 && c1 === 100 && c3 !== 101)
        keep = len - 2; // -ed, not -eed
      else if (c1 === 115 && c2 !== 115 && c2 !== 117 && c2 !== 105) keep = len - 1; // -s, not -ss -us -is
    }
    let h = FNV_OFFSET;
    let stemHash = 0;
    for (let k = 0; k < len; k++) {
      if (k === keep) stemHash = h;
      h = Math.imul(h ^ (codes[k] as number), FNV_PRIME);
    }
    const word = h >>> 0;
    if (keep === len) stemHash = word;
    else if (y) stemHash = Math.imul(stemHash ^ 121, FNV_PRIME) >>> 0;
    else stemHash >>>= 0;
    this.words[n] = word | 0;
    this.stems[n] = stemHash;
    this.kinds[n] = len < 2 || len > MAX_TOKEN || digits ? NOISE : STOPWORD_HASHES.get(word | 0) >= 0 ? STOPWORD : WORD;
  }
}

const scratchTokens = new Tokens();

/** Sparse vector: feature hashes and values, parallel arrays. */
export interface SparseVector {
  keys: number[];
  values: number[];
}

function counted(hashes: Uint32Array, n: number): SparseVector {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const h = hashes[i] as number;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return { keys: [...counts.keys()], values: [...counts.values()] };
}

/** The character n-gram block: the text's counts, and each content word's own (they set the block's norm). */
export interface GramBlock extends SparseVector {
  words: SparseVector[];
}

/** The feature counts of a text as a model with `charGrams` reads it: words, then (with `charGrams`) character n-grams. */
export function featureBlocks(text: string, charGrams: number | undefined): [SparseVector] | [SparseVector, GramBlock] {
  const tokens = scratchTokens.read(text, 0, text.length);
  // features() may grow its buffer: read `hashes` after the call.
  const n = tokens.features();
  const words = counted(tokens.hashes, n);
  if (!charGrams) return [words];
  const parts: SparseVector[] = [];
  const total = new Map<number, number>();
  let buffer = new Uint32Array(64);
  for (let t = 0; t < tokens.length; t++) {
    if (!tokens.isContent(t)) continue;
    const room = tokens.gramCount(t, charGrams);
    if (room === 0) continue;
    if (buffer.length < room) buffer = new Uint32Array(2 * room);
    const part = counted(buffer, tokens.wordGrams(t, charGrams, buffer, 0));
    parts.push(part);
    part.keys.forEach((h, j) => total.set(h, (total.get(h) ?? 0) + (part.values[j] as number)));
  }
  return [words, { keys: [...total.keys()], values: [...total.values()], words: parts }];
}

/**
 * A text's model row: its word block (tfidfRow) and its n-gram block (gramRow), concatenated.
 */
export function blocksRow(
  blocks: [SparseVector] | [SparseVector, GramBlock],
  indexOf: (hash: number) => number,
  idf: Float32Array,
): [number, number][] {
  const [words, grams] = blocks;
  const row = tfidfRow(words, indexOf, idf);
  return grams ? row.concat(gramRow(grams, indexOf, idf)) : row;
}

/**
 * A count row as the model sees it: (1 + log tf) · idf per known feature, L2-normalised.
 * `indexOf` gives a hash's feature index, or -1 for a feature the model does not have.
 */
export function tfidfRow(
  counts: SparseVector,
  indexOf: (hash: number) => number,
  idf: Float32Array,
): [number, number][] {
  const row: [number, number][] = [];
  let norm = 0;
  for (let j = 0; j < counts.keys.length; j++) {
    const f = indexOf(counts.keys[j] as number);
    if (f < 0) continue;
    const x = (1 + Math.log(counts.values[j] as number)) * (idf[f] as number);
    row.push([f, x]);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (const entry of row) entry[1] /= norm;
  return row;
}

/**
 * The n-gram block as the model sees it: tf · idf per known n-gram, divided by the root of the sum
 * over words of each word's own squared norm. Linear and normalised word by word, a word adds the
 * same to every sentence it is in, so the scorer computes it once per word (scorer.ts).
 */
export function gramRow(block: GramBlock, indexOf: (hash: number) => number, idf: Float32Array): [number, number][] {
  let norm = 0;
  for (const part of block.words) {
    for (let j = 0; j < part.keys.length; j++) {
      const f = indexOf(part.keys[j] as number);
      if (f >= 0) norm += ((part.values[j] as number) * (idf[f] as number)) ** 2;
    }
  }
  norm = Math.sqrt(norm) || 1;
  const row: [number, number][] = [];
  for (let j = 0; j < block.keys.length; j++) {
    const f = indexOf(block.keys[j] as number);
    if (f >= 0) row.push([f, ((block.values[j] as number) * (idf[f] as number)) / norm]);
  }
  return row;
}
