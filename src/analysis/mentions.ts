/**
 * @module Explicit mentions: ATT&CK ids written in the text (T1059.001, T1059/001) and technique
 * names, both resolved against the model's technique set (revoked ids to their successor).
 */
import { Int32Table } from "../lib/collections";
import { Tokens } from "./features";
import { currentId, type Model } from "./model";

export interface Mention {
  classIndex: number;
  start: number;
  end: number;
  /** Set when the text named a revoked id that now maps to another technique. */
  note?: string;
}

// Not a word boundary at the end: PDF tables glue an id to its name ("T1485Data Destruction").
// No digit may follow, so "T10591" is not T1059.
const ID_PATTERN = /\bT(\d{4})(?:[./](\d{3}))?(?!\d)/g;

function resolve(model: Model, id: string): { classIndex: number; note?: string } | null {
  const direct = model.indexOf.get(id);
  if (direct !== undefined) return { classIndex: direct };
  const current = currentId(model, id);
  const replaced = model.indexOf.get(current);
  return replaced === undefined
    ? null
    : { classIndex: replaced, note: `the text names ${id}, revoked in ATT&CK and replaced by ${current}` };
}

export function findIdMentions(text: string, model: Model): Mention[] {
  const out: Mention[] = [];
  for (const m of text.matchAll(ID_PATTERN)) {
    const id = m[2] ? `T${m[1]}.${m[2]}` : `T${m[1]}`;
    const hit = resolve(model, id);
    if (hit) out.push({ ...hit, start: m.index, end: m.index + m[0].length });
  }
  return out;
}

interface NameIndex {
  /** Hash of the first lower-cased word of a name → its place in `lists` (every word of a sentence looks itself up). */
  byFirst: Int32Table;
  /** The names starting with one word, longest first, as word-hash lists. */
  lists: { words: number[]; classIndex: number }[][];
}

const nameIndexes = new WeakMap<Model, NameIndex>();

function nameIndex(model: Model): NameIndex {
  let index = nameIndexes.get(model);
  if (index) return index;
  const byWord = new Map<number, { words: number[]; classIndex: number }[]>();
  // Names split into words as sentences are, so the two compare word for word.
  const tokens = new Tokens();
  model.techniques.forEach((t, classIndex) => {
    const words = [...tokens.read(t.name, 0, t.name.length).words.subarray(0, tokens.length)];
    const first = words[0];
    if (first === undefined) return;
    const list = byWord.get(first) ?? [];
    list.push({ words, classIndex });
    byWord.set(first, list);
  });
  const byFirst = new Int32Table(byWord.size);
  const lists = [...byWord].map(([first, list], i) => {
    byFirst.set(first, i);
    return list.sort((a, b) => b.words.length - a.words.length);
  });
  index = { byFirst, lists };
  nameIndexes.set(model, index);
  return index;
}

/** Technique names among the tokens of a sentence, longest name first at each position. */
export function findNameMentions(tokens: Tokens, model: Model): (Mention & { words: number })[] {
  const { byFirst, lists } = nameIndex(model);
  const out: (Mention & { words: number })[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const at = byFirst.get(tokens.words[t] as number);
    if (at < 0) continue;
    for (const c of lists[at] as { words: number[]; classIndex: number }[]) {
      if (t + c.words.length > tokens.length) continue;
      let ok = true;
      for (let k = 1; k < c.words.length && ok; k++) ok = tokens.words[t + k] === c.words[k];
      if (!ok) continue;
      out.push({
        classIndex: c.classIndex,
        start: tokens.starts[t] as number,
        end: tokens.ends[t + c.words.length - 1] as number,
        words: c.words.length,
      });
      break;
    }
  }
  return out;
}
