/**
 * @module Hostile documents, small on the wire and large inside, for the extraction caps' tests and
 * `npm run bench -- --only bombs`. Built from web APIs only (CompressionStream), so they are made
 * the same way in workerd and in Node; nothing large is held while compressing.
 */

import { concatBytes as concat } from "../src/lib/bytes";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/**
 * zlib (PDF FlateDecode) of `head` then `size` bytes of `fill` repeated, compressed as it is written.
 * `zlibRejects`: an empty stored block first, which zlib refuses and PDF.js reads past.
 */
export async function zlibOf(head: string, fill: string, size: number, zlibRejects = false): Promise<Uint8Array> {
  const cs = new CompressionStream(zlibRejects ? "deflate-raw" : "deflate");
  const out = new Response(cs.readable).arrayBuffer();
  const writer = cs.writable.getWriter();
  await writer.write(latin1(head));
  const block = latin1(fill.repeat(Math.ceil((1 << 20) / fill.length)));
  for (let left = size; left > 0; left -= block.length) {
    await writer.write(left >= block.length ? block : block.subarray(0, left));
  }
  await writer.close();
  const deflated = new Uint8Array(await out);
  return zlibRejects ? concat([Uint8Array.of(0x78, 0x9c, 0, 0, 0, 0, 0), deflated]) : deflated;
}

/** LZW (PDF LZWDecode, early change) of `size` or more spaces: each new code is one space longer. */
export function lzwSpaces(size: number): Uint8Array {
  const codes = [0x20];
  let total = 1;
  for (let code = 258; total < size; code = Math.min(code + 1, 4095)) {
    codes.push(code);
    total += code - 256;
  }
  codes.push(257);
  const out: number[] = [];
  let [acc, bits] = [0, 0];
  codes.forEach((code, j) => {
    // The reader widens codes once its next free code + 1 is a power of two.
    const width = j === 0 ? 9 : Math.min(12, Math.floor(Math.log2(258 + j)) + 1);
    [acc, bits] = [(acc << width) | code, bits + width];
    while (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  });
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Uint8Array.from(out);
}

const hex = (bytes: Uint8Array) => latin1([...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") + ">");

/** A stream object: its dictionary's entries but /Length, and its data. */
export interface Stream {
  dict: string;
  data: Uint8Array;
}

/** A PDF of the objects given (object n is `objects[n - 1]`), with a correct xref table. */
export function pdfOf(objects: (string | Stream)[]): Uint8Array {
  const parts: Uint8Array[] = [latin1("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")];
  const offsets: number[] = [];
  let size = parts[0]?.length ?? 0;
  const push = (p: Uint8Array) => {
    parts.push(p);
    size += p.length;
  };
  objects.forEach((o, i) => {
    offsets.push(size);
    if (typeof o === "string") return push(latin1(`${i + 1} 0 obj\n${o}\nendobj\n`));
    push(latin1(`${i + 1} 0 obj\n<< ${o.dict} /Length ${o.data.length} >>\nstream\n`));
    push(o.data);
    push(latin1("\nendstream\nendobj\n"));
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`];
  for (const o of offsets) xref.push(`${String(o).padStart(10, "0")} 00000 n \n`);
  xref.push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`);
  push(latin1(xref.join("")));
  return concat(parts);
}

const FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
const page = (contents: number, resources = "") =>
  `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> ${resources}>> /Contents ${contents} 0 R >>`;
const TEXT = "BT /F1 12 Tf 72 720 Td (The actor used PowerShell.) Tj ET\n";

/** A one-page PDF whose page shows `content` (object 5); `extra` objects follow as 6, 7, … */
export function onePagePdf(content: Stream, extra: Stream[] = [], resources = ""): Uint8Array {
  return pdfOf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    FONT,
    page(5, resources),
    content,
    ...extra,
  ]);
}

/** How a bomb is wrapped: each way is one a size check could miss. */
export type BombKind = "flate" | "zlib-rejects" | "hex" | "lzw" | "image" | "disguised";

const IMAGE = "/Type /XObject /Subtype /Image /Width 4096 /Height 4096 /ColorSpace /DeviceGray /BitsPerComponent 8";

/**
 * A one-page PDF with a stream that decodes to about `decodedBytes` of spaces: the page's content
 * (after a line of text), or (`image`) an image beside a small content stream, or (`disguised`) the
 * page's content in a stream whose dictionary says it is an image.
 */
export async function pdfBomb(decodedBytes: number, kind: BombKind = "flate"): Promise<Uint8Array> {
  const head = kind === "image" ? "" : TEXT;
  const stream: Stream =
    kind === "lzw"
      ? { dict: "/Filter /LZWDecode", data: lzwSpaces(decodedBytes) }
      : kind === "hex"
        ? { dict: "/Filter [/ASCIIHexDecode /FlateDecode]", data: hex(await zlibOf(head, " ", decodedBytes)) }
        : { dict: "/Filter /FlateDecode", data: await zlibOf(head, " ", decodedBytes, kind === "zlib-rejects") };
  if (kind === "image") {
    const content = { dict: "", data: latin1(`${TEXT}q 100 0 0 100 72 500 cm /Im1 Do Q\n`) };
    return onePagePdf(content, [{ ...stream, dict: `${IMAGE} ${stream.dict}` }], "/XObject << /Im1 6 0 R >> ");
  }
  return onePagePdf(kind === "disguised" ? { ...stream, dict: `${IMAGE} ${stream.dict}` } : stream);
}

/** A one-page PDF of at least `chars` characters of text, 42 a line, compressed in one stream. */
export async function pdfWithText(chars: number): Promise<Uint8Array> {
  // Each line in its own text object: PDF.js leaves out text moved off the page.
  const line = "BT /F1 12 Tf 72 720 Td 14 TL (The actor used PowerShell to run a loader.) Tj T* ET ";
  return onePagePdf({
    dict: "/Filter /FlateDecode",
    data: await zlibOf("", line, Math.ceil(chars / 42) * line.length),
  });
}

/** A PDF of `pages` pages sharing one small content stream: a few bytes per page. */
export function pdfManyPages(pages: number): Uint8Array {
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(" ");
  return pdfOf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    FONT,
    { dict: "", data: latin1(TEXT) },
    ...Array.from({ length: pages }, () => page(4)),
  ]);
}

