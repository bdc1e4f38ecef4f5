/**
 * @module Line-level reading for sentence context (context.ts): where a sentence sits in its line,
 * headings, list items and table rows, indicator and URL lines, bibliography entries and furniture.
 * Pure.
 */
import { isWordChar, type Span } from "./text";

export const URL = /(?:\bh[tx]{2}ps?:\/\/|\bwww\.)\S+/gi;
export const IOC_TOKEN =
  /^(?:[a-f0-9]{16,}|(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:\/\d+)?|[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|biz|ru|cn|io|xyz|top|online|site|club|de|uk|fr|jp|kr|in|br|tk|cc|me|co|us|eu|nl|pw|su|ir|kp|onion|exe|dll|bat|ps1|vbs|js|zip|rar|7z|lnk|doc|docx|xls|xlsx|pdf|hta|iso|msi|sys|tmp|dat|bin|jar|apk|elf|so|sh|py)|[a-z]:\\S*|\/\S+\/\S*|cve-\d{4}-\d+)$/i;
/** Short lines that are site or page furniture, whatever they name. */
export const FURNITURE =
  /^(?:page \d+(?: of \d+)?|\d+ of \d+|[-–—]?\s*\d{1,4}\s*[-–—]?|(?:share|tweet|email|print|follow)(?: this| us| on \w+)?\b.*|.*\b(?:cookies?|cookie settings|privacy (?:policy|notice|settings)|terms of (?:use|service)|all rights reserved|subscribe|newsletter|sign up|log ?in|read more|related (?:posts|articles|reading|content)|you may also like|recommended for you|leave a (?:comment|reply)|posted (?:in|by|on)|back to top|skip to (?:main )?content|table of contents|copyright|©|download (?:the|our|a|this)|webinar|register|podcast|learn more|join us|contact us|request a demo|free trial|previous (?:article|post)|next (?:article|post))\b.*)$/i;

/** A line led by a site's label for links elsewhere ("Related posts: …", "Tags: …"), however long. */
export const FURNITURE_LABEL =
  /^(?:related(?: posts| articles| reading| content| stories)?|read (?:more|next|also)|see also|more from [\w ]+|share(?: this)?(?: post| article)?|tags?|categories|filed under|you may also like|recommended(?: reading| for you)?|previous(?: post| article)?|next(?: post| article)?|further reading|references|sources)\s*:/i;

/**
 * Words as a reader counts them: runs between white space holding a letter or digit. A path, a
 * command line's switch or a base64 blob is one word, so a lone "C:\Windows\cmd.exe" is a fragment.
 */
export function countWords(s: string): number {
  let n = 0;
  let counted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 160) counted = false;
    else if (!counted && isWordChar(c)) {
      n++;
      counted = true;
    }
  }
  return n;
}

export const isLineStart = (text: string, at: number) => {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};
export const isLineEnd = (text: string, at: number) => {
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};

/** A blank line (or the text's start) right before `at`. */
export const followsBlank = (text: string, at: number) => {
  let lines = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10 && ++lines === 2) return true;
    if (c !== 10 && c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};

/** A blank line (or the text's end) right after `at`. */
export const precedesBlank = (text: string, at: number) => {
  let lines = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 && ++lines === 2) return true;
    if (c !== 10 && c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};

export const BULLET = /^(?:[-*•·▪◦–+]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)/i;
export const isTableRow = (s: string) => (s.includes("|") || s.includes("\t")) && /\S\s*(?:\||\t)\s*\S/.test(s);

/** Whether a whole-line sentence reads as a heading: short, no closing punctuation, or marked up as one. */
export function isHeading(s: string, words: number): boolean {
  if (/^#{1,6}\s/.test(s) || /^\*\*[^*]+\*\*:?$/.test(s)) return true;
  if (words > 10 || BULLET.test(s)) return false;
  return !/[.!?;,:"”)]$/.test(s);
}

/**
 * Words of letters only (a trailing comma or stop allowed), stopping at 4: a line with more is
 * prose, whatever indicators it holds. Cheap, so the full check runs on few lines.
 */
export function plainWords(s: string): number {
  let n = 0;
  let letters = 0;
  let hexOnly = true;
  let plain = true;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 32;
    if (c === 32 || c === 9) {
      if (plain && letters >= 2 && !(hexOnly && letters >= 16) && ++n > 3) return n;
      letters = 0;
      hexOnly = true;
      plain = true;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
      letters++;
      if (!((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) hexOnly = false;
    } else if (!((c === 44 || c === 46) && i + 1 < s.length && s.charCodeAt(i + 1) === 32)) plain = false;
  }
  return n;
}

/** Lines made of links, hashes, addresses and file names, with next to no words of prose. */
export function isIndicatorLine(s: string): boolean {
  if (s.startsWith("![")) return true;
  if (plainWords(s) > 3) return false;
  const withoutUrls = s.replace(URL, " ");
  const urls = s.length - withoutUrls.length;
  const tokens = withoutUrls.split(/[\s|,;]+/).filter((t) => /[\p{L}\p{N}]/u.test(t));
  let iocs = 0;
  for (const t of tokens) if (IOC_TOKEN.test(t.replace(/^[[("'`]+|[\])"'`.:]+$/g, ""))) iocs++;
  const prose = tokens.length - iocs;
  if (urls > 0 && prose <= 3) return true;
  return tokens.length > 0 && iocs > 0 && prose <= 2 && iocs >= prose;
}

/** A table row that lists indicators (an address, hash or domain in a cell) and no ATT&CK id. */
export function isIndicatorRow(s: string): boolean {
  if (/\bT\d{4}\b/.test(s)) return false;
  return s.split(/\s*(?:\||\t)\s*/).some((cell) => IOC_TOKEN.test(cell.trim()));
}

/** A bibliography entry: "[3] Vendor. (2021). Title. Retrieved March 3, 2023." */
export const CITATION_LINE =
  /^\s*\[\d{1,3}\]\s|\bretrieved (?:on )?(?:\w+ \d|\d)|\baccessed (?:on )?(?:\w+ \d|\d)|^[^.]{2,80}\. \(\d{4}[a-z]?(?:, \w+ \d{1,2})?\)\./i;

// The expression only where one of its anchors can be: most lines have none.
export const isCitation = (line: string) =>
  (line.includes("(") || line.includes("[") || /etrieved|ccessed/i.test(line)) && CITATION_LINE.test(line);

/** The whole line a span lies on. */
export function lineOf(text: string, span: Span): string {
  const from = text.lastIndexOf("\n", span.start - 1) + 1;
  const to = text.indexOf("\n", span.end);
  return text.slice(from, to < 0 ? text.length : Math.min(to, from + 2000));
}
