/**
 * @module Undoes common defanging (`hxxps://evil[.]com`, `user[at]mail(dot)net`) so indicators
 * and URLs can be matched, while keeping a monotone map from offsets in the refanged text back to
 * offsets in the original, so evidence is reported against the text the analyst actually has.
 *
 * One regex pass; the map stores four numbers per replacement, never anything per character.
 * Text with nothing defanged comes back as the same string with the identity map.
 */

export interface Refanged {
  text: string;
  /** Offset in `text` → offset in the original. Monotone; a span [s, e) of `text` maps to
   * [toOriginal(s), toOriginal(e)), which covers the defanged form of what the span holds. */
  toOriginal: (offset: number) => number;
}

const DEFANGED = /\bh(?:xx|XX|xX|Xx)p(s?)(?![a-z])|\[(?:\.|dot|:|@|at|:\/\/)\]|\((?:\.|dot|@)\)|\{(?:\.|dot)\}/gi;

/** What a bracketed form stands for, by its inner text (lower-cased). */
const INNER: Record<string, string> = { ".": ".", dot: ".", ":": ":", "@": "@", at: "@", "://": "://" };

export function refang(original: string): Refanged {
  DEFANGED.lastIndex = 0;
  let m = DEFANGED.exec(original);
  if (m === null) return { text: original, toOriginal: (offset) => clamp(offset, original.length) };

  const pieces: string[] = [];
  // Per replacement: start in the refanged text, start in the original, refanged length, original length.
  const map: number[] = [];
  let copiedTo = 0;
  let outLength = 0;
  for (; m !== null; m = DEFANGED.exec(original)) {
    const token = m[0];
    const replacement =
      token[0] === "h" || token[0] === "H"
        ? m[1]
          ? "https"
          : "http"
        : (INNER[token.slice(1, -1).toLowerCase()] ?? token);
    const kept = m.index - copiedTo;
    if (kept > 0) pieces.push(original.slice(copiedTo, m.index));
    outLength += kept;
    map.push(outLength, m.index, replacement.length, token.length);
    pieces.push(replacement);
    outLength += replacement.length;
    copiedTo = m.index + token.length;
  }
  if (copiedTo < original.length) pieces.push(original.slice(copiedTo));
  const text = pieces.join("");

  const toOriginal = (offset: number): number => {
    const at = clamp(offset, text.length);
    // The last replacement that starts at or before `at` (binary search over the flat map).
    let lo = 0;
    let hi = map.length / 4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((map[mid * 4] ?? 0) <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return at; // before the first replacement nothing moved
    const outStart = map[found * 4] ?? 0;
    const origStart = map[found * 4 + 1] ?? 0;
    const outLen = map[found * 4 + 2] ?? 0;
    const origLen = map[found * 4 + 3] ?? 0;
    const into = at - outStart;
    if (into >= outLen) return origStart + origLen + (into - outLen); // at or after its end: shift by the length change
    if (into === 0) return origStart;
    // Inside a replacement ("://" of "[://]", "tt" of "hxxp"): past the opening bracket, never past the end.
    const lead = origLen === outLen ? 0 : 1;
    return Math.min(origStart + lead + into, origStart + origLen - 1);
  };
  return { text, toOriginal };
}

const clamp = (offset: number, max: number) => (offset < 0 ? 0 : offset > max ? max : offset);
