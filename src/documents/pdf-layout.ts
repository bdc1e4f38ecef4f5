/**
 * @module Paragraphs of one PDF page, rebuilt from its text items' positions (pdf-lines.ts gives the
 * lines in reading order). A wrapped paragraph becomes one block of one line; list items and table
 * rows stay blocks of their own; one-line blocks in the top or bottom band of the page are marked
 * as margins, for pdf-running.ts to drop the ones that repeat across pages. Pure.
 *
 * A line continues the paragraph above it when nothing says otherwise: the same font size, the
 * usual line spacing, the same left edge (or the body's edge under an indented first line, or the
 * text's edge under a hanging list bullet), and the line above is not a short line that ends a
 * sentence or reads as a heading. The first line of a column continues the last of the previous
 * column only when that one ends mid-sentence, and fills its column or this one starts in lower case.
 */
import { joint } from "./pdf-hyphens";
import { readingOrder, visualLines, type Flow, type Line, type PageBox, type PdfTextItem } from "./pdf-lines";

export type { PageBox, PdfTextItem } from "./pdf-lines";

/** A paragraph, a list item, a table row (cells joined with " | "), or a page's text as PDF.js joins it. */
export type BlockKind = "text" | "item" | "row" | "raw";

export interface Block {
  text: string;
  kind: BlockKind;
  /** A one-line block in the page's top or bottom band, or rotated text: a running header or footer if it repeats. */
  margin?: "top" | "bottom" | "aside";
  /** Font sizes of the first and the last line. */
  size?: number;
  endSize?: number;
  /** The last line fills the column and ends mid-sentence: the paragraph goes on. */
  open?: boolean;
}

export interface PageLayout {
  blocks: Block[];
}

/** A line as paragraphs see it. */
interface Row {
  text: string;
  kind: "text" | "item" | "row";
  y: number;
  size: number;
  font: string;
  x0: number;
  x1: number;
  /** The column's edges. */
  left: number;
  right: number;
  /** The first line of a column or stretch: geometry says nothing about the line before it. */
  flowStart: boolean;
}

interface Open {
  /** The lines' texts and what joins them, joined when the block closes (no quadratic re-copying). */
  parts: string[];
  kind: Row["kind"];
  lines: number;
  last: Row;
  /** Left edge of the lines after the first. */
  bodyX: number;
  top: number;
  size: number;
}

