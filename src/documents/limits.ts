/**
 * @module How much work reading one document may take. A document past a cap is refused with 422
 * `document_too_complex`, the message naming the cap (e.g. `pdf_pages`), its figure and what to
 * do, rather than running the Worker out of its 128 MB or its CPU time.
 */
import { AppError } from "../errors";

export interface ExtractLimits {
  /** Characters of text read from the document. */
  maxChars: number;
  /** Wall time of one extraction, checked between PDF pages and every few thousand HTML elements. */
  maxMs: number;
  /** Pages of a PDF. */
  maxPdfPages: number;
  /** Bytes a PDF's streams decode to, all together; images are not decoded to read text, so not counted. */
  maxPdfDecodedBytes: number;
  /** Elements of an HTML document (start tags: `<` and a letter), counted before it is parsed. */
  maxHtmlElements: number;
}

/** The caps' names, as messages and logs give them. */
export type ExtractCap =
  | "text_chars"
  | "extraction_time"
  | "pdf_pages"
  | "pdf_decoded_bytes"
  | "pdf_filters"
  | "html_nesting"
  | "html_elements";

/** The caps of a workflow (and the CLI): the synchronous route lowers time and characters. */
export const EXTRACT_LIMITS: Readonly<ExtractLimits> = {
  // The largest text a caller may submit as text (MAX_DOCUMENT_BYTES, analyses/submission.ts).
  maxChars: 20 * 1024 * 1024,
  // One workflow step runs in one alarm, whose CPU limit is 30 s: leave room for its blob reads and writes.
  maxMs: 25_000,
  // Reports run to a few hundred pages; more is a book or a generated file, and pages cost time.
  maxPdfPages: 500,
  // PDF.js keeps a decoded stream whole in a buffer that grows by doubling (1.5 times its size while
  // it grows): 32 MiB of content is at most ~48 MiB, beside a 20 MB document and its copy. Real
  // reports' text, fonts and object streams decode to a few MB.
  maxPdfDecodedBytes: 32 * 1024 * 1024,
  // Large real pages hold tens of thousands of elements. Each call from workerd's HTMLRewriter
  // into a handler costs ~30 µs: 450,000 empty elements take ~16 s; 1.4 M would run out of time.
  maxHtmlElements: 500_000,
};

export function tooComplex(cap: ExtractCap, what: string, internal?: string): AppError {
  return new AppError(422, "document_too_complex", `document too complex (${cap}): ${what}`, { internal });
}

/** Bytes as a message gives them. */
export const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/**
 * The running count of one extraction against its limits. `hint` is added to the messages of the
 * caps this run has lowered below the defaults (the synchronous route names the asynchronous one).
 */
export class ExtractionBudget {
  private readonly deadline: number;
  private chars = 0;
  private ticks = 0;

  constructor(
    readonly limits: ExtractLimits,
    private readonly hint?: string,
  ) {
    this.deadline = Date.now() + limits.maxMs;
  }

  /** Counts characters read; throws past `maxChars`. */
  addChars(n: number): void {
    this.chars += n;
    if (this.chars > this.limits.maxChars) {
      const max = this.limits.maxChars.toLocaleString("en-US");
      throw this.refuse("text_chars", `its text is over ${max} characters; split the document`);
    }
  }

  /** Throws once the extraction has run past `maxMs`. */
  checkTime(): void {
    if (Date.now() > this.deadline) {
      throw this.refuse("extraction_time", `reading it took over ${this.limits.maxMs / 1000} s; split the document`);
    }
  }

  /** `checkTime` every `every` calls: for per-element handlers. */
  checkTimeEvery(every: number): void {
    if (++this.ticks % every === 0) this.checkTime();
  }

  /** Yields to a timer, then checks the time: on Workers the clock only moves between events. */
  async pause(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.checkTime();
  }

  private refuse(cap: "text_chars" | "extraction_time", what: string): AppError {
    const lowered =
      cap === "text_chars" ? this.limits.maxChars < EXTRACT_LIMITS.maxChars : this.limits.maxMs < EXTRACT_LIMITS.maxMs;
    return tooComplex(cap, lowered && this.hint ? `${what}, or ${this.hint}` : what);
  }
}
