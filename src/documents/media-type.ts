/**
 * @module Media types of report documents: parsing a Content-Type header, the types we accept,
 * and sniffing the type of a body that declares none.
 */
import { AppError } from "../errors";

export type DocumentMediaType =
  "text/html" | "application/xhtml+xml" | "text/plain" | "text/markdown" | "application/pdf";

const ACCEPTED: ReadonlySet<string> = new Set<DocumentMediaType>([
  "text/html",
  "application/xhtml+xml",
  "text/plain",
  "text/markdown",
  "application/pdf",
]);
/** Names servers use for the same thing. */
const ALIASES: Record<string, DocumentMediaType> = {
  "application/x-pdf": "application/pdf",
  "text/x-markdown": "text/markdown",
};
/** Types that say "bytes, no idea": the body decides, but only a PDF signature is trusted there. */
const OPAQUE: ReadonlySet<string> = new Set(["application/octet-stream", "binary/octet-stream", "application/binary"]);

export interface ParsedContentType {
  /** Lower-case `type/subtype` without parameters; null when absent or unparsable. */
  type: string | null;
  charset?: string;
}

export function parseContentType(header: string | null | undefined): ParsedContentType {
  if (!header) return { type: null };
  const [essence = "", ...params] = header.split(";");
  const type = essence.trim().toLowerCase();
  let charset: string | undefined;
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    charset =
      p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .toLowerCase() || undefined;
  }
  return { type: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : null, charset };
}

export function unsupportedMediaType(message: string): AppError {
  return new AppError(415, "unsupported_media_type", message);
}

/** A document type we do not read, said the same way wherever it is refused. */
export function unsupportedDocumentType(type: string): AppError {
  return unsupportedMediaType(`unsupported content type ${type}: reports must be HTML, plain text, Markdown or PDF`);
}

/** The accepted type a body stands for, sniffing when the declared type is missing or opaque. */
export function resolveMediaType(declared: string | null, bytes: Uint8Array): DocumentMediaType {
  const type = declared === null ? null : (ALIASES[declared] ?? declared);
  if (type !== null && ACCEPTED.has(type)) return type as DocumentMediaType;
  if (type === null) return sniff(bytes);
  if (OPAQUE.has(type) && sniff(bytes) === "application/pdf") return "application/pdf";
  throw unsupportedDocumentType(type);
}

/** The accepted type if `declared` (already parsed) names one, else null; no sniffing. */
export function acceptedMediaType(declared: string): DocumentMediaType | null {
  const type = ALIASES[declared] ?? declared;
  return ACCEPTED.has(type) ? (type as DocumentMediaType) : null;
}

/** Whether a declared type could still turn out acceptable once the body is seen. */
export function mayBeAccepted(declared: string | null): boolean {
  return declared === null || acceptedMediaType(declared) !== null || OPAQUE.has(declared);
}

/** `%PDF-` → PDF; `<` as the first non-blank character → HTML; anything else → plain text. */
export function sniff(bytes: Uint8Array): DocumentMediaType {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (startsWith(bytes, i, "%PDF-")) return "application/pdf";
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x0c)
  )
    i++;
  return bytes[i] === 0x3c ? "text/html" : "text/plain";
}

function startsWith(bytes: Uint8Array, at: number, ascii: string): boolean {
  for (let k = 0; k < ascii.length; k++) if (bytes[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}
