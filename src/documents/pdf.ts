/**
 * @module Text out of a PDF report through unpdf (PDF.js built for serverless runtimes; the same
 * code runs in workerd and in Node). Pages are joined with blank lines.
 */
import { extractText, getDocumentProxy, getMeta } from "unpdf";
import { AppError, describeError } from "../errors";

export interface PdfText {
  text: string;
  title: string | null;
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

export async function extractPdf(bytes: Uint8Array): Promise<PdfText> {
  let pdf: PdfDocument;
  try {
    // A copy: PDF.js may transfer (detach) the buffer it is given, and the caller still owns `bytes`.
    pdf = await getDocumentProxy(bytes.slice(), { verbosity: 0 });
  } catch (e) {
    throw unreadable(e);
  }
  try {
    const { text: pages } = await extractText(pdf, { mergePages: false });
    const text = pages
      .map((page) =>
        page
          .replace(/\r\n?/g, "\n")
          .replace(/[ \t]+\n/g, "\n")
          .trim(),
      )
      .filter((page) => page !== "")
      .join("\n\n");
    return { text, title: await pdfTitle(pdf) };
  } catch (e) {
    throw unreadable(e);
  } finally {
    await pdf.loadingTask.destroy().catch(() => undefined); // frees the PDF.js worker state
  }
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
