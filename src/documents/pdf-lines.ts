/**
 * @module The visual lines of one PDF page, from the text items PDF.js gives (getTextContent /
 * streamTextContent): items on one baseline become one line, split into cells where a gap is wider
 * than a word space (table cells, a second column); a page set in two columns is then read column by
 * column (`readingOrder`). Pure, and O(n log n) in the page's items: one sort, then linear passes.
 */

/** A text item as PDF.js gives it (the fields the layout reads). */
export interface PdfTextItem {
  str: string;
  /** The text matrix in page space, [a, b, c, d, x, y]: upright text has b = c = 0, its size is d. */
  transform: readonly number[];
  /** Advance width in page units. */
  width: number;
  hasEOL?: boolean;
  fontName?: string;
  /** "ltr", "rtl" or "ttb" (PDF.js's guess from the characters). */
  dir?: string;
}

/** The page's MediaBox, in the items' units. */
export interface PageBox {
  left: number;
  bottom: number;
  right: number;
  top: number;
}

/** Text between wide gaps on one line. */
export interface Cell {
  text: string;
  x0: number;
  x1: number;
}

export interface Line {
  cells: Cell[];
  /** Baseline, size and font of most of the line's characters. */
  y: number;
  size: number;
  font: string;
  x0: number;
  x1: number;
}

/** Lines read one after the other, and the bounds of the column they sit in. */
export interface Flow {
  lines: Line[];
  left: number;
  right: number;
}

/** Gap between items, in ems, above which a space is read (tight justified spacing is ~0.2 em). */
const SPACE_GAP = 0.15;
/** Gap in ems that starts a new cell: wider than any word space of justified text. */
const CELL_GAP = 1;
/** Resolution of the search for a gutter: a point on a real page, coarser on a hostile one. */
const GUTTER_STEPS = 4096;

interface Run {
  str: string;
  x: number;
  y: number;
  x1: number;
  size: number;
  font: string;
}

const isSpace = (c: number) => c === 32 || c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x3000;
const finite = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

/**
 * The page's upright lines, top to bottom, and the text of the other items (rotated, skewed,
 * right-to-left or without a usable matrix: watermarks, margin notes) in stream order, one string
 * per PDF.js line.
 */
export function visualLines(items: readonly PdfTextItem[]): { lines: Line[]; aside: string[]; asideChars: number } {
  const runs: Run[] = [];
  const aside: string[] = [];
  let pending = "";
  let asideChars = 0;
  for (const item of items) {
    const str = item.str.replace(/[\t\n\v\f\r]/g, " ");
    const [a, b, c, d, x, y] = item.transform;
    const upright = finite(a) && finite(b) && finite(c) && finite(d) && finite(x) && finite(y) && a > 0 && d > 0;
    // Right-to-left and vertical scripts keep their stream order: sorting by x would reverse them.
    if (upright && Math.abs(b) <= 0.05 * a && Math.abs(c) <= 0.05 * d && item.dir !== "rtl" && item.dir !== "ttb") {
      if (str.trim() === "") continue; // PDF.js's spaces and end-of-line markers: gaps say as much
      const width = finite(item.width) && item.width > 0 ? item.width : str.length * d * 0.5;
      runs.push({ str, x, y, x1: x + width, size: d, font: item.fontName ?? "" });
      continue;
    }
    pending += str;
    asideChars += str.trim().length;
    if (item.hasEOL === true && pending.trim() !== "") {
      aside.push(pending.trim());
      pending = "";
    }
  }
  if (pending.trim() !== "") aside.push(pending.trim());
  runs.sort((p, q) => q.y - p.y || p.x - q.x);
  const lines: Line[] = [];
  let group: Run[] = [];
  let top = 0;
  let topSize = 0;
  for (const run of runs) {
    // Within half an em of the line's highest item: one line (superscripts included).
    if (group.length > 0 && top - run.y <= 0.5 * Math.max(topSize, run.size)) {
      group.push(run);
      continue;
    }
    if (group.length > 0) pushLine(lines, group);
    group = [run];
    top = run.y;
    topSize = run.size;
  }
  if (group.length > 0) pushLine(lines, group);
  return { lines, aside, asideChars };
}

