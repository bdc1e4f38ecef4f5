/**
 * @module Just enough PDF syntax, read from the raw bytes, for the checks before PDF.js opens a file
 * (pdf-streams.ts): keywords, a stream's dictionary and extent as PDF.js finds them, its filters,
 * and direct objects by number. Names are read with `#xx` decoded, as PDF.js reads them.
 */

export const DICT_WINDOW = 16 * 1024;

/** PDF.js skips to the next line after `stream`. */
export function dataStart(pdf: Uint8Array, at: number): number {
  let i = at;
  while (i < pdf.length && pdf[i] !== 0x0a && pdf[i] !== 0x0d) i++;
  if (pdf[i] === 0x0d && pdf[i + 1] === 0x0a) return i + 2;
  return Math.min(i + 1, pdf.length);
}

/** PDF.js's extent: `/Length` when `endstream` follows it, else up to the first `endstream`. */
export function dataEnd(pdf: Uint8Array, start: number, length: number | null): number {
  if (length !== null && start + length <= pdf.length) {
    let i = start + length;
    while (i < pdf.length && isWhite(pdf[i] ?? 0)) i++;
    if (startsWith(pdf, i, "endstream")) return start + length;
  }
  const end = find(pdf, "endstream", start);
  return end < 0 ? pdf.length : end;
}

/** The text between the object's `obj` keyword and `stream`; null when it is not found close by. */
export function dictionaryBefore(pdf: Uint8Array, at: number): string | null {
  const from = Math.max(0, at - DICT_WINDOW);
  for (let i = at - 3; i >= from; i--) {
    if (pdf[i] === 0x6f && startsWith(pdf, i, "obj") && !startsWith(pdf, i - 3, "end")) {
      return decodeNames(latin1(pdf, i + 3, at));
    }
  }
  return null;
}

const NAME = String.raw`\/[^\s/\[\]<>(){}%]*`;
const REF = String.raw`(\d+)\s+(\d+)\s+R`;

export function isImage(dict: string): boolean {
  return new RegExp(String.raw`\/Subtype\s*(${NAME})`).exec(dict)?.[1] === "/Image";
}

/** Filter names in order; null when they cannot be read (a reference that cannot be resolved here). */
export function filtersOf(dict: string, objects: ObjectIndex): string[] | null {
  // PDF.js reads /F before /Filter.
  const m =
    new RegExp(String.raw`\/F(?![\w#])\s*(${NAME}|\[[^\]]*\]|${REF})`).exec(dict) ??
    new RegExp(String.raw`\/Filter(?![\w#])\s*(${NAME}|\[[^\]]*\]|${REF})`).exec(dict);
  if (!m) return [];
  let value = m[1] ?? "";
  if (m[2] !== undefined) {
    const resolved = objects.body(`${m[2]} ${m[3]}`);
    if (resolved === null) return null;
    value = resolved;
  }
  if (/^\s*\//.test(value)) return [nameOf(value.trim())];
  if (!value.trim().startsWith("[")) return null;
  const inner = value.slice(value.indexOf("[") + 1, value.indexOf("]") < 0 ? undefined : value.indexOf("]"));
  if (new RegExp(REF).test(inner)) return null;
  return (inner.match(new RegExp(NAME, "g")) ?? []).map(nameOf);
}

/** `/Fl#61teDecode` → `/FlateDecode`. */
const decodeNames = (text: string) =>
  text.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** `/FlateDecode …` → `FlateDecode`. */
const nameOf = (name: string) => decodeNames(new RegExp(`^${NAME}`).exec(name)?.[0] ?? "").slice(1);

/** An object stream's /First (where its objects start), or null for any other stream. */
export function objectStreamFirst(dict: string): number | null {
  const first = /\/First\s+(\d+)/.exec(dict);
  return first && /\/N\s+\d+/.test(dict) ? Number(first[1]) : null;
}

/** LZW's /EarlyChange, any number PDF.js would take (default 1). */
export function earlyChange(dict: string | null): number {
  const m = /\/EarlyChange\s+([-+]?(?:\d+\.?\d*|\.\d+))/.exec(dict ?? "");
  return m ? Number(m[1]) : 1;
}

export function lengthOf(dict: string, objects: ObjectIndex): number | null {
  const m = new RegExp(String.raw`\/Length(?![\w#])\s*(?:${REF}|(\d+))`).exec(dict);
  if (!m) return null;
  const value = m[3] ?? objects.body(`${m[1]} ${m[2]}`);
  return value !== null && /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

/** Where each `N G obj` starts its body (the last one wins, as with incremental updates); built on first use. */
export class ObjectIndex {
  private index: Map<string, number> | undefined;

  constructor(private readonly pdf: Uint8Array) {}

  /** The text of a direct object's value, up to `endobj` (or 4 KB); null if there is none. */
  body(ref: string): string | null {
    const span = this.span(ref);
    return span && decodeNames(latin1(this.pdf, span[0], Math.min(span[1], span[0] + 4096)));
  }

  /** Where a direct object's value lies, up to `endobj`. */
  span(ref: string): [number, number] | null {
    this.index ??= this.build();
    const at = this.index.get(ref);
    if (at === undefined) return null;
    const end = find(this.pdf, "endobj", at);
    return [at, end < 0 ? this.pdf.length : end];
  }

  private build(): Map<string, number> {
    const index = new Map<string, number>();
    const { pdf } = this;
    for (let at = find(pdf, "obj", 0); at >= 0; at = find(pdf, "obj", at + 3)) {
      const m = /(\d+)\s+(\d+)\s+$/.exec(latin1(pdf, Math.max(0, at - 24), at));
      if (m) index.set(`${Number(m[1])} ${Number(m[2])}`, at + 3);
    }
    return index;
  }
}

export function find(pdf: Uint8Array, word: string, from: number): number {
  const first = word.charCodeAt(0);
  for (let i = pdf.indexOf(first, from); i >= 0; i = pdf.indexOf(first, i + 1)) {
    if (startsWith(pdf, i, word)) return i;
  }
  return -1;
}

function startsWith(pdf: Uint8Array, at: number, word: string): boolean {
  if (at < 0 || at + word.length > pdf.length) return false;
  for (let k = 0; k < word.length; k++) if (pdf[at + k] !== word.charCodeAt(k)) return false;
  return true;
}

const latin1 = (pdf: Uint8Array, from: number, to: number) => String.fromCharCode(...pdf.subarray(from, to));

export const isWhite = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
