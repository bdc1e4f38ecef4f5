/**
 * @module The checks of a PDF before PDF.js opens it. PDF.js decodes a stream whole into memory,
 * so a few hundred KB of Flate can become gigabytes; and opening a file loads its whole page tree.
 * Every stream is found by its `stream` keyword (not through the xref, which can lie) and its
 * filters are run, counting the decoded bytes without keeping them, until the total passes the
 * cap; object streams are read, and with the file, for the entries of the page tree (pdf-pages.ts).
 *
 * Images are not counted: text extraction never decodes them. So that a content stream cannot pass
 * as an image, the data of every image-looking stream is overwritten (in the copy PDF.js gets) with
 * bytes that end every decoder at once. Known gap: an encrypted PDF's streams cannot be decoded
 * here, so they are not counted.
 */
import { megabytes, tooComplex, type ExtractLimits } from "./limits";
import { arrayEntries, countKids, objectStreamIndex, type ObjectRef } from "./pdf-pages";
import { ascii85, asciiHex, flateSize, inflate, lzwSize, runLengthSize, type Counter } from "./pdf-filters";
import {
  DICT_WINDOW,
  ObjectIndex,
  dataEnd,
  dataStart,
  dictionaryBefore,
  earlyChange,
  filtersOf,
  find,
  isImage,
  isWhite,
  lengthOf,
  objectStreamFirst,
} from "./pdf-syntax";

// Maps, not objects: a filter name comes from the file ("/toString").
const COUNTERS = new Map<string, Counter>([
  ["FlateDecode", flateSize],
  ["Fl", flateSize],
  ["LZWDecode", lzwSize],
  ["LZW", lzwSize],
  ["RunLengthDecode", runLengthSize],
  ["RL", runLengthSize],
]);
const ASCII = new Map<string, (data: Uint8Array, limit: number) => Uint8Array>([
  ["ASCIIHexDecode", asciiHex],
  ["AHx", asciiHex],
  ["ASCII85Decode", ascii85],
  ["A85", ascii85],
]);
/** Image codecs: a stream using one is an image, whatever its dictionary says. */
const IMAGE_CODECS = new Set(["DCTDecode", "DCT", "JPXDecode", "JPX", "JBIG2Decode", "CCITTFaxDecode", "CCF"]);
/** Decoders whose output cannot be counted here. */
const UNCOUNTABLE = new Set(["BrotliDecode"]);
/** Ends Flate (bad header), LZW (257), RunLength (128), ASCIIHex (`>`) and ASCII85 (`~`) at once. */
const NEUTRAL = [0x80, 0x80, 0x3e, 0x7e, 0x3e];
/** Page-tree entries allowed per page of the cap: intermediate nodes, pages left by earlier revisions. */
const TREE_ENTRIES_PER_PAGE = 4;

/** An object stream, found in the scan: read again to resolve a /Kids given by reference. */
interface ObjectStream {
  data: Uint8Array;
  flate: boolean;
  first: number;
}

type Limits = Pick<ExtractLimits, "maxPdfDecodedBytes" | "maxPdfPages">;

/**
 * Checks a PDF before PDF.js opens it: the bytes its non-image streams decode to, and the size of
 * its page tree. Throws `document_too_complex` past either cap; neutralises images in `pdf`.
 */
