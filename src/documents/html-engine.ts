/**
 * @module The HTML parsers the extraction runs on, behind one small interface: the Workers
 * `HTMLRewriter` global in workerd, or `html-rewriter-wasm` in Node (which has no such global).
 * Both are lol-html, so they run the same extraction logic.
 */
import { AppError } from "../errors";
import { LINK_SELECTOR } from "./html-rules";

/** The part of a lol-html element the extraction uses (both implementations have it). */
export interface HtmlElementLike {
  readonly tagName: string;
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
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
  /** Text inside links (`LINK_SELECTOR`): called just before `text` gets the same chunk. */
  linkText(chunk: HtmlTextLike): void;
}

/** Runs `handlers` over every element and text chunk of a UTF-8 HTML document, in order. */
export type HtmlEngine = (html: Uint8Array, handlers: HtmlHandlers) => Promise<void>;

/** The Workers runtime's `HTMLRewriter`. */
export const workersHtmlEngine: HtmlEngine = async (html, handlers) => {
  const res = new HTMLRewriter()
    .on("*", { element: (el) => handlers.element(el) })
    .on(LINK_SELECTOR, { text: (chunk) => handlers.linkText(chunk) })
    .onDocument({ text: (chunk) => handlers.text(chunk) })
    .transform(new Response(html));
  await res.body?.pipeTo(new WritableStream()); // handlers run as the output is consumed
};

/** The shape of `html-rewriter-wasm`'s `HTMLRewriter` class that `wasmHtmlEngine` needs. */
export interface WasmRewriter {
  on(
    selector: string,
    handlers: { element?(element: HtmlElementLike): void; text?(chunk: HtmlTextLike): void },
  ): unknown;
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
      rewriter.on(LINK_SELECTOR, { text: (chunk) => handlers.linkText(chunk) });
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

export function currentEngine(explicit?: HtmlEngine): HtmlEngine {
  const engine = explicit ?? configuredEngine ?? ("HTMLRewriter" in globalThis ? workersHtmlEngine : undefined);
  if (!engine) {
    throw new AppError(500, "html_engine_missing", "HTML extraction is not available in this runtime", {
      internal: "no HTMLRewriter global: call setHtmlEngine(wasmHtmlEngine(HTMLRewriter)) with html-rewriter-wasm",
    });
  }
  return engine;
}