/** A list marker and the space after it: bullets (Symbol-font bullets are private-use), "1." "a)" "(iv)". */
const ITEM = /^(?:[•◦▪▫●○■□‣⁃∙·➢➤►▶✓✔\uF000-\uF0FF*\-–—]|\(?(?:\d{1,3}|[a-zA-Z]|[ivx]{2,5})[.)])\s/u;
const MARKER_ONLY = /^(?:[•◦▪▫●○■□‣⁃∙·➢➤►▶✓✔\uF000-\uF0FF*\-–—]|\(?(?:\d{1,3}|[a-zA-Z]|[ivx]{2,5})[.)])$/u;
/** A bullet no sentence starts with. */
const GLYPH_BULLET = /^[•◦▪▫●○■□‣⁃∙·➢➤►▶✓✔\uF000-\uF0FF]/u;
const SENTENCE_END = /[.!?:]['"”’)\]]*$/u;
/** A table of contents' line: dot leaders and a page number (its end is enough, and keeps the test linear). */
const leaders = (text: string) => /(?:\. ?){4,}\s*(?:\d+|[ivxlc]+)$/u.test(text.slice(-40));
const STARTS_LOWER = /^\p{Ll}/u;
const STARTS_UPPER = /^[\p{Lu}\d]/u;

/** Lays out one page: items as PDF.js gives them, `box` its MediaBox. */
export function layoutPage(items: readonly PdfTextItem[], box: PageBox): PageLayout {
  const { lines, aside, asideChars } = visualLines(items);
  let upright = 0;
  for (const line of lines) for (const cell of line.cells) upright += cell.text.length;
  // A page set mostly sideways: its geometry is not the one read here.
  if (asideChars > upright) return plainPage(plainText(items));
  const body = bodySize(lines);
  const rows = readingOrder(lines, box).flatMap((flow) => toRows(flow, body));
  const blocks = paragraphs(rows, lineSpacings(rows));
  markMargins(blocks, lines, box);
  const out: Block[] = blocks.map(({ lines: _lines, top: _top, ...block }) => block);
  for (const text of aside) out.push({ text, kind: "text", margin: "aside" });
  return { blocks: out };
}

/** A page kept as PDF.js joins its items (too large or too odd to lay out). */
export function plainPage(text: string): PageLayout {
  const trimmed = text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .trim();
  return { blocks: trimmed === "" ? [] : [{ text: trimmed, kind: "raw" }] };
}

/** Items joined as unpdf's extractText joins them: a line break after each item that ends a line. */
export function plainText(items: readonly Pick<PdfTextItem, "str" | "hasEOL">[]): string {
  return items.map((item) => (item.hasEOL === true ? `${item.str}\n` : item.str)).join("");
}

/** The size of most of the page's characters: list markers in larger type are headings ("2. Scope"). */
function bodySize(lines: Line[]): number {
  const extent = new Map<number, number>();
  for (const line of lines) extent.set(line.size, (extent.get(line.size) ?? 0) + line.x1 - line.x0);
  let best = 0;
  for (const [size, n] of extent) if (n > (extent.get(best) ?? 0)) best = size;
  return best;
}

function toRows(flow: Flow, body: number): Row[] {
  const lines = flow.lines.map(joinMarker);
  const rows: Row[] = [];
  lines.forEach((line, i) => {
    const table = line.cells.length > 1 && [lines[i - 1], lines[i + 1]].some((n) => n && aligned(line, n));
    const text = line.cells.map((c) => c.text).join(table ? " | " : " ");
    const row: Row = {
      text,
      kind: table ? "row" : line.size <= body * 1.1 && ITEM.test(text) ? "item" : "text",
      y: line.y,
      size: line.size,
      font: line.font,
      x0: line.x0,
      x1: line.x1,
      left: flow.left,
      right: flow.right,
      flowStart: i === 0,
    };
    // A dash or a number opening a line that goes on from a full line mid-sentence is the sentence's.
    const above = rows[i - 1];
    if (row.kind === "item" && !GLYPH_BULLET.test(text) && above?.kind === "text" && !short(above)) {
      if (!SENTENCE_END.test(above.text)) row.kind = "text";
    }
    rows.push(row);
  });
  return rows;
}

/** A bullet set apart from its text by a tab stop is part of the item, not a table cell. */
function joinMarker(line: Line): Line {
  const [marker, first, ...rest] = line.cells;
  if (!marker || !first || !MARKER_ONLY.test(marker.text)) return line;
  return { ...line, cells: [{ text: `${marker.text} ${first.text}`, x0: marker.x0, x1: first.x1 }, ...rest] };
}

/** Two nearby lines of several cells with a cell edge in common: rows of one table. */
function aligned(a: Line, b: Line): boolean {
  if (b.cells.length < 2 || Math.abs(a.y - b.y) > 3 * Math.max(a.size, b.size)) return false;
  const tol = 0.5 * Math.min(a.size, b.size);
  return a.cells.some((p, i) =>
    b.cells.some((q, j) => (i > 0 && j > 0 && Math.abs(p.x0 - q.x0) <= tol) || Math.abs(p.x1 - q.x1) <= tol),
  );
}

/**
 * The usual baseline distance of the lines of a paragraph, for each font size (tenths of a point):
 * a low percentile of the distances between neighbouring text lines, since the distances between
 * paragraphs are larger, and may be the more frequent on a page of short paragraphs.
 */
function lineSpacings(rows: Row[]): Map<number, number> {
  const seen = new Map<number, number[]>();
  rows.forEach((b, i) => {
    const a = rows[i - 1];
    if (!a || b.flowStart || a.kind === "row" || b.kind === "row" || Math.abs(a.size - b.size) > 0.5) return;
    const d = a.y - b.y;
    if (d < 0.9 * a.size || d > 2.5 * a.size) return;
    const key = Math.round(a.size * 10);
    const distances = seen.get(key) ?? [];
    distances.push(d);
    seen.set(key, distances);
  });
  const usual = new Map<number, number>();
  for (const [key, distances] of seen) {
    if (distances.length < 2) continue;
    distances.sort((p, q) => p - q);
    usual.set(key, distances[Math.floor(0.2 * (distances.length - 1))] ?? 0);
  }
  return usual;
}

/** A block with what the margins need: its line count and first baseline. */
type Laid = Block & { lines: number; top: number };

function paragraphs(rows: Row[], spacings: Map<number, number>): Laid[] {
  const blocks: Laid[] = [];
  let open: Open | undefined;
  const close = () => {
    if (!open) return;
    const { parts, kind, lines, top, last } = open;
    const block = { text: parts.join(""), kind, size: open.size, endSize: last.size, lines, top };
    const goesOn = kind !== "row" && !short(last) && !SENTENCE_END.test(last.text) && !leaders(last.text);
    blocks.push(goesOn ? { ...block, open: true } : block);
  };
  for (const row of rows) {
    if (open && continues(open, row, spacings)) {
      const { parts } = open;
      const { drop, glue } = joint(open.last.text, row.text);
      if (drop > 0) parts[parts.length - 1] = open.last.text.slice(0, -drop);
      // A line of one word that fills the column is a word too long for it (a hash, a URL), broken anywhere.
      parts.push(glue === " " && !short(open.last) && !open.last.text.includes(" ") ? "" : glue, row.text);
      if (++open.lines === 2 || row.flowStart) open.bodyX = row.x0; // in a new column, a new edge
      open.last = row;
      continue;
    }
    close();
    open = { parts: [row.text], kind: row.kind, lines: 1, last: row, bodyX: row.x0, top: row.y, size: row.size };
  }
  close();
  return blocks;
}

/** Whether `b` continues the paragraph or list item `block`. */
function continues(block: Open, b: Row, spacings: Map<number, number>): boolean {
  const a = block.last;
  if (block.kind === "row" || b.kind !== "text" || leaders(a.text)) return false;
  if (Math.abs(a.size - b.size) > Math.max(0.5, 0.1 * a.size)) return false; // a heading's size
  const shortLine = short(a);
  // A new column: the paragraph goes on if it stopped mid-sentence.
  if (b.flowStart) return !SENTENCE_END.test(a.text) && (STARTS_LOWER.test(b.text) || !shortLine);
  const usual = spacings.get(Math.round(a.size * 10)) ?? 1.3 * a.size;
  const d = a.y - b.y;
  if (d <= 0 || d > usual + Math.max(1.5, 0.2 * a.size)) return false; // space between paragraphs
  const upper = STARTS_UPPER.test(b.text);
  if (shortLine && (SENTENCE_END.test(a.text) || (upper && (headingLike(a.text) || a.font !== b.font)))) return false;
  const tol = Math.max(1, 0.25 * a.size);
  if (block.lines >= 2) return Math.abs(b.x0 - block.bodyX) <= tol;
  if (Math.abs(b.x0 - a.x0) <= tol) return block.kind === "text" || !shortLine;
  if (block.kind === "item") return b.x0 > a.x0 && b.x0 - a.x0 <= 6 * a.size; // hanging indent
  return b.x0 < a.x0 && a.x0 - b.x0 <= 6 * a.size && !shortLine; // under an indented first line
}

/** A line that stops well before its column's right edge. */
const short = (row: Row) => row.right - row.x1 > 0.15 * (row.right - row.left);

/** A short line that names a section: numbered ("3.2 Persistence"), or its longer words capitalised. */
function headingLike(text: string): boolean {
  const words = text.split(" ");
  if (words.length > 12) return false;
  if (/^\d+(?:\.\d+)*\.?\s+\S/u.test(text)) return true;
  const long = words.filter((w) => /^\P{L}*\p{L}{4,}/u.test(w));
  return long.length > 0 && long.every((w) => /^\P{L}*\p{Lu}/u.test(w));
}

/**
 * Marks one-line blocks among the page's top three or bottom three lines that sit in its outer 12%
 * (the page number, running title, date or classification lines).
 */
function markMargins(blocks: Laid[], lines: Line[], box: PageBox): void {
  const n = lines.length;
  const topLimit = lines[Math.min(2, n - 1)]?.y ?? Infinity;
  const bottomLimit = lines[Math.max(0, n - 3)]?.y ?? -Infinity;
  const band = 0.12 * (box.top - box.bottom);
  for (const block of blocks) {
    if (block.lines !== 1) continue;
    if (block.top >= topLimit && block.top >= box.top - band) block.margin = "top";
    else if (block.top <= bottomLimit && block.top <= box.bottom + band) block.margin = "bottom";
  }
}
