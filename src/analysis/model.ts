/**
 * @module The mapping model: a sparse linear scorer over hashed n-gram features (one-vs-rest
 * logistic regression learned from ATT&CK's own texts and labelled reports), plus what the
 * engine needs to read explicit ids and names. Serialised as JSON with base64 typed arrays.
 */

import { successor } from "../attack/ids";
import { fromBase64, toBase64 } from "../lib/bytes";
import { Int32Table } from "../lib/collections";
import type { StackerData } from "./stacker";

export const MODEL_FORMAT = "ttpscope-model/1";

/** A concept term mined from document-labelled reports (lexicon.ts mines them). */
export interface LexiconEntry {
  /** Feature hash (a stemmed word or word pair). */
  hash: number;
  technique: string;
  /** Share of the training reports mentioning the term that carry the technique (smoothed). */
  precision: number;
}

export interface ModelTechnique {
  id: string;
  name: string;
  /** Per-technique decision threshold on the document score. */
  threshold: number;
}

/** What `model:build` writes and the Worker keeps in D1. */
export interface ModelData {
  format: typeof MODEL_FORMAT;
  attackVersion: string;
  /** Build settings and training-set sizes, for the record. */
  info: Record<string, unknown>;
  techniques: ModelTechnique[];
  /** Revoked ATT&CK id → the id that replaced it (followed to the end of the chain). */
  revoked: Record<string, string>;
  /** Sorted feature hashes (uint32). */
  features: string;
  /** idf per feature (float32). */
  idf: string;
  /** Postings per feature: start offsets (uint32, features + 1). */
  postingStart: string;
  /** Class index of each posting (uint16). */
  postingClass: string;
  /** Weight of each posting (float32). */
  postingWeight: string;
  /** Bias per class (float32). */
  bias: string;
  /** Default document-score threshold, used by techniques without one of their own. */
  threshold: number;
  /** Document-level decision model; without it the score is the noisy-or of the best sentences. */
  stacker?: StackerData;
  /** Logit of how often each technique is labelled in training reports (float32 per class). */
  priors?: string;
  /** Per-technique calibration added to the stacker's logit (float32 per class). */
  offsets?: string;
  /** Size of the character n-grams of the second feature block; absent: words only. */
  charGrams?: number;
  /** Concept terms mined from document-labelled reports (see lexicon.ts). */
  lexicon?: LexiconEntry[];
  /** The report head (see head.ts): a sentence model of its own over the techniques labelled reports teach. */
  head?: ModelData;
  /** How much of a head technique's document score is the head's (stacker.ts `withHead`); absent: 0. */
  headWeight?: number;
}

/** The model in memory: typed arrays and a hash table from feature hash to feature index. */
export interface Model {
  data: Omit<
    ModelData,
    "features" | "idf" | "postingStart" | "postingClass" | "postingWeight" | "bias" | "priors" | "offsets" | "head"
  >;
  head: Model | null;
  priors: Float32Array | null;
  offsets: Float32Array | null;
  techniques: ModelTechnique[];
  indexOf: Map<string, number>;
  /** Hash of each feature index (sorted). */
  featureHashes: Uint32Array;
  idf: Float32Array;
  postingStart: Uint32Array;
  postingClass: Uint16Array;
  postingWeight: Float32Array;
  bias: Float32Array;
  /** Feature hash (as int32) → feature index. */
  featureTable: Int32Table;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
export const encodeArray = (a: Uint32Array | Float32Array | Uint16Array) => toBase64(bytesOf(a));

/**
 * CSR postings of `features` rows, each (class, weight) pairs in class order, encoded for ModelData;
 * `count` is the number of postings.
 */
export function encodePostings(
  features: number,
  row: (f: number) => Iterable<readonly [number, number]>,
): { postings: Pick<ModelData, "postingStart" | "postingClass" | "postingWeight">; count: number } {
  const postingStart = new Uint32Array(features + 1);
  const pClass: number[] = [];
  const pWeight: number[] = [];
  for (let f = 0; f < features; f++) {
    postingStart[f] = pClass.length;
    for (const [c, w] of row(f)) {
      pClass.push(c);
      pWeight.push(w);
    }
  }
  postingStart[features] = pClass.length;
  return {
    postings: {
      postingStart: encodeArray(postingStart),
      postingClass: encodeArray(Uint16Array.from(pClass)),
      postingWeight: encodeArray(Float32Array.from(pWeight)),
    },
    count: pClass.length,
  };
}

function decode<T>(b64: string, make: (buf: ArrayBuffer) => T): T {
  const bytes = fromBase64(b64);
  // Copy into a fresh, aligned buffer for the typed-array view.
  return make(bytes.slice().buffer);
}

export function loadModel(data: ModelData): Model {
  if (data.format !== MODEL_FORMAT) throw new Error(`unsupported model format ${String(data.format)}`);
  const features = decode(data.features, (b) => new Uint32Array(b));
  const featureTable = new Int32Table(features.length);
  features.forEach((h, f) => featureTable.set(h | 0, f));
  const { features: _f, idf, postingStart, postingClass, postingWeight, bias, priors, offsets, head, ...rest } = data;
  return {
    data: rest,
    head: head ? loadModel(head) : null,
    priors: priors ? decode(priors, (b) => new Float32Array(b)) : null,
    offsets: offsets ? decode(offsets, (b) => new Float32Array(b)) : null,
    techniques: data.techniques,
    indexOf: new Map(data.techniques.map((t, i) => [t.id, i])),
    featureHashes: features,
    idf: decode(idf, (b) => new Float32Array(b)),
    postingStart: decode(postingStart, (b) => new Uint32Array(b)),
    postingClass: decode(postingClass, (b) => new Uint16Array(b)),
    postingWeight: decode(postingWeight, (b) => new Float32Array(b)),
    bias: decode(bias, (b) => new Float32Array(b)),
    featureTable,
  };
}

/** Feature index of a hash, or -1. */
export function featureIndex(model: Model, hash: number): number {
  return model.featureTable.get(hash | 0);
}

/** The id the model knows a technique by: the id itself, or the technique that (finally) replaced it. */
export function currentId(model: Model, id: string): string {
  return successor(id, (x) => model.data.revoked[x]);
}
