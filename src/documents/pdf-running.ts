/**
 * @module A PDF's pages (pdf-layout.ts) joined into one text: running headers and footers and page
 * numbers dropped, a paragraph cut by a page break joined again, line-end hyphens decided
 * (pdf-hyphens.ts). Blocks are separated by a blank line, but rows of one table and items of one
 * list by a line break. Pure, and linear in the text.
 *
 * A margin block (a one-line block in the page's top or bottom band, or rotated text) goes when it
 * looks like a page number ("3", "- 3 -", "Page 3 of 12", "3 | Vendor"), or when its text, digits
 * aside, is a margin block on at least two pages and 40% of the pages with text (40%, not half: a
 * book-style document alternates its running titles between left and right pages).
 */
import { joinLines, resolveHyphens } from "./pdf-hyphens";
import { type Block, type PageLayout } from "./pdf-layout";

const PAGE_NUMBER = [
  /^[-–—([]?\s*\d{1,4}\s*[-–—)\]]?$/u,
  /^[ivxlc]{1,7}$/u,
  /^(?:page|p\.|pg\.?)\s*\d{1,4}(?:\s*(?:of|\/)\s*\d{1,4})?$/iu,
  /^\d{1,4}\s*(?:of|\/)\s*\d{1,4}$/iu,
];
/** A page number beside a few words ("3 | Vendor"), when the bar is the document's, not a table's. */
const PAGE_NUMBER_BESIDE = [/^\d{1,4}\s*\|\s*[^|]{0,60}$/u, /^[^|]{0,60}\|\s*\d{1,4}$/u];

/** Whether a margin block is a page number, bare or with a few words. */
export function pageNumberLike(block: Block): boolean {
  const text = block.text;
  return (
    PAGE_NUMBER.some((re) => re.test(text)) || (block.kind !== "row" && PAGE_NUMBER_BESIDE.some((re) => re.test(text)))
  );
}

/** A margin line's text with the page-dependent parts (numbers, spacing, case) evened out. */
export const marginKey = (text: string) => text.toLowerCase().replace(/\d+/g, "#").replace(/\s+/g, " ").trim();

export function joinPages(pages: readonly PageLayout[]): string {
  const withText = pages.filter((p) => p.blocks.length > 0);
  const counts = new Map<string, number>();
  for (const page of withText) {
    const keys = new Set(page.blocks.filter((b) => b.margin).map((b) => marginKey(b.text)));
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const repeated = Math.max(2, Math.ceil(0.4 * withText.length));
  const running = (b: Block) =>
    b.margin !== undefined && (pageNumberLike(b) || (counts.get(marginKey(b.text)) ?? 0) >= repeated);

  const out: string[] = [];
  let last: Block | undefined;
  for (const page of withText) {
    const body = page.blocks.filter((b) => !running(b));
    body.forEach((block, i) => {
      if (last && i === 0 && continuesAcross(last, block)) {
        last = { ...last, text: joinLines(last.text, block.text) };
        out[out.length - 1] = last.text;
        return;
      }
      if (last) out.push(i > 0 && sameRun(last, block) ? "\n" : "\n\n");
      out.push(block.text);
      last = block;
    });
  }
  return resolveHyphens(out.join(""));
}

/**
 * A paragraph or list item that a page break cut: it ends mid-sentence, the next page goes on in the
 * same type size, and starts in lower case or follows a last line that fills the column.
 */
function continuesAcross(a: Block, b: Block): boolean {
  if ((a.kind !== "text" && a.kind !== "item") || b.kind !== "text" || endsSentence(a.text)) return false;
  if (a.endSize === undefined || b.size === undefined || Math.abs(a.endSize - b.size) > 0.5) return false; // a heading
  return a.open === true || /^\p{Ll}/u.test(b.text);
}

const endsSentence = (text: string) => /[.!?:]['"”’)\]]*$/u.test(text.length > 20 ? text.slice(-20) : text);

/** Rows of one table, items of one list: one line each, with no blank line between. */
const sameRun = (a: Block, b: Block) => a.kind === b.kind && (a.kind === "row" || a.kind === "item");
