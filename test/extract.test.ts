import { describe, expect, it } from "vitest";
import { refang } from "../src/analysis/refang";
import { extractDocument } from "../src/documents/extract";
import { workersHtmlEngine } from "../src/documents/html";
import { EXTRACT_LIMITS } from "../src/documents/limits";
import { ascii85, asciiHex, lzwSize, runLengthSize } from "../src/documents/pdf-filters";
import { lzwSpaces, nestedHtml, onePagePdf, pdfBomb, pdfManyPages, pdfPageTree, zlibOf, type BombKind } from "./bombs";
import { documentFixture, failure } from "./helpers";

describe("extractDocument", () => {
  it("reduces an HTML report to its readable lines", async () => {
    const doc = await extractDocument(await documentFixture("report.html"), "text/html; charset=utf-8");
    expect(doc.kind).toBe("html");
    expect(doc.title).toBe("Operation Sample \u2013 Threat Report | Example Labs");
    expect(doc.text.split("\n")).toEqual([
      "Operation Sample: a phishing campaign",
      "",
      "By the Example Labs team",
      "",
      "The actor sent spearphishing attachments (T1566.001) to finance staff.",
      "Each lure was a macro-enabled document.",
      "",
      "Execution & persistence",
      "",
      "PowerShell ran -EncodedCommand payloads",
      'A scheduled task named "Updater" kept the loader alive',
      "",
      "Indicator | Type",
      "hxxps://evil[.]com/a | URL",
      "",
      "cmd.exe /c whoami",
      "net user /domain",
      "",
      "\u00a9 notes <b>escaped</b> \u2014 caf\u00e9 \u201cquoted\u201d",
    ]);
    for (const dropped of [
      "dataLayer",
      "font-family",
      "Home",
      "enable JavaScript",
      "chart",
      "42%",
      "draft",
      "Related posts",
      "Subscribe",
      "rights reserved",
    ]) {
      expect(doc.text).not.toContain(dropped);
    }
  });

  it("takes the first h1 as the title when there is no <title>, with an explicit engine", async () => {
    const html = new TextEncoder().encode("<h1>Sandworm &amp; friends</h1><p>one<br>two</p><h1>Second</h1>");
    const doc = await extractDocument(html, "application/xhtml+xml", undefined, { htmlEngine: workersHtmlEngine });
    expect(doc).toEqual({
      kind: "html",
      title: "Sandworm & friends",
      text: "Sandworm & friends\n\none\ntwo\n\nSecond",
    });
  });

  it("decodes HTML in the charset its <meta> names, and undeclared non-UTF-8 HTML as windows-1252", async () => {
    const latin1 = Uint8Array.from([
      ...new TextEncoder().encode('<meta charset="iso-8859-1"><p>caf'),
      0xe9,
      ...new TextEncoder().encode("</p>"),
    ]);
    expect((await extractDocument(latin1, "text/html")).text).toBe("caf\u00e9");
    const undeclared = Uint8Array.from([
      ...new TextEncoder().encode("<p>"),
      0x93,
      0x68,
      0x69,
      0x94,
      ...new TextEncoder().encode("</p>"),
    ]);
    expect((await extractDocument(undeclared, "text/html")).text).toBe("\u201chi\u201d");
  });

  it("extracts the text of a real PDF, paragraphs and pages apart by a blank line", async () => {
    // Each line is short and ends a sentence (or is a title): each is a paragraph of its own.
    const doc = await extractDocument(await documentFixture("report.pdf"), "application/pdf");
    expect(doc).toEqual({
      kind: "pdf",
      title: "Operation Sample Report",
      text: [
        "Operation Sample: Threat Report",
        "The actor sent spearphishing attachments (T1566.001) to staff.",
        "A PowerShell loader ran encoded commands.",
        "Command and control went to hxxps://evil[.]com/a over HTTPS.",
        "Indicators: 198.51.100[.]7 and update[.]example[.]net",
      ].join("\n\n"),
    });
  });

  it("refuses a malformed PDF and an encrypted one with 422 unreadable_pdf", async () => {
    const pdf = await documentFixture("report.pdf");
    for (const bytes of [
      new TextEncoder().encode("%PDF-1.7\nthis is not really a PDF\n%%EOF"),
      pdf.slice(0, 40),
      new Uint8Array(),
    ]) {
      const error = await failure(extractDocument(bytes, "application/pdf"));
      expect(error).toMatchObject({ status: 422, code: "unreadable_pdf", retryable: false });
      expect(error.message).toMatch(/malformed or damaged/);
    }
    const encrypted = await failure(extractDocument(await documentFixture("encrypted.pdf"), "application/pdf"));
    expect(encrypted).toMatchObject({ status: 422, code: "unreadable_pdf" });
    expect(encrypted.message).toMatch(/encrypted with a password/);
  });

  it("refuses documents with no text", async () => {
    for (const [bytes, type] of [
      [" \n\t \r\n", "text/plain"],
      ["", "text/markdown"],
      ["<html><head><script>var a = 1;</script></head><body><nav>Home</nav>&nbsp;</body></html>", "text/html"],
    ] as const) {
      const error = await failure(extractDocument(new TextEncoder().encode(bytes), type));
      expect(error).toMatchObject({ status: 422, code: "empty_document" });
    }
  });

  it("decodes plain text: strips a BOM, normalises CRLF, honours a declared charset", async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("line one\r\nline two\rthree")]);
    expect(await extractDocument(withBom, "text/plain")).toEqual({
      kind: "text",
      title: null,
      text: "line one\nline two\nthree",
    });
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0xa9]);
    expect((await extractDocument(latin1, "text/plain", "iso-8859-1")).text).toBe("caf\u00e9 \u00a9");
    expect((await extractDocument(latin1, "text/plain; charset=latin1")).text).toBe("caf\u00e9 \u00a9");
    const cp1252 = new Uint8Array([0x93, 0x68, 0x69, 0x94, 0x20, 0x80]);
    expect((await extractDocument(cp1252, "text/plain", "windows-1252")).text).toBe("\u201chi\u201d \u20ac");
    const utf16 = new Uint8Array([0xff, 0xfe, 0x68, 0, 0x69, 0]);
    expect((await extractDocument(utf16, "text/plain")).text).toBe("hi");
    const md = await extractDocument(new TextEncoder().encode("intro\n\n## APT99 report ##\n\ntext"), "text/markdown");
    expect(md).toMatchObject({ kind: "text", title: "APT99 report" });
  });

  it("explains non-UTF-8 text without a charset, unknown charsets and binary junk", async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    const undeclared = await failure(extractDocument(latin1, "text/plain"));
    expect(undeclared).toMatchObject({ status: 422, code: "undecodable_text" });
    expect(undeclared.message).toMatch(/not valid UTF-8 and declares no other charset/);
    expect((await failure(extractDocument(latin1, "text/plain", "utf-8"))).message).toMatch(
      /declares UTF-8 but is not valid UTF-8/,
    );
    const unknown = await failure(extractDocument(new TextEncoder().encode("x"), "text/plain; charset=klingon"));
    expect(unknown).toMatchObject({ status: 415, code: "unsupported_media_type" });
    expect(unknown.message).toMatch(/charset "klingon"/);
    const junk = new Uint8Array(256).map((_, i) => (i * 7) % 32);
    for (const type of ["text/plain", "text/html"]) {
      const error = await failure(extractDocument(junk, type));
      expect(error).toMatchObject({ status: 415, code: "unsupported_media_type" });
      expect(error.message).toMatch(/binary data/);
    }
    expect((await failure(extractDocument(latin1, "image/png"))).status).toBe(415);
  });
});

