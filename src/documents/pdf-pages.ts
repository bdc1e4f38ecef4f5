/**
 * @module The size of a PDF's page tree, before PDF.js opens the file: opening loads every node of
 * the tree (about 2 KB each), so a 20 MB file of bare page objects would take hundreds of MB
 * before the page count can be checked. Counted: the entries of every `/Kids` array, in the file
 * and in its object streams, names read as PDF.js reads them (`/K#69ds` is `/Kids`).
 */

const WHITE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

/** `N G` of an object. */
export type ObjectRef = string;

/** Entries of the `/Kids` arrays written in `bytes`; `refs` gets the arrays given by reference. */
export function countKids(bytes: Uint8Array, refs: Set<ObjectRef>): number {
  let entries = 0;
  for (let at = bytes.indexOf(0x2f); at >= 0; at = bytes.indexOf(0x2f, at + 1)) {
    if (bytes[at + 1] !== 0x4b && bytes[at + 1] !== 0x23) continue; // neither "K" nor "#"
    const [name, end] = readName(bytes, at + 1);
    if (name !== "Kids") continue;
    const i = skipWhite(bytes, end);
    if (bytes[i] === 0x5b) {
      entries += arrayEntries(bytes, i);
      continue;
    }
    const m = /^(\d+)\s+(\d+)\s+R/.exec(String.fromCharCode(...bytes.subarray(i, i + 24)));
    if (m) refs.add(`${Number(m[1])} ${Number(m[2])}`);
  }
  return entries;
}

/** Entries of the array that starts at `at` (`[`): references and direct dictionaries. */
export function arrayEntries(bytes: Uint8Array, at: number): number {
  let [i, depth, dicts, entries] = [at + 1, 1, 0, 0];
  while (i < bytes.length && depth > 0) {
    const c = bytes[i] ?? 0;
    if (c === 0x28) {
      i = skipString(bytes, i);
      continue;
    }
    if (c === 0x3c && bytes[i + 1] === 0x3c) {
      if (depth === 1 && dicts === 0) entries++;
      dicts++;
      i += 2;
      continue;
    }
    if (c === 0x3e && bytes[i + 1] === 0x3e) {
      dicts--;
      i += 2;
      continue;
    }
    if (c === 0x5b) depth++;
    else if (c === 0x5d) depth--;
    else if (c === 0x52 && depth === 1 && dicts === 0 && isBoundary(bytes[i - 1]) && isBoundary(bytes[i + 1])) {
      entries++;
    }
    i++;
  }
  return entries;
}

/** Where each object of a decoded object stream lies: `[start, end)` by object number. */
export function objectStreamIndex(decoded: Uint8Array, first: number): Map<number, [number, number]> {
  const header = String.fromCharCode(...decoded.subarray(0, Math.min(first, 1 << 16)));
  const pairs = (header.match(/\d+/g) ?? []).map(Number);
  const index = new Map<number, [number, number]>();
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    const start = first + (pairs[k + 1] ?? 0);
    const next = pairs[k + 3];
    index.set(pairs[k] ?? 0, [start, next === undefined ? decoded.length : first + next]);
  }
  return index;
}

/** A name token's text, `#xx` decoded, and where it ends. */
export function readName(bytes: Uint8Array, from: number): [string, number] {
  let i = from;
  let name = "";
  while (i < bytes.length && !WHITE.has(bytes[i] ?? 0) && !DELIMITERS.has(bytes[i] ?? 0) && name.length < 64) {
    const c = bytes[i] ?? 0;
    const hex = c === 0x23 ? String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      name += String.fromCharCode(parseInt(hex, 16));
      i += 3;
    } else {
      name += String.fromCharCode(c);
      i++;
    }
  }
  return [name, i];
}

function skipWhite(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && WHITE.has(bytes[i] ?? 0)) i++;
  return i;
}

/** Past a literal string `( … )`: nested parentheses, backslash escapes. */
function skipString(bytes: Uint8Array, at: number): number {
  let [i, depth] = [at + 1, 1];
  while (i < bytes.length && depth > 0) {
    const c = bytes[i];
    if (c === 0x5c) i++;
    else if (c === 0x28) depth++;
    else if (c === 0x29) depth--;
    i++;
  }
  return i;
}

const isBoundary = (c: number | undefined) => c === undefined || WHITE.has(c) || DELIMITERS.has(c);
