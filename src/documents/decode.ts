/**
 * @module Bytes to text for text and HTML documents: BOM and charset handling, strict UTF-8 by
 * default (so mis-declared bytes fail loudly instead of turning into U+FFFD soup), and a check
 * that the bytes are text at all.
 */
import { AppError } from "../errors";
import { unsupportedMediaType } from "./media-type";

export interface DecodeOptions {
  /** Charset from the Content-Type header or the document itself. */
  charset?: string;
  /** Encoding for bytes that are not UTF-8 when no charset is declared; without it that is an error. */
  fallback?: string;
  /** Replace invalid sequences in a document that declares UTF-8, as browsers do for HTML. */
  lenient?: boolean;
}

const SAMPLE = 64 * 1024;

/** Decodes `bytes` as text; a BOM wins over any declared charset. CRLF and lone CR become LF. */
export function decodeText(bytes: Uint8Array, options: DecodeOptions = {}): string {
  const bom = detectBom(bytes);
  const label = bom?.encoding ?? options.charset?.trim().toLowerCase();
  const body = bom ? bytes.subarray(bom.length) : bytes;
  if (!bom?.encoding.startsWith("utf-16") && looksBinary(body.length, (i) => body[i] ?? 0)) throw binaryContent();
  let text: string;
  if (label && !isUtf8(label)) {
    text = decodeWith(label, body);
  } else {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      if (!label && options.fallback) text = decodeWith(options.fallback, body);
      else if (label && options.lenient)
        text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(body);
      else throw undecodable(label !== undefined);
    }
  }
  if (bom?.encoding.startsWith("utf-16") && looksBinary(text.length, (i) => text.charCodeAt(i))) throw binaryContent();
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

function undecodable(declared: boolean): AppError {
  return new AppError(
    422,
    "undecodable_text",
    declared
      ? "the document declares UTF-8 but is not valid UTF-8"
      : "the document is not valid UTF-8 and declares no other charset (send e.g. charset=windows-1252 in its Content-Type)",
  );
}

function decodeWith(label: string, bytes: Uint8Array): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: false, ignoreBOM: true });
  } catch {
    throw unsupportedMediaType(`unsupported charset ${JSON.stringify(label)}`);
  }
  return decoder.decode(bytes);
}

const isUtf8 = (label: string) => label === "utf-8" || label === "utf8" || label === "unicode-1-1-utf-8";

function detectBom(b: Uint8Array): { encoding: string; length: number } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: "utf-8", length: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: "utf-16le", length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: "utf-16be", length: 2 };
  return null;
}

function binaryContent(): AppError {
  return unsupportedMediaType("the document is declared as text but holds binary data (NUL or control bytes)");
}

/** True for control bytes other than tab, LF, FF, CR and ESC. */
const isControl = (c: number) =>
  (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f;

/**
 * A NUL, or more than 10 % control characters, among the first 64 KB of `n` code units read with
 * `at` (bytes before decoding, UTF-16 units after): text files have neither.
 */
function looksBinary(n: number, at: (i: number) => number): boolean {
  const sample = Math.min(n, SAMPLE);
  let controls = 0;
  for (let i = 0; i < sample; i++) {
    const c = at(i);
    if (c === 0) return true;
    if (isControl(c)) controls++;
  }
  return controls > sample / 10;
}

/** The charset a document names in its first 1024 bytes (`<meta charset>` or `http-equiv` content). */
export function sniffHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const m = /<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)/i.exec(head);
  return m?.[1]?.toLowerCase();
}
