/**
 * @module Text out of a PDF report through unpdf (PDF.js built for serverless runtimes; the same
 * code runs in workerd and in Node). Each page's text items are laid out from their positions
 * (pdf-layout.ts: one line per paragraph, list item or table row), then the pages are joined
 * without their running headers, footers and page numbers (pdf-running.ts).
 *
 * Bounded: the streams' decoded size and the page tree's size are checked before PDF.js sees the
 * file (pdf-streams.ts), the page count before any page is read, and characters and time page by
 * page, the text of a page streamed so that one hostile page cannot build all its text items first.
 */
import { getDocumentProxy, getMeta } from "unpdf";
import { AppError, describeError } from "../errors";
import { tooComplex, type ExtractionBudget } from "./limits";
import { layoutPage, plainPage, plainText, type PageBox, type PageLayout, type PdfTextItem } from "./pdf-layout";
import { joinPages } from "./pdf-running";
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
    const pages: PageLayout[] = [];
    for (let n = 1; n <= numPages; n++) {
      await budget.pause();
      pages.push(await pageText(await pdf.getPage(n), budget, reading));
    }
    return { text: joinPages(pages), title: await pdfTitle(pdf) };
  } catch (e) {
    throw unreadable(e);
  } finally {
    const destroyed = pdf.loadingTask.destroy().catch(() => undefined); // frees the PDF.js worker state
    // A page left mid-stream (a cap) waits for its next read: keep reading so that it sees the end.
    if (reading.reader) void drain(reading.reader);
    await destroyed;
  }
}

type TextReader = ReadableStreamDefaultReader<unknown>;

/**
 * Items a page may hold and still be laid out; past either cap (a generated or hostile page, far
 * above a real page's few thousand), the page is kept as PDF.js joins it, and no more items are held.
 */
const MAX_LAYOUT_ITEMS = 20_000;
const MAX_LAYOUT_CHARS = 300_000;

/**
 * A page's text items, read chunk by chunk, laid out. The reader stays in `reading` until the page
 * is done: a cap's error leaves it open (cancelling it has PDF.js's destroy() wait forever for the
 * page's task).
 */
async function pageText(
  page: PdfPage,
  budget: ExtractionBudget,
  reading: { reader?: TextReader },
): Promise<PageLayout> {
  const reader = (page.streamTextContent() as ReadableStream<unknown>).getReader();
  reading.reader = reader;
  const items: PdfTextItem[] = [];
  let chars = 0;
  let plain: string[] | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk: unknown = typeof value === "object" && value !== null && "items" in value ? value.items : [];
    for (const raw of Array.isArray(chunk) ? (chunk as unknown[]) : []) {
      if (typeof raw !== "object" || raw === null || !("str" in raw) || typeof raw.str !== "string") continue;
      const eol = "hasEOL" in raw && raw.hasEOL === true;
      budget.addChars(eol ? raw.str.length + 1 : raw.str.length);
      if (plain) {
        plain.push(eol ? `${raw.str}\n` : raw.str);
        continue;
      }
      items.push(textItem(raw, raw.str, eol));
      chars += raw.str.length;
      if (items.length > MAX_LAYOUT_ITEMS || chars > MAX_LAYOUT_CHARS) {
        plain = [plainText(items)];
        items.length = 0;
      }
    }
    budget.checkTime();
  }
  reading.reader = undefined;
  return plain ? plainPage(plain.join("")) : layoutPage(items, pageBox(page.view));
}

/** A PDF.js text item as the layout reads it. */
function textItem(raw: object, str: string, hasEOL: boolean): PdfTextItem {
  const transform = "transform" in raw && Array.isArray(raw.transform) ? (raw.transform as unknown[]) : [];
  const width = "width" in raw ? raw.width : undefined;
  // PDF.js's own object when it has the expected shape: no copy of a page's many items.
  if (transform.length === 6 && transform.every((n) => typeof n === "number") && typeof width === "number") {
    return raw as PdfTextItem;
  }
  const numbers = transform.map((n) => (typeof n === "number" ? n : NaN));
  return { str, transform: numbers, width: typeof width === "number" ? width : 0, hasEOL };
}

/** PDF.js's page.view, [x0, y0, x1, y1]: the MediaBox. */
function pageBox(view: number[]): PageBox {
  const [x0 = 0, y0 = 0, x1 = 612, y1 = 792] = view;
  return { left: Math.min(x0, x1), bottom: Math.min(y0, y1), right: Math.max(x0, x1), top: Math.max(y0, y1) };
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
