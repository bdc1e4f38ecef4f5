/**
 * @module Readable text out of an HTML report, streaming through lol-html: the Workers
 * `HTMLRewriter` global in workerd, or `html-rewriter-wasm` in Node (which has no such global),
 * both behind the one small `HtmlEngine` interface so they run the same extraction logic.
 *
 * Page furniture and non-text (script, style, nav, footer, aside, forms, svg …) is dropped; block
 * elements, list items, table cells and `br` end lines so sentences never run together; entities
 * are decoded (lol-html hands text over raw) and whitespace is collapsed within lines.
 *
 * Node: `import { HTMLRewriter } from "html-rewriter-wasm"; setHtmlEngine(wasmHtmlEngine(HTMLRewriter));`
 */
import { AppError, describeError } from "../errors";
import { decodeText, sniffHtmlCharset } from "./decode";
import { decodeEntities } from "./entities";
import { tooComplex, type ExtractionBudget } from "./limits";

/** The part of a lol-html element the extraction uses (both implementations have it). */
export interface HtmlElementLike {
  readonly tagName: string;
  hasAttribute(name: string): boolean;
  /** Throws for elements without an end tag (void or self-closing). */
  onEndTag(handler: () => void): void;
}

export interface HtmlTextLike {
  /** Raw source text: character references are not decoded. */
  readonly text: string;
}

export interface HtmlHandlers {
  element(element: HtmlElementLike): void;
  text(chunk: HtmlTextLike): void;
}

/** Runs `handlers` over every element and text chunk of a UTF-8 HTML document, in order. */
export type HtmlEngine = (html: Uint8Array, handlers: HtmlHandlers) => Promise<void>;

/** The Workers runtime's `HTMLRewriter`. */
export const workersHtmlEngine: HtmlEngine = async (html, handlers) => {
  const res = new HTMLRewriter()
    .on("*", { element: (el) => handlers.element(el) })
    .onDocument({ text: (chunk) => handlers.text(chunk) })
    .transform(new Response(html));
  await res.body?.pipeTo(new WritableStream()); // handlers run as the output is consumed
};

/** The shape of `html-rewriter-wasm`'s `HTMLRewriter` class that `wasmHtmlEngine` needs. */
export interface WasmRewriter {
  on(selector: string, handlers: { element?(element: HtmlElementLike): void }): unknown;
  onDocument(handlers: { text?(chunk: HtmlTextLike): void }): unknown;
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  free(): void;
}
export type WasmRewriterClass = new (outputSink: (chunk: Uint8Array) => void) => WasmRewriter;

const WASM_CHUNK = 1024 * 1024;

/** An engine over `html-rewriter-wasm` (passed in, so the Worker bundle never includes it). */
export function wasmHtmlEngine(Rewriter: WasmRewriterClass): HtmlEngine {
  return async (html, handlers) => {
    const rewriter = new Rewriter(() => undefined); // the rewritten output is not needed
    try {
      rewriter.on("*", { element: (el) => handlers.element(el) });
      rewriter.onDocument({ text: (chunk) => handlers.text(chunk) });
      for (let at = 0; at < html.length; at += WASM_CHUNK) await rewriter.write(html.subarray(at, at + WASM_CHUNK));
      await rewriter.end();
    } finally {
      rewriter.free();
    }
  };
}

let configuredEngine: HtmlEngine | undefined;

/** Sets the engine used when none is passed (the Node CLI sets the wasm one once at start-up). */
export function setHtmlEngine(engine: HtmlEngine | undefined): void {
  configuredEngine = engine;
}

function currentEngine(explicit?: HtmlEngine): HtmlEngine {
  const engine = explicit ?? configuredEngine ?? ("HTMLRewriter" in globalThis ? workersHtmlEngine : undefined);
  if (!engine) {
    throw new AppError(500, "html_engine_missing", "HTML extraction is not available in this runtime", {
      internal: "no HTMLRewriter global: call setHtmlEngine(wasmHtmlEngine(HTMLRewriter)) with html-rewriter-wasm",
    });
  }
  return engine;
}

/** Content that is never report text. `header` stays: it often holds the article's title. */
const DROP = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "math",
  "nav",
  "footer",
  "aside",
  "iframe",
  "form",
  "button",
  "select",
  "canvas",
  "object",
  "embed",
  "audio",
  "video",
  "dialog",
]);
/** Elements that start and end a line. */
const BLOCK = new Set([
  "address",
  "article",
  "blockquote",
  "body",
  "caption",
  "center",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hgroup",
  "legend",
  "li",
  "main",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "ul",
]);
const LINE_BREAK = new Set(["br", "hr"]);

export interface HtmlText {
  text: string;
  title: string | null;
}

/**
 * lol-html's error when its buffers pass their limit (workerd's HTMLRewriter): elements nested
 * tens of thousands deep. The input's fault, unlike lol-html's other errors.
 */
const LOL_HTML_MEMORY = /memory limit has been exceeded/i;

/** How often the element handler looks at the clock. */
const TIME_CHECK_EVERY = 4096;

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
  const parts: string[] = [];
  let skip = 0; // depth inside dropped elements
  let pre = 0;
  let inTitle = false;
  let title = "";
  let inH1 = false;
  let h1: string | null = null;

  const handlers: HtmlHandlers = {
    element(el) {
      budget.checkTimeEvery(TIME_CHECK_EVERY);
      const tag = el.tagName.toLowerCase();
      if (DROP.has(tag) || el.hasAttribute("hidden")) {
        if (onEnd(el, () => skip--)) skip++;
        return;
      }
      if (skip > 0) return;
      const isTitle = tag === "title" && title === "";
      const isH1 = tag === "h1" && h1 === null;
      const isBlock = BLOCK.has(tag);
      if (LINE_BREAK.has(tag) || isBlock) parts.push("\n");
      if (!isTitle && !isH1 && !isBlock) return;
      // One end-tag handler per element: some implementations keep only the last one registered.
      const hasEnd = onEnd(el, () => {
        if (isTitle) inTitle = false;
        if (isH1) inH1 = false;
        if (tag === "pre") pre--;
        if (isBlock) parts.push("\n");
      });
      if (!hasEnd) return;
      if (isTitle) inTitle = true;
      if (isH1) [inH1, h1] = [true, ""];
      if (tag === "pre") pre++;
    },
    text(chunk) {
      const t = chunk.text;
      if (inTitle) title += t;
      if (skip > 0 || inTitle || t === "") return;
      if (inH1) h1 += t;
      parts.push(pre > 0 ? t.replace(/\r\n?/g, "\n") : t.replace(/[\t\n\r\f ]+/g, " "));
    },
  };
  await runBounded(run, html, handlers);

  const text = cleanLines(decodeEntities(parts.join("")));
  budget.addChars(text.length); // no more than the page's own size: counted once, at the end
  const heading = oneLine(decodeEntities(title)) || oneLine(decodeEntities(h1 ?? ""));
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

function cleanLines(s: string): string {
  return s
    .replace(INVISIBLE, "")
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line !== "")
    .join("\n");
}

const oneLine = (s: string) => s.replace(INVISIBLE, "").replace(/\s+/g, " ").trim();

/** Registers an end-tag handler; false for void and self-closing elements, which have none. */
function onEnd(el: HtmlElementLike, handler: () => void): boolean {
  try {
    el.onEndTag(handler);
    return true;
  } catch {
    return false;
  }
}
