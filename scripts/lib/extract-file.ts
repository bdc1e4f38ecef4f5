/**
 * @module Text of a local file for the CLI, through the same extraction as the Worker. Node has no
 * HTMLRewriter, so the HTML engine is html-rewriter-wasm (lol-html, the same parser Workers use).
 */
import path from "node:path";
import { HTMLRewriter } from "html-rewriter-wasm";
import { extractDocument } from "../../src/documents/extract";
import { setHtmlEngine, wasmHtmlEngine } from "../../src/documents/html";
import { sniff } from "../../src/documents/media-type";

setHtmlEngine(wasmHtmlEngine(HTMLRewriter));

const BY_EXTENSION: Record<string, string> = {
  ".txt": "text/plain",
  ".text": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".html": "text/html",
  ".htm": "text/html",
  ".xhtml": "application/xhtml+xml",
  ".pdf": "application/pdf",
};

/** The extracted text of a file; its type comes from the extension, else from its first bytes. */
export async function extractFile(name: string, bytes: Uint8Array): Promise<string> {
  const type = BY_EXTENSION[path.extname(name).toLowerCase()] ?? sniff(bytes);
  return (await extractDocument(bytes, type)).text;
}