function pushLine(lines: Line[], group: Run[]): void {
  group.sort((p, q) => p.x - q.x);
  // Gaps first: each run's distance from the end of the text before it, in ems.
  const runs: Run[] = [];
  const gaps: number[] = [];
  let end = -Infinity;
  for (const run of group) {
    const prev = runs[runs.length - 1];
    if (prev && run.str === prev.str && Math.abs(run.x - prev.x) < 0.3 * run.size) continue; // drawn twice (bold)
    gaps.push(prev ? (run.x - end) / Math.max(run.size, prev.size) : 0);
    runs.push(run);
    end = Math.max(end, run.x1);
  }
  const cellsApart = !looseJustified(gaps);
  const cells: Cell[] = [];
  let text = "";
  let x0 = 0;
  end = -Infinity;
  const weights: { run: Run; chars: number }[] = [];
  runs.forEach((run, i) => {
    const gap = gaps[i] ?? 0;
    if (i > 0 && cellsApart && gap > CELL_GAP) {
      cells.push({ text: text.trim(), x0, x1: end });
      text = "";
    }
    if (text === "") {
      x0 = run.x;
    } else if (
      (gap > SPACE_GAP || gap < -1) &&
      !isSpace(text.charCodeAt(text.length - 1)) &&
      !isSpace(run.str.charCodeAt(0))
    ) {
      text += " "; // a word gap, or text drawn over other text
    }
    text += run.str;
    end = Math.max(end, run.x1);
    const same = weights.find((w) => w.run.size === run.size && w.run.font === run.font);
    if (same) same.chars += run.str.length;
    else if (weights.length < 8) weights.push({ run, chars: run.str.length });
  });
  cells.push({ text: text.trim(), x0, x1: end });
  const kept = cells.filter((cell) => cell.text !== "");
  const first = kept[0];
  const main = weights.reduce<{ run?: Run; chars: number }>((best, w) => (w.chars > best.chars ? w : best), {
    chars: -1,
  });
  if (!first || !main.run) return;
  lines.push({
    cells: kept,
    y: main.run.y,
    size: main.run.size,
    font: main.run.font,
    x0: first.x0,
    x1: kept[kept.length - 1]?.x1 ?? first.x1,
  });
}

/**
 * A justified line stretched so far that its word gaps are cell-wide: all its gaps are, and they are
 * all about equal (a table's columns are spaced by their content, not evenly).
 */
function looseJustified(gaps: number[]): boolean {
  let [count, min, max] = [0, Infinity, 0];
  gaps.forEach((g, i) => {
    if (i === 0 || g <= SPACE_GAP) return;
    [count, min, max] = [count + 1, Math.min(min, g), Math.max(max, g)];
  });
  return count >= 3 && min > CELL_GAP && max <= 1.1 * min;
}

/**
 * The page's lines in reading order. When a vertical gutter splits the page's text into two columns
 * of text-like lines, each stretch of lines between lines that cross the gutter (a title, a wide
 * figure caption, a footer) is read left column first, then right. One gutter at most: three
 * columns are read as a left column and a right one made of two.
 */
export function readingOrder(lines: Line[], box: PageBox): Flow[] {
  if (lines.length === 0) return [];
  const { left, right } = extent(lines);
  const gutter = findGutter(lines, left, right);
  if (gutter === null) {
    // One column: its right edge mirrors the left margin, so that a page of short lines reads as short.
    return [{ lines, left, right: Math.max(right, box.right - (left - box.left)) }];
  }
  const sides = lines.map((line) => split(line, gutter));
  const leftBounds = extent(sides.map((s) => s?.[0]).filter((p): p is Line => !!p));
  const rightBounds = extent(sides.map((s) => s?.[1]).filter((p): p is Line => !!p));
  const flows: Flow[] = [];
  let spanning: Line[] = [];
  let leftCol: Line[] = [];
  let rightCol: Line[] = [];
  const flush = () => {
    if (spanning.length > 0) flows.push({ lines: spanning, left, right });
    if (leftCol.length > 0) flows.push({ lines: leftCol, ...leftBounds });
    if (rightCol.length > 0) flows.push({ lines: rightCol, ...rightBounds });
    [spanning, leftCol, rightCol] = [[], [], []];
  };
  lines.forEach((line, i) => {
    const parts = sides[i];
    if (!parts) {
      if (leftCol.length > 0 || rightCol.length > 0) flush();
      spanning.push(line);
      return;
    }
    if (spanning.length > 0) flush();
    if (parts[0]) leftCol.push(parts[0]);
    if (parts[1]) rightCol.push(parts[1]);
  });
  flush();
  return flows;
}

