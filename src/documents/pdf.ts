/**
 * @module Text out of a PDF report through unpdf (PDF.js built for serverless runtimes; the same
 * code runs in workerd and in Node). Pages are joined with blank lines.
 *
 * Bounded: the streams' decoded size and the page tree's size are checked before PDF.js sees the
 * file (pdf-streams.ts), the page count before any page is read, and characters and time page by
 * page, the text of a page streamed so that one hostile page cannot build all its text items first.
 */
import { getDocumentProxy, getMeta } from "unpdf";
import { AppError, describeError } from "../errors";
import { tooComplex, type ExtractionBudget } from "./limits";
import { checkPdf } from "./pdf-streams";

export interface PdfText {
  text: string;
  title: string | null;
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;
type PdfPage = Awaited<ReturnType<PdfDocument["getPage"]>>;

export async function extractPdf(bytes: Uint8Array, budget: ExtractionBudget): Promise<PdfText> {
  // A copy: PDF.js may transfer (detach) the buffer it is given, the caller still owns `bytes`, and
  // the check overwrites the copy's images.
  const copy = bytes.slice();
  checkPdf(copy, budget.limits);
  budget.checkTime();
  let pdf: PdfDocument;
  const reading: { reader?: TextReader } = {};
  try {
    pdf = await getDocumentProxy(copy, { verbosity: 0 });
  } catch (e) {
    throw unreadable(e);
  }
  try {
    const { numPages } = pdf;
    if (numPages > budget.limits.maxPdfPages) {
      const max = budget.limits.maxPdfPages;
      throw tooComplex("pdf_pages", `it has ${numPages} pages, over the limit of ${max}; split the document`);
    }
    const pages: string[] = [];
    for (let n = 1; n <= numPages; n++) {
      await budget.pause();
      const page = normalise(await pageText(await pdf.getPage(n), budget, reading));
      if (page !== "") pages.push(page);
    }
    return { text: pages.join("\n\n"), title: await pdfTitle(pdf) };
  } catch (e) {
    throw unreadable(e);
  } finally {
    const destroyed = pdf.loadingTask.destroy().catch(() => undefined); // frees the PDF.js worker state
    // A page left mid-stream (a cap) waits for its next read: keep reading so that it sees the end.
    if (reading.reader) void drain(reading.reader);
    await destroyed;
  }
}

const normalise = (page: string) =>
  page
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .trim();

type TextReader = ReadableStreamDefaultReader<unknown>;

/**
 * A page's text items as unpdf's extractText joins them, read chunk by chunk. The reader stays in
 * `reading` until the page is done: a cap's error leaves it open (cancelling it has PDF.js's
 * destroy() wait forever for the page's task).
 */
async function pageText(page: PdfPage, budget: ExtractionBudget, reading: { reader?: TextReader }): Promise<string> {
  const reader = (page.streamTextContent() as ReadableStream<unknown>).getReader();
  reading.reader = reader;
  const parts: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const items: unknown = typeof value === "object" && value !== null && "items" in value ? value.items : [];
    for (const item of Array.isArray(items) ? (items as unknown[]) : []) {
      if (typeof item !== "object" || item === null || !("str" in item) || typeof item.str !== "string") continue;
      const text = "hasEOL" in item && item.hasEOL === true ? `${item.str}\n` : item.str;
      parts.push(text);
      budget.addChars(text.length);
    }
    budget.checkTime();
  }
  reading.reader = undefined;
  return parts.join("");
}

async function drain(reader: TextReader): Promise<void> {
  for (let done = false; !done;) done = (await reader.read().catch(() => ({ done: true }))).done;
}

/** The document-information Title, when there is a non-blank one. */
async function pdfTitle(pdf: PdfDocument): Promise<string | null> {
  try {
    const { info } = await getMeta(pdf);
    const title: unknown = info["Title"];
    return typeof title === "string" && title.trim() !== "" ? title.replace(/\s+/g, " ").trim() : null;
  } catch {
    return null; // metadata is a nicety; the text is what matters
  }
}

function unreadable(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const name = typeof e === "object" && e !== null && "name" in e && typeof e.name === "string" ? e.name : "";
  if (name === "PasswordException") {
    return new AppError(
      422,
      "unreadable_pdf",
      "the PDF is encrypted with a password; upload a copy without the password",
      {
        internal: describeError(e),
      },
    );
  }
  return new AppError(422, "unreadable_pdf", "the PDF could not be read: it is malformed or damaged", {
    internal: `${name}: ${describeError(e)}`,
  });
}
