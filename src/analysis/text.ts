/**
 * @module Sentence segmentation and tokenisation with offsets. Pure and allocation-light: the
 * engine runs both over every document, so both are single passes over char codes.
 */

export interface Span {
  start: number;
  end: number;
}

/** Words that end with a period without ending the sentence. */
const ABBREVIATIONS = new Set([
  "e.g",
  "i.e",
  "etc",
  "vs",
  "inc",
  "ltd",
  "corp",
  "co",
  "mr",
  "mrs",
  "ms",
  "dr",
  "fig",
  "no",
  "vol",
  "al",
  "approx",
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
  "u.s",
  "st",
]);
/** Sentences longer than this are cut at the next clause boundary so one run-on line cannot hide many behaviours. */
const MAX_SENTENCE = 600;

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 160;
const isUpperOrDigitStart = (c: number) =>
  (c >= 65 && c <= 90) ||
  (c >= 48 && c <= 57) ||
  c === 34 ||
  c === 39 ||
  c === 40 ||
  c === 91 ||
  c === 0x201c ||
  c === 0x2018 ||
  c > 127;

/**
 * Sentence spans of `text`: breaks at line breaks, and at . ! ? followed by white space and a
 * capital, digit or quote, unless the word before the period is a known abbreviation.
 */
export function segmentSentences(text: string): Span[] {
  const spans: Span[] = [];
  const n = text.length;
  let start = 0;
  const push = (end: number) => {
    let s = start;
    let e = end;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) splitLong(text, s, e, spans);
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      push(i);
      start = i + 1;
    } else if ((c === 46 || c === 33 || c === 63) && i + 1 < n && isSpace(text.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < n && isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 10) j++;
      if (j < n && text.charCodeAt(j) !== 10 && !isUpperOrDigitStart(text.charCodeAt(j))) continue;
      if (c === 46 && endsWithAbbreviation(text, start, i)) continue;
      push(i + 1);
      start = i + 1;
    }
  }
  push(n);
  return spans;
}

function endsWithAbbreviation(text: string, from: number, dot: number): boolean {
  let k = dot;
  while (k > from && !isSpace(text.charCodeAt(k - 1))) k--;
  const word = text
    .slice(k, dot)
    .toLowerCase()
    .replace(/^[("'[]+/, "");
  // Single letters ("J. Smith") and initialisms ("U.S") do not end sentences; numbers do ("on Jan. 5.").
  return (word.length === 1 && /\p{L}/u.test(word)) || ABBREVIATIONS.has(word);
}

function splitLong(text: string, start: number, end: number, out: Span[]): void {
  while (end - start > MAX_SENTENCE) {
    let cut = -1;
    for (let i = start + MAX_SENTENCE; i > start + MAX_SENTENCE / 2; i--) {
      const c = text.charCodeAt(i);
      if (c === 59 || c === 44 || (c === 32 && cut < 0 && i < start + MAX_SENTENCE / 2 + 50)) {
        cut = i + 1;
        break;
      }
    }
    if (cut < 0) cut = start + MAX_SENTENCE;
    out.push({ start, end: cut });
    start = cut;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
  }
  if (end > start) out.push({ start, end });
}

/** Letter or digit, ASCII fast path; other scripts count as word characters too. */
export function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    (c > 127 && c !== 160 && c !== 0x2019 && c !== 0x201c && c !== 0x201d)
  );
}
