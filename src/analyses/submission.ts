/**
 * @module A document as a caller hands it in, checked before anything starts (URL policy, size,
 * media type), and split into the input a workflow keeps and the document's bytes.
 */
import { acceptedMediaType, parseContentType } from "../documents/media-type";
import { checkUrl } from "../documents/url-policy";
import { AppError, badRequest } from "../errors";
import { fromBase64 } from "../lib/bytes";
import type { SubmissionJsonT } from "./analyses.schemas";

/** The largest document accepted, uploaded or downloaded. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** A document as a caller hands it in, before any workflow exists. */
type Options = { title?: string; force?: boolean; store?: boolean };
export type DocumentSubmission =
  ({ url: string } & Options) | ({ text: string } & Options) | ({ bytes: Uint8Array; contentType: string } & Options);

/** What an analysis keeps of its submission: where the document comes from. The document itself is a blob. */
export type AnalysisInput = {
  source: "url" | "text" | "html" | "pdf";
  url?: string;
  /** Media type of an uploaded document. */
  contentType?: string;
  title?: string;
  /** Analyse again even when the same text was analysed under the same ATT&CK version. */
  force?: boolean;
  /** false: analyse only; no report, matches or text are stored. */
  store?: boolean;
  /** Where the request came from: rest, mcp, webhook. */
  via: string;
};

/** A document's bytes as they arrived (uploaded, or fetched from `finalUrl`). */
export interface RawDocument {
  bytes: Uint8Array;
  contentType: string;
  charset?: string;
  finalUrl?: string;
}

export function tooLarge(bytes: number, limit = MAX_DOCUMENT_BYTES): AppError {
  return new AppError(
    413,
    "document_too_large",
    `the document is ${(bytes / 1e6).toFixed(1)} MB; the limit is ${limit / 1024 / 1024} MB`,
  );
}

/** Checks what can be checked before starting and splits input from content (none for a URL). */
export function prepareSubmission(
  s: DocumentSubmission,
  via: string,
): { input: AnalysisInput; document?: RawDocument } {
  const base = { title: s.title, force: s.force, ...(s.store === false ? { store: false } : {}), via };
  if ("url" in s) {
    checkUrl(s.url);
    return { input: { ...base, source: "url", url: s.url } };
  }
  if ("text" in s) {
    const bytes = new TextEncoder().encode(s.text);
    if (s.text.trim() === "") throw new AppError(422, "empty_document", "the document has no text to analyse");
    if (bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(bytes.length);
    return { input: { ...base, source: "text" }, document: { bytes, contentType: "text/plain; charset=utf-8" } };
  }
  if (s.bytes.length === 0) throw new AppError(422, "empty_document", "the document is empty");
  if (s.bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(s.bytes.length);
  const type = acceptedMediaType(parseContentType(s.contentType).type ?? "");
  if (!type) {
    throw new AppError(
      415,
      "unsupported_media_type",
      `unsupported content type '${s.contentType}': send HTML, plain text, Markdown or PDF`,
    );
  }
  const source =
    type === "application/pdf" ? "pdf" : type === "text/html" || type === "application/xhtml+xml" ? "html" : "text";
  return {
    input: { ...base, source, contentType: s.contentType },
    document: { bytes: s.bytes, contentType: s.contentType },
  };
}

/** The submission in a validated JSON body (base64 content decoded). */
export function submissionFromJson(body: SubmissionJsonT): DocumentSubmission {
  const common = { title: body.title, force: body.force, store: body.store };
  if (body.url !== undefined) return { url: body.url, ...common };
  if (body.text !== undefined) return { text: body.text, ...common };
  let bytes: Uint8Array;
  try {
    bytes = fromBase64((body.content ?? "").replace(/\s+/g, ""));
  } catch {
    throw badRequest("content is not valid base64");
  }
  return { bytes, contentType: body.contentType ?? "", ...common };
}
