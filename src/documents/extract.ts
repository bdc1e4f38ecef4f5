/**
 * @module One entry point from fetched (or uploaded) bytes to the plain text the mapping engine
 * reads: plain text and Markdown are decoded, HTML is reduced to its readable text, PDFs to the
 * text of their pages. Whatever the input, the result is non-empty text or a typed error, and
 * reading it stays within limits (limits.ts): past one, 422 `document_too_complex`.
 */
import { AppError } from "../errors";
import { decodeText } from "./decode";
import { extractHtml, type HtmlEngine } from "./html";
import { EXTRACT_LIMITS, ExtractionBudget, type ExtractLimits } from "./limits";
import { acceptedMediaType, parseContentType, unsupportedDocumentType } from "./media-type";
import { extractPdf } from "./pdf";

export type DocumentKind = "text" | "html" | "pdf";

export interface ExtractedDocument {
  kind: DocumentKind;
  text: string;
  title: string | null;
}

export interface ExtractOptions {
  /** HTML engine for this call; default the one set with `setHtmlEngine`, else the Workers global. */
  htmlEngine?: HtmlEngine;
  /** Caps for this call; default EXTRACT_LIMITS. */
  limits?: ExtractLimits;
  /** What a caller can do instead when a cap lowered below the default is passed ("use POST …"). */
  largerLimitsHint?: string;
}

/**
 * Extracts the text of a document. `contentType` may carry parameters ("text/html; charset=…");
 * an explicit `charset` wins over its charset parameter.
 */
export async function extractDocument(
  bytes: Uint8Array,
  contentType: string,
  charset?: string,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  const parsed = parseContentType(contentType);
  const type = parsed.type && acceptedMediaType(parsed.type);
  if (!type) throw unsupportedDocumentType(parsed.type ?? JSON.stringify(contentType));
  const cs = charset ?? parsed.charset;
  const budget = new ExtractionBudget(options.limits ?? EXTRACT_LIMITS, options.largerLimitsHint);

  let doc: ExtractedDocument;
  if (type === "application/pdf") {
    doc = { kind: "pdf", ...(await extractPdf(bytes, budget)) };
  } else if (type === "text/html" || type === "application/xhtml+xml") {
    doc = { kind: "html", ...(await extractHtml(bytes, budget, cs, options.htmlEngine)) };
  } else {
    const text = decodeText(bytes, { charset: cs });
    budget.addChars(text.length);
    doc = { kind: "text", text, title: type === "text/markdown" ? markdownTitle(text) : null };
  }
  if (doc.text.trim() === "") throw emptyDocument(doc.kind);
  return doc;
}

function emptyDocument(kind: DocumentKind): AppError {
  const why = kind === "pdf" ? " (a scanned PDF holds only images, and OCR is not supported)" : "";
  return new AppError(422, "empty_document", `the document has no text to analyse${why}`);
}

/** The first ATX heading (`# Title`) of a Markdown document. */
function markdownTitle(text: string): string | null {
  const m = /^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/m.exec(text);
  return m?.[1]?.trim() || null;
}