describe("extraction limits", () => {
  const tooComplex = async (bytes: Uint8Array | string, type: string, limits = EXTRACT_LIMITS) => {
    const body = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const error = await failure(
      extractDocument(body, type, undefined, { limits, largerLimitsHint: "use the workflow" }),
    );
    expect(error).toMatchObject({ status: 422, code: "document_too_complex", retryable: false });
    return error.message;
  };

  it.each<BombKind>(["flate", "zlib-rejects", "hex", "lzw"])(
    "refuses a PDF whose content decodes past 32 MB, sent as %s",
    async (kind) => {
      expect(await tooComplex(await pdfBomb(36e6, kind), "application/pdf")).toBe(
        "document too complex (pdf_decoded_bytes): its content decompresses to more than 32 MB; split the document or print it to a new PDF",
      );
    },
  );

  it("counts no image, and reads no content stream that calls itself an image", async () => {
    const withImage = await extractDocument(await pdfBomb(36e6, "image"), "application/pdf");
    expect(withImage).toMatchObject({ kind: "pdf", text: "The actor used PowerShell." });
    const disguised = await failure(extractDocument(await pdfBomb(36e6, "disguised"), "application/pdf"));
    expect(disguised).toMatchObject({ status: 422, code: "empty_document" });
  });

  it("refuses filters whose output cannot be counted", async () => {
    const brotli = onePagePdf({ dict: "/Filter /BrotliDecode", data: new Uint8Array([0x0b, 0x02, 0x80]) });
    const twice = onePagePdf({ dict: "/Filter [/FlateDecode /FlateDecode]", data: await zlibOf("x", " ", 10) });
    for (const pdf of [brotli, twice])
      expect(await tooComplex(pdf, "application/pdf")).toMatch(/^document too complex \(pdf_filters\)/);
  });

  it("refuses a PDF over the page cap, and text or time over lowered caps with the caller's hint", async () => {
    expect(await tooComplex(pdfManyPages(501), "application/pdf")).toBe(
      "document too complex (pdf_pages): it has 501 pages, over the limit of 500; split the document",
    );
    const pdf = await documentFixture("report.pdf");
    expect(await tooComplex(pdf, "application/pdf", { ...EXTRACT_LIMITS, maxChars: 100 })).toBe(
      "document too complex (text_chars): its text is over 100 characters; split the document, or use the workflow",
    );
    expect(await tooComplex(pdf, "application/pdf", { ...EXTRACT_LIMITS, maxMs: -1 })).toMatch(
      /^document too complex \(extraction_time\): reading it took over .+ s; split the document, or use the workflow$/,
    );
    const html = `<p>${"The actor used PowerShell. ".repeat(10)}</p>`;
    expect(await tooComplex(html, "text/html", { ...EXTRACT_LIMITS, maxChars: 100 })).toMatch(/\(text_chars\)/);
    expect(await tooComplex("x".repeat(101), "text/plain", { ...EXTRACT_LIMITS, maxChars: 100 })).toMatch(
      /\(text_chars\)/,
    );
  });

  it.each(["pages", "object", "object-stream"] as const)(
    "refuses a page tree too large to open, its /Kids in the %s, whatever /Count says",
    async (kidsIn) => {
      expect(await tooComplex(await pdfPageTree(2001, kidsIn), "application/pdf")).toBe(
        "document too complex (pdf_pages): its page tree has 2001 entries, over 2000 for the limit of 500 pages; split the document",
      );
    },
  );

  it("refuses HTML nested too deeply for lol-html or of too many elements, and reads deep HTML under that", async () => {
    expect(await tooComplex(nestedHtml(50_000), "text/html")).toBe(
      "document too complex (html_nesting): its elements are nested too deeply to parse; save the page as PDF or plain text",
    );
    const deep = await extractDocument(new TextEncoder().encode(nestedHtml(2000)), "text/html");
    expect(deep.text).toBe("The actor used PowerShell.");
    expect(await tooComplex(`<p>The actor used PowerShell.</p>${"<i></i>".repeat(500_000)}`, "text/html")).toBe(
      "document too complex (html_elements): it has over 500,000 elements; save the page as PDF or plain text",
    );
  });

  it("decodes PDF filters as PDF.js does", () => {
    expect(runLengthSize(Uint8Array.of(2, 0x61, 0x62, 0x63, 0xff, 0x20, 0x80, 1, 2), 1e9)).toBe(5);
    expect(lzwSize(lzwSpaces(100_000), 1e9)).toBe(100_128); // 1 + 2 + … + 447
    expect(lzwSize(lzwSpaces(100_000), 1000)).toBeLessThan(5000);
    expect(new TextDecoder().decode(asciiHex(new TextEncoder().encode("48 65 6c6C\n6f7>ff")))).toBe("Hellop");
    expect(new TextDecoder().decode(ascii85(new TextEncoder().encode('87cURD]i,"Ebo80~>'), 1e9))).toBe("Hello World!");
    expect(ascii85(new TextEncoder().encode("zz~>"), 1e9)).toEqual(new Uint8Array(8));
  });
});

