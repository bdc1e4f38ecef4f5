/**
 * @module Sentence features: lower-cased, lightly stemmed word unigrams and bigrams of content
 * words, hashed to 32-bit ids (FNV-1a), so the model stores no vocabulary strings.
 */
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

export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const BIGRAM_SEED = 0x9e3779b9;
const mixBigram = (a: number, b: number) => (Math.imul(a ^ BIGRAM_SEED, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35)) >>> 0;

/** Lower-cased words of a span with their offsets; buffers are reused between spans. */
export class Tokens {
  words: string[] = [];
  starts: number[] = [];
  ends: number[] = [];
  length = 0;

  read(text: string, start: number, end: number): this {
    let n = 0;
    let i = start;
    while (i < end) {
      while (i < end && !isWordChar(text.charCodeAt(i))) i++;
      const s = i;
      while (i < end && isWordChar(text.charCodeAt(i))) i++;
      if (i === s) break;
      this.words[n] = text.slice(s, i).toLowerCase();
      this.starts[n] = s;
      this.ends[n] = i;
      n++;
    }
    this.length = n;
    return this;
  }
}

/** Calls `emit` with the hash of every feature of the tokens, repeats included. */
export function emitFeatures(tokens: Tokens, emit: (hash: number) => void): void {
  let prev = -1;
  for (let t = 0; t < tokens.length; t++) {
    const word = tokens.words[t] as string;
    const len = word.length;
    if (len < 2 || len > MAX_TOKEN) {
      prev = -1;
      continue;
    }
    // Long numbers (ports, sizes, dates) carry no behaviour.
    const c0 = word.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && /^\d+$/.test(word)) {
      prev = -1;
      continue;
    }
    if (STOPWORDS.has(word)) continue;
    const h = hashString(stem(word));
    emit(h);
    if (prev >= 0) emit(mixBigram(prev, h));
    prev = h;
  }
}

const scratchTokens = new Tokens();

/** Calls `emit` with the hash of every feature of text[start, end), repeats included. */
export function forEachFeature(text: string, start: number, end: number, emit: (hash: number) => void): void {
  emitFeatures(scratchTokens.read(text, start, end), emit);
}

/** Sparse vector: feature hashes and values, parallel arrays. */
export interface SparseVector {
  keys: number[];
  values: number[];
}

/** Term counts of a span. */
export function countFeatures(text: string, start: number, end: number): SparseVector {
  const counts = new Map<number, number>();
  forEachFeature(text, start, end, (h) => counts.set(h, (counts.get(h) ?? 0) + 1));
  return { keys: [...counts.keys()], values: [...counts.values()] };
}

/**
 * A count row as the model sees it: (1 + log tf) · idf per known feature, L2-normalised.
 * `indexOf` gives a hash's feature index, or -1 for a feature the model does not have.
 */
export function tfidfRow(counts: SparseVector, indexOf: (hash: number) => number, idf: Float32Array): [number, number][] {
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
