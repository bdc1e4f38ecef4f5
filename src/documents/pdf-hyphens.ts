/**
 * @module Lines joined into paragraphs, and the hyphens at their ends. A hyphen between two letters
 * at a line's end is either a word broken by hyphenation ("persis-" + "tence") or a compound broken
 * where it may be ("Microsoft-" + "signed"); no rule knows which, so the join leaves a mark after
 * the hyphen, with a default, and `resolveHyphens` decides once the whole text is known: by the
 * spelling the document uses elsewhere ("PowerShell" four times beats "Power-Shell" never), else
 * by the default.
 *
 * The default drops the hyphen when the next line goes on in lower case, unless the part before it
 * is in capitals ("ELE-MENT"), or a usual head or tail of compounds ("self-", "-based"); it keeps
 * it before a capital ("Anti-Malware"). A hyphen after a digit or after another hyphen is part of
 * the text ("APT29-linked", "CVE-2021-44228", "command-and-control"). A soft hyphen always goes, a
 * dash joins without a space.
 */

/** Marks after a line-end hyphen: the default drops it, or keeps it (noncharacters: never in text). */
const DROP = "\uFDD0";
const KEEP = "\uFDD1";

/** Usual first parts of compounds ("self-signed", "third-party"). */
const HEADS = new Set(["self", "non", "well", "cross", "third", "zero", "multi", "anti", "semi"]);
/** Usual second parts of compounds ("Microsoft-signed", "Russia-based", "state-sponsored"). */
const TAILS = new Set([
  "based",
  "signed",
  "linked",
  "related",
  "sponsored",
  "backed",
  "aligned",
  "affiliated",
  "nexus",
  "speaking",
  "style",
  "specific",
  "owned",
  "controlled",
  "hosted",
  "themed",
  "enabled",
  "driven",
  "focused",
  "targeted",
  "party",
  "stage",
  "factor",
  "level",
  "wide",
  "scale",
]);

/** How a line ending `a` and the next, starting `b`, join: characters dropped from `a`, and what goes between. */
export function joint(a: string, b: string): { drop: number; glue: string } {
  if (a.endsWith("\u00ad")) return { drop: 1, glue: "" };
  const token = /(?:^|\s)(\S+)[-\u2010]$/u.exec(a)?.[1];
  if (token === undefined) return { drop: 0, glue: /\S[–—]$/u.test(a) ? "" : " " };
  // After an earlier mark the word began on the line above: its last part is what this line adds.
  const head = /^[("'“‘[]*(\p{L}+)$/u.exec(token.split(/[\uFDD0\uFDD1]/u).pop() ?? "")?.[1];
  const tail = /^\p{L}+/u.exec(b)?.[0];
  if (head === undefined || tail === undefined || a.endsWith("\u2010")) return { drop: 0, glue: "" };
  const capitals = head.length > 1 && !/\p{Ll}/u.test(head);
  const compound = HEADS.has(head.toLowerCase()) || TAILS.has(tail.toLowerCase());
  return { drop: 0, glue: !capitals && !compound && /^\p{Ll}/u.test(tail) ? DROP : KEEP };
}

/** `a` and the line after it, as one text (hyphens marked: see `resolveHyphens`). */
export function joinLines(a: string, b: string): string {
  const { drop, glue } = joint(a.length > 200 ? a.slice(-200) : a, b);
  return a.slice(0, a.length - drop) + glue + b;
}

/** Characters searched for other spellings, all marks together: a bound on the time it takes. */
const MAX_SEARCH = 200_000_000;

const isWordChar = (c: string) => c !== "" && /[\p{L}\p{N}]/u.test(c);

/**
 * Decides every marked hyphen of `text`. Each distinct word is looked up once (a string search
 * over the text); past MAX_SEARCH characters searched, the remaining words take their default.
 */
export function resolveHyphens(text: string): string {
  let left = MAX_SEARCH;
  const decided = new Map<string, boolean>();
  const count = (word: string) => {
    left -= text.length;
    let n = 0;
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + word.length)) {
      if (!isWordChar(text.charAt(at - 1)) && !isWordChar(text.charAt(at + word.length))) n++;
    }
    return n;
  };
  const parts: string[] = [];
  let from = 0;
  let [drops, keeps] = [text.indexOf(DROP), text.indexOf(KEEP)];
  while (drops >= 0 || keeps >= 0) {
    const at = keeps < 0 || (drops >= 0 && drops < keeps) ? drops : keeps;
    if (at === drops) drops = text.indexOf(DROP, at + 1);
    else keeps = text.indexOf(KEEP, at + 1);
    let start = at - 1; // the hyphen
    while (start > 0 && /\p{L}/u.test(text.charAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && /\p{L}/u.test(text.charAt(end))) end++;
    const [head, tail] = [text.slice(start, at - 1), text.slice(at + 1, end)];
    const key = `${head}-${tail}`;
    let drop = decided.get(key);
    if (drop === undefined) {
      const [joined, hyphened] = left >= 2 * text.length ? [count(head + tail), count(key)] : [0, 0];
      drop = joined === hyphened ? text.charAt(at) === DROP : joined > hyphened;
      decided.set(key, drop);
    }
    parts.push(text.slice(from, drop ? at - 1 : at));
    from = at + 1;
  }
  parts.push(text.slice(from));
  return parts.join("");
}