describe("refang", () => {
  /** The original text behind the refanged span of `needle`. */
  function original(source: string, needle: string): string {
    const r = refang(source);
    const at = r.text.indexOf(needle);
    expect(at, `${needle} in ${r.text}`).toBeGreaterThanOrEqual(0);
    return source.slice(r.toOriginal(at), r.toOriginal(at + needle.length));
  }

  it("returns the same string and the identity map when nothing is defanged", () => {
    const text = "Nothing to see: https://example.com and 10.0.0.1 [note] (dot matrix)";
    const r = refang(text);
    expect(r.text).toBe(text);
    expect([0, 7, text.length].map((o) => r.toOriginal(o))).toEqual([0, 7, text.length]);
  });

  it("maps hxxps://evil[.]com/a back to its defanged form", () => {
    const source = "C2: hxxps://evil[.]com/a was used.";
    const r = refang(source);
    expect(r.text).toBe("C2: https://evil.com/a was used.");
    expect(original(source, "https://evil.com/a")).toBe("hxxps://evil[.]com/a");
    expect(original(source, "evil.com")).toBe("evil[.]com");
    expect(original(source, "evil")).toBe("evil");
    expect(original(source, "com/a")).toBe("com/a");
    expect(original(source, " was used.")).toBe(" was used.");
  });

  it("undoes every supported form", () => {
    const source = "hXXp[://]x{.}io[:]8080 user[at]corp(dot)com admin[@]mail[dot]ru 10[.]0(.)0[.]1 HXXPS://a[DOT]b";
    expect(refang(source).text).toBe("http://x.io:8080 user@corp.com admin@mail.ru 10.0.0.1 https://a.b");
    expect(original(source, "http://x.io:8080")).toBe("hXXp[://]x{.}io[:]8080");
    expect(original(source, "user@corp.com")).toBe("user[at]corp(dot)com");
    expect(original(source, "10.0.0.1")).toBe("10[.]0(.)0[.]1");
    expect(original(source, "https://a.b")).toBe("HXXPS://a[DOT]b");
  });

  it("keeps the offset map monotone and inside the original, even within replacements", () => {
    const source = "a[://]b hxxp c[.]d [dot]";
    const r = refang(source);
    const mapped = Array.from({ length: r.text.length + 1 }, (_, i) => r.toOriginal(i));
    expect(mapped[0]).toBe(0);
    expect(mapped[r.text.length]).toBe(source.length);
    for (let i = 1; i < mapped.length; i++) expect(mapped[i]).toBeGreaterThan(mapped[i - 1] ?? -1);
    expect(r.toOriginal(-5)).toBe(0);
    expect(r.toOriginal(10_000)).toBe(source.length);
  });

  it("maps evidence in extracted PDF text back to the extracted text", async () => {
    const doc = await extractDocument(await documentFixture("report.pdf"), "application/pdf");
    expect(original(doc.text, "update.example.net")).toBe("update[.]example[.]net");
    expect(original(doc.text, "198.51.100.7")).toBe("198.51.100[.]7");
  });
});
