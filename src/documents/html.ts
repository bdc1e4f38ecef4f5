/**
 * @module Readable text out of an HTML report, streaming through lol-html (html-engine.ts: the
 * Workers `HTMLRewriter`, or `html-rewriter-wasm` in Node), within the extraction's caps.
 *
 * Only the document's content comes out (html-text.ts: furniture, link lists and reference lists
 * dropped, `<main>` preferred), headings and paragraphs between blank lines, list items and table
 * rows on lines of their own; entities are decoded (lol-html hands text over raw) and whitespace
 * is collapsed within lines.
 *
 * Node: `import { HTMLRewriter } from "html-rewriter-wasm"; setHtmlEngine(wasmHtmlEngine(HTMLRewriter));` */
import { AppError, describeError } from "../errors";
import { decodeText, sniffHtmlCharset } from "./decode";
import { decodeEntities } from "./entities";
import { isUrlOnlyLine } from "./html-rules";
import { currentEngine, type HtmlEngine, type HtmlHandlers } from "./html-engine";
import { HtmlTextCollector } from "./html-text";
import { tooComplex, type ExtractionBudget } from "./limits";

export { setHtmlEngine, wasmHtmlEngine, workersHtmlEngine } from "./html-engine";
export type { HtmlElementLike, HtmlEngine, HtmlHandlers, HtmlTextLike, WasmRewriterClass } from "./html-engine";

export interface HtmlText {
  text: string;
  title: string | null;
}

/**
 * lol-html's error when its buffers pass their limit (workerd's HTMLRewriter): elements nested
 * tens of thousands deep. The input's fault, unlike lol-html's other errors.
 */
const LOL_HTML_MEMORY = /memory limit has been exceeded/i;

export async function extractHtml(
  bytes: Uint8Array,
  budget: ExtractionBudget,
  charset?: string,
  engine?: HtmlEngine,
): Promise<HtmlText> {
  const run = currentEngine(engine);
  // Browsers read undeclared non-UTF-8 HTML as windows-1252 and repair bad UTF-8; so do we.
  const source = decodeText(bytes, {
    charset: charset ?? sniffHtmlCharset(bytes),
    fallback: "windows-1252",
    lenient: true,
  });
  const html = new TextEncoder().encode(source);
  const tags = countTags(html, budget.limits.maxHtmlElements);
  if (tags > budget.limits.maxHtmlElements) {
    const max = budget.limits.maxHtmlElements.toLocaleString("en-US");
    throw tooComplex("html_elements", `it has over ${max} elements; save the page as PDF or plain text`);
  }
  const collector = new HtmlTextCollector(budget);
  await runBounded(run, html, collector);
  const raw = collector.finish();

  const text = cleanLines(decodeEntities(raw.text));
  budget.addChars(text.length); // no more than the page's own size: counted once, at the end
  const heading = oneLine(decodeEntities(raw.title)) || oneLine(decodeEntities(raw.h1 ?? ""));
  return { text, title: heading || null };
}

/**
 * Runs the engine, keeping a cap's own error (workerd hands a handler's error back wrapped, and
 * logs it as uncaught) and turning lol-html's memory limit into `document_too_complex`.
 */
async function runBounded(run: HtmlEngine, html: Uint8Array, handlers: HtmlHandlers): Promise<void> {
  let refused: AppError | undefined;
  try {
    await run(html, {
      element(el) {
        try {
          handlers.element(el);
        } catch (e) {
          if (e instanceof AppError) refused ??= e;
          throw e;
        }
      },
      text: (chunk) => handlers.text(chunk),
      linkText: (chunk) => handlers.linkText(chunk),
    });
  } catch (e) {
    if (refused) throw refused;
    if (LOL_HTML_MEMORY.test(describeError(e))) {
      throw tooComplex(
        "html_nesting",
        "its elements are nested too deeply to parse; save the page as PDF or plain text",
        describeError(e),
      );
    }
    throw e;
  }
}

/** Start tags (`<` and a letter), counted up to one past `max`. */
function countTags(html: Uint8Array, max: number): number {
  let n = 0;
  for (let at = html.indexOf(0x3c); at >= 0 && n <= max; at = html.indexOf(0x3c, at + 1)) {
    const next = (html[at + 1] ?? 0) | 0x20; // lower case
    if (next >= 0x61 && next <= 0x7a) n++;
  }
  return n;
}

/** Invisible characters that split words (soft hyphen, zero-width space/joiner, BOM). */
const INVISIBLE = /[\u00ad\u200b\u2060\ufeff]/g;

/**
 * Lines trimmed, at most one blank line in a row (paragraphs and headings stand between blank
 * lines), none at either end; lines that are only a URL go (no evidence, only a protocol).
 */
function cleanLines(s: string): string {
  const lines: string[] = [];
  for (const raw of s.replace(INVISIBLE, "").split("\n")) {
    const line = raw.replace(/\s+/g, " ").trim();
    if (line === "" ? lines.length === 0 || lines[lines.length - 1] === "" : isUrlOnlyLine(line)) continue;
    lines.push(line);
  }
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

const oneLine = (s: string) => s.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