/** zlib of `bytes`. */
async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/**
 * A page tree of `pages` leaves that claims 2 pages, its /Kids written in the Pages dictionary, in
 * an object of its own, or in an object stream (the file is not readable past its page tree).
 */
export async function pdfPageTree(pages: number, kidsIn: "pages" | "object" | "object-stream"): Promise<Uint8Array> {
  const kids = `[${Array.from({ length: pages }, (_, i) => `${i + 6} 0 R`).join(" ")}]`;
  // Object 5 holds the array, or the object stream holding it as object `pages + 6`.
  const packed = pages + 6;
  const header = `${packed} 0 `;
  const fifth: string | Stream =
    kidsIn === "object-stream"
      ? {
          dict: `/Type /ObjStm /N 1 /First ${header.length} /Filter /FlateDecode`,
          data: await deflate(latin1(header + kids)),
        }
      : kids;
  const ref = kidsIn === "pages" ? kids : `${kidsIn === "object" ? 5 : packed} 0 R`;
  return pdfOf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids ${ref} /Count 2 >>`,
    FONT,
    { dict: "", data: latin1(TEXT) },
    fifth,
    ...Array.from({ length: pages }, () => "<< /Parent 2 0 R >>"),
  ]);
}

/** HTML with `depth` nested elements around one sentence. */
export function nestedHtml(depth: number, tag = "div"): string {
  return `<html><body>${`<${tag}>`.repeat(depth)}The actor used PowerShell.${`</${tag}>`.repeat(depth)}</body></html>`;
}
