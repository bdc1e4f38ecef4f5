/**
 * @module Typesetting for the eval's PDF rendering (renderings.ts): DejaVu Sans embedded through
 * pdf-lib, words measured and broken into justified lines, long words hyphenated.
 */
import fs from "node:fs";
import fontkit from "@pdf-lib/fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";

const FONT_DIR = "/usr/share/fonts/truetype/dejavu";
/** The body font; Debian's fonts-dejavu-core (.ci/run installs it). */
export const PDF_FONT = `${FONT_DIR}/DejaVuSans.ttf`;
export const PDF_BOLD_FONT = `${FONT_DIR}/DejaVuSans-Bold.ttf`;

export interface FontFace {
  font: PDFFont;
  /** Code points the font can draw. */
  covers: (codePoint: number) => boolean;
  /** Advance width of a code point, in text space units per point of font size. */
  advance: (codePoint: number) => number;
}

export interface Style {
  face: FontFace;
  size: number;
}

type Fontkit = Parameters<PDFDocument["registerFontkit"]>[0];
type ParsedFont = ReturnType<Fontkit["create"]>;

const parsed = new Map<string, { bytes: Uint8Array; font: ParsedFont }>();

/**
 * fontkit for pdf-lib, each font file parsed once and each word shaped once: OpenType shaping on
 * every drawText otherwise makes up most of the rendering time.
 */
export const cachingFontkit: Fontkit = {
  create(bytes) {
    const hit = [...parsed.values()].find((p) => p.bytes === bytes);
    if (!hit) throw new Error("fonts are loaded through fontFile()");
    return hit.font;
  },
};

function fontFile(file: string): { bytes: Uint8Array; font: ParsedFont } {
  let f = parsed.get(file);
  if (!f) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    const font: ParsedFont = fontkit.create(bytes);
    const layout = font.layout.bind(font);
    const runs = new Map<string, ReturnType<ParsedFont["layout"]>>();
    // pdf-lib shapes with the same features every time: the text alone is the key.
    font.layout = (text, features) => {
      let run = runs.get(text);
      if (!run) runs.set(text, (run = layout(text, features)));
      return run;
    };
    f = { bytes, font };
    parsed.set(file, f);
  }
  return f;
}

export async function embed(doc: PDFDocument, file: string, name: string): Promise<FontFace> {
  const { bytes, font: parsedFont } = fontFile(fs.existsSync(file) ? file : PDF_FONT);
  // A fixed subset tag: pdf-lib would otherwise add its own suffix.
  const font = await doc.embedFont(bytes, { subset: true, customName: `TTPSCP+${name}` });
  const advances = new Map<number, number>();
  const advance = (cp: number) => {
    let a = advances.get(cp);
    if (a === undefined) advances.set(cp, (a = parsedFont.glyphForCodePoint(cp).advanceWidth / parsedFont.unitsPerEm));
    return a;
  };
  return { font, covers: (cp) => parsedFont.hasGlyphForCodePoint(cp), advance };
}

/**
 * A word's width as drawn: pdf-lib writes glyph ids without kerning, so the sum of the characters'
 * advances (shaping each word, as pdf-lib's own measure does, is several times slower).
 */
export function width(style: Style, text: string): number {
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    w += style.face.advance(cp);
  }
  return w * style.size;
}

/** What the font can draw: whitespace as spaces, invisible characters dropped, the rest as "?". */
export function drawable(text: string, face: FontFace): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (/\s/u.test(ch)) out += " ";
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || /[\u00ad\u200b-\u200f\u2060\ufeff]/.test(ch)) continue;
    else out += face.covers(cp) ? ch : "?";
  }
  return out;
}

export interface Line {
  words: string[];
  /** The last line of a paragraph (left-aligned) or a line that cannot be justified. */
  ragged: boolean;
}

const VOWELS = /[aeiouy]/i;
/** Consonant pairs that stay together (th-e, not t-he). */
const DIGRAPHS = new Set(["ch", "ck", "gh", "ph", "sh", "th", "wh", "qu"]);

/**
 * Where a long word breaks at a line end, roughly as a typesetter would: before a consonant that
 * starts a syllable (vul-ne-ra-bil-i-ty, ran-som-ware), at least four letters before and three
 * after, the first part and its hyphen fitting `room`.
 */
function hyphenPoint(word: string, room: number, style: Style): number {
  const m = /^(\p{L}+)([,.;:]?)$/u.exec(word);
  const letters = m?.[1] ?? "";
  if (letters.length < 8) return 0;
  for (let i = letters.length - 3; i >= 4; i--) {
    const prev = letters[i - 1] as string;
    const next = letters[i] as string;
    const after = letters[i + 1] as string;
    const syllable = VOWELS.test(prev)
      ? !VOWELS.test(next) && VOWELS.test(after)
      : !VOWELS.test(next) && !DIGRAPHS.has((prev + next).toLowerCase());
    if (syllable && width(style, `${word.slice(0, i)}-`) <= room) return i;
  }
  return 0;
}

/** A word wider than a line (a URL, a hash) broken by characters, as PDF generators do. */
function breakLongWord(word: string, max: number, style: Style): string[] {
  const parts: string[] = [];
  let part = "";
  for (const ch of word) {
    if (part !== "" && width(style, part + ch) > max) {
      parts.push(part);
      part = "";
    }
    part += ch;
  }
  if (part !== "") parts.push(part);
  return parts;
}

/** A paragraph's lines, wrapped by width, long words hyphenated where the line would gape. */
export function wrap(paragraph: string, max: number, style: Style, hyphenate: boolean): Line[] {
  const lines: Line[] = [];
  const space = width(style, " ");
  let words: string[] = [];
  let used = 0;
  const place = (word: string) => {
    if (words.length > 0 && used + space + width(style, word) <= max) {
      words.push(word);
      used += space + width(style, word);
      return;
    }
    if (words.length > 0) {
      const room = max - used - space;
      const cut = hyphenate && room > 10 * space ? hyphenPoint(word, room, style) : 0;
      if (cut > 0) words.push(`${word.slice(0, cut)}-`);
      lines.push({ words, ragged: words.length < 2 });
      words = [];
      used = 0;
      if (cut > 0) word = word.slice(cut);
    }
    const pieces = width(style, word) > max ? breakLongWord(word, max, style) : [word];
    for (const piece of pieces.slice(0, -1)) lines.push({ words: [piece], ragged: true });
    words = [pieces.at(-1) as string];
    used = width(style, words[0] as string);
  };
  for (const word of paragraph.split(" ")) if (word !== "") place(word);
  if (words.length > 0) lines.push({ words, ragged: true });
  return lines;
}