/** A line's parts left and right of the gutter, or null when a cell crosses it. */
function split(line: Line, gutter: number): [Line | null, Line | null] | null {
  if (line.cells.some((c) => c.x0 < gutter && c.x1 > gutter)) return null;
  const part = (cells: Cell[]): Line | null => {
    const first = cells[0];
    const last = cells[cells.length - 1];
    return first && last ? { ...line, cells, x0: first.x0, x1: last.x1 } : null;
  };
  return [part(line.cells.filter((c) => c.x1 <= gutter)), part(line.cells.filter((c) => c.x0 >= gutter))];
}

/**
 * The x of a gutter: the widest vertical strip between 15% and 85% of the text's width (a sidebar
 * included) that at most a tenth of the lines cross, with at least three lines on each side, most of them filling their column
 * with four words or more (a table has such strips too, but its cells are short or uneven).
 */
function findGutter(lines: Line[], left: number, right: number): number | null {
  const span = right - left;
  if (lines.length < 3 || span < 100) return null;
  // How many cells cover each x, in at most GUTTER_STEPS steps (a point each on a real page).
  const steps = Math.min(Math.ceil(span), GUTTER_STEPS);
  const scale = steps / span;
  const cover = new Int32Array(steps + 2);
  for (const line of lines) {
    for (const cell of line.cells) {
      cover[Math.max(0, Math.floor((cell.x0 - left) * scale))]! += 1;
      cover[Math.min(steps + 1, Math.ceil((cell.x1 - left) * scale))]! -= 1;
    }
  }
  for (let x = 1; x < cover.length; x++) cover[x]! += cover[x - 1]!;
  const allowed = Math.floor(lines.length / 10);
  const sizes = lines.map((l) => l.size).sort((p, q) => p - q);
  const minWidth = Math.max(6, 0.8 * (sizes[sizes.length >> 1] ?? 10)) * scale;
  let best: { from: number; width: number } | null = null;
  const last = Math.floor(steps * 0.85);
  for (let x = Math.floor(steps * 0.15), from = -1; x <= last + 1; x++) {
    const open = x <= last && (cover[x] ?? 0) <= allowed;
    if (open && from < 0) from = x;
    if (open || from < 0) continue;
    if (x - from >= minWidth && (!best || x - from > best.width)) best = { from, width: x - from };
    from = -1;
  }
  if (!best) return null;
  const gutter = left + (best.from + best.width / 2) / scale;
  const sides = lines.map((line) => split(line, gutter));
  const column = (side: 0 | 1): boolean => {
    const parts = sides.map((s) => s?.[side]).filter((p): p is Line => !!p);
    if (parts.length < 3) return false;
    const { left: x0, right: x1 } = extent(parts);
    const fill = parts.map((p) => (p.x1 - p.x0) / Math.max(1, x1 - x0)).sort((p, q) => p - q);
    const words = parts.map((p) => p.cells.reduce((n, c) => n + c.text.split(" ").length, 0)).sort((p, q) => p - q);
    return (fill[fill.length >> 1] ?? 0) >= 0.7 && (words[words.length >> 1] ?? 0) >= 4;
  };
  return column(0) && column(1) ? gutter : null;
}

/** The leftmost start and rightmost end of some lines (a loop: pages may hold many thousands). */
function extent(lines: readonly Line[]): { left: number; right: number } {
  let left = Infinity;
  let right = -Infinity;
  for (const line of lines) {
    left = Math.min(left, line.x0);
    right = Math.max(right, line.x1);
  }
  return { left, right };
}