export function checkPdf(pdf: Uint8Array, limits: Limits): void {
  const maxBytes = limits.maxPdfDecodedBytes;
  const objects = new ObjectIndex(pdf);
  const kidRefs = new Set<ObjectRef>();
  let kids = countKids(pdf, kidRefs);
  const compressed = new Map<number, ObjectStream>();
  let total = 0;
  let scanned = 0;
  for (let at = find(pdf, "stream", 0); at >= 0; at = find(pdf, "stream", at + 6)) {
    const before = pdf[at - 1] ?? 0x20;
    if (!isWhite(before) && before !== 0x3e) continue; // "endstream", or not a keyword
    const start = dataStart(pdf, at + 6);
    const dict = dictionaryBefore(pdf, at);
    const end = dataEnd(pdf, start, dict === null ? null : lengthOf(dict, objects));
    const data = pdf.subarray(start, end);
    const filters = dict === null ? null : filtersOf(dict, objects);
    if (dict !== null && (isImage(dict) || filters?.some((f) => IMAGE_CODECS.has(f)))) {
      neutralise(data);
      continue;
    }
    const first = dict === null ? null : objectStreamFirst(dict);
    const flate = filters?.length === 1 && (filters[0] === "FlateDecode" || filters[0] === "Fl");
    if (first !== null && (filters?.length === 0 || flate)) {
      // An object stream is read, for the page-tree nodes it may hold.
      const decoded = flate ? inflate(data, maxBytes - total) : data;
      if (flate) total += decoded.length;
      kids += countKids(decoded, kidRefs);
      for (const num of objectStreamIndex(decoded, first).keys()) compressed.set(num, { data, flate, first });
    } else if (filters?.length !== 0) {
      // Extents overlap only in a crafted file (or for "stream" in plain text, which has no filter); cap the work.
      scanned += data.length;
      if (scanned > 2 * pdf.length + DICT_WINDOW)
        throw tooComplex("pdf_filters", "its streams overlap; print it to a new PDF");
      total += decodedSize(data, filters, maxBytes - total, earlyChange(dict));
    }
    if (total > maxBytes) {
      throw tooComplex(
        "pdf_decoded_bytes",
        `its content decompresses to more than ${megabytes(maxBytes)}; split the document or print it to a new PDF`,
        `stream at byte ${start}`,
      );
    }
  }
  kids += referencedKids(pdf, kidRefs, objects, compressed, maxBytes);
  const maxEntries = TREE_ENTRIES_PER_PAGE * limits.maxPdfPages;
  if (kids > maxEntries) {
    throw tooComplex(
      "pdf_pages",
      `its page tree has ${kids} entries, over ${maxEntries} for the limit of ${limits.maxPdfPages} pages; split the document`,
    );
  }
}

/** Entries of the /Kids arrays given by reference, direct or in an object stream. */
function referencedKids(
  pdf: Uint8Array,
  refs: Set<ObjectRef>,
  objects: ObjectIndex,
  compressed: Map<number, ObjectStream>,
  maxBytes: number,
): number {
  let entries = 0;
  const decoded = new Map<ObjectStream, Uint8Array>();
  for (const ref of refs) {
    const span = objects.span(ref);
    if (span) {
      entries += arrayAt(pdf, ...span);
      continue;
    }
    const num = Number(ref.split(" ")[0]);
    const stream = compressed.get(num);
    if (!stream) continue;
    const bytes = decoded.get(stream) ?? (stream.flate ? inflate(stream.data, maxBytes) : stream.data);
    decoded.set(stream, bytes);
    entries += arrayAt(bytes, ...(objectStreamIndex(bytes, stream.first).get(num) ?? [0, 0]));
  }
  return entries;
}

/** Entries of the array that is the object in `[start, end)`; 0 if it is something else. */
function arrayAt(bytes: Uint8Array, start: number, end: number): number {
  const at = bytes.subarray(start, end).findIndex((c) => !isWhite(c));
  return at >= 0 && bytes[start + at] === 0x5b ? arrayEntries(bytes.subarray(0, end), start + at) : 0;
}

/** Bytes PDF.js would hold for a stream's filter chain; an unknown chain (null) is tried every way. */
function decodedSize(raw: Uint8Array, filters: string[] | null, limit: number, lzwEarlyChange: number): number {
  if (filters === null) {
    const chains = [
      ["FlateDecode"],
      ["ASCIIHexDecode", "FlateDecode"],
      ["ASCII85Decode", "FlateDecode"],
      ["LZWDecode"],
    ];
    return Math.max(...chains.map((chain) => decodedSize(raw, chain, limit, lzwEarlyChange)));
  }
  let data = raw;
  let total = 0;
  let counted = false;
  for (const filter of filters) {
    const ascii = ASCII.get(filter);
    const counter = COUNTERS.get(filter);
    if (UNCOUNTABLE.has(filter) || (counted && (ascii || counter))) {
      throw tooComplex(
        "pdf_filters",
        `it compresses a stream with ${filters.map((f) => f.slice(0, 32)).join(" + ")}, whose size cannot be checked; print it to a new PDF`,
      );
    }
    if (counted || (!ascii && !counter)) continue; // Crypt, unknown names: PDF.js passes the bytes on
    if (ascii) {
      data = ascii(data, limit - total);
      total += data.length;
    } else if (counter) {
      total += counter(data, limit - total, lzwEarlyChange);
      counted = true;
    }
    if (total > limit) break;
  }
  return total;
}

/** Overwrites a stream's data so that no decoder yields anything from it. */
function neutralise(data: Uint8Array): void {
  data.fill(0);
  data.set(NEUTRAL.slice(0, data.length));
}
