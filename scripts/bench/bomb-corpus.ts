/**
 * @module The hostile documents of `npm run bench -- --only bombs`, made at bench time (test/bombs.ts
 * builds the PDFs and HTML the tests use): each small on the wire and costly inside, with the route
 * the Worker takes it on and the code Node runs for its heap figure.
 */
import { nestedHtml, pdfBomb, pdfManyPages, pdfPageTree, pdfWithText } from "../../test/bombs";

export interface Doc {
  body: Uint8Array;
  contentType: string;
}

export interface Bomb {
  name: string;
  /** The synchronous route (≤ 1 MB), a workflow, or a detections import. */
  route: "analyze" | "analyses" | "import";
  /** What Node runs: the extraction, the JSON body as the route parses it, or the rule parser. */
  probe: "extract" | "json" | "yaml";
  make(): Doc | Promise<Doc>;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const pdf = async (bytes: Promise<Uint8Array> | Uint8Array) => ({ body: await bytes, contentType: "application/pdf" });
const html = (s: string) => ({ body: utf8(s), contentType: "text/html" });
const json = (value: unknown) => ({ body: utf8(JSON.stringify(value)), contentType: "application/json" });
const jsonText = (s: string) => ({ body: utf8(s), contentType: "application/json" });

/** Nine levels of nine aliases: 387 M strings once expanded. */
const BILLION_LAUGHS = [
  "title: laughs",
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ..."bcdefghi".split("").map((k, i) => {
    const prev = "abcdefghi"[i] ?? "a";
    return `${k}: &${k} [${Array.from({ length: 9 }, () => `*${prev}`).join(",")}]`;
  }),
].join("\n");

/** One import of one Sigma file. */
const sigmaImport = (content: string) => json({ format: "sigma", files: [{ path: "rules/sigma/bomb.yml", content }] });

export const BOMBS: Bomb[] = [
  {
    name: "PDF: Flate, 120 MB of content",
    route: "analyze",
    probe: "extract",
    make: () => pdf(pdfBomb(120e6)),
  },
  {
    name: "PDF: Flate behind an empty stored block (zlib refuses, PDF.js reads), 120 MB",
    route: "analyze",
    probe: "extract",
    make: () => pdf(pdfBomb(120e6, "zlib-rejects")),
  },
  { name: "PDF: LZW, 120 MB of content", route: "analyze", probe: "extract", make: () => pdf(pdfBomb(120e6, "lzw")) },
  {
    name: "PDF: a 120 MB image (not counted, not decoded)",
    route: "analyze",
    probe: "extract",
    make: () => pdf(pdfBomb(120e6, "image")),
  },
  { name: "PDF: 20,000 pages", route: "analyses", probe: "extract", make: () => pdf(pdfManyPages(20_000)) },
  {
    name: "PDF: 150,000 bare pages claiming 2, /Kids in an object stream",
    route: "analyses",
    probe: "extract",
    make: () => pdf(pdfPageTree(150_000, "object-stream")),
  },
  {
    name: "PDF: 1.1 M characters, synchronous",
    route: "analyze",
    probe: "extract",
    make: () => pdf(pdfWithText(1_100_000)),
  },

  { name: "HTML: 50,000 nested <div>", route: "analyze", probe: "extract", make: () => html(nestedHtml(50_000)) },
  {
    name: "HTML: 1,000,000 nested <b>, workflow",
    route: "analyses",
    probe: "extract",
    make: () => html(nestedHtml(1_000_000, "b")),
  },
  {
    name: "HTML: 450,000 empty elements (under the cap), workflow",
    route: "analyses",
    probe: "extract",
    make: () => html(`<p>The actor used PowerShell.</p>${"<span></span>".repeat(450_000)}`),
  },
  {
    name: "HTML: 19 MB, 1.4 M empty elements, workflow",
    route: "analyses",
    probe: "extract",
    make: () => html(`<p>The actor used PowerShell.</p>${"<span></span>".repeat(1_400_000)}`),
  },

  {
    name: "JSON: body nested 900,000 deep, synchronous",
    route: "analyze",
    probe: "json",
    make: () => jsonText(`${"[".repeat(900_000)}${"]".repeat(900_000)}`),
  },
  {
    name: "JSON: 27 MB body, 13 M numbers beside the text, workflow",
    route: "analyses",
    probe: "json",
    make: () => jsonText(`{"text":"The actor used PowerShell.","x":[${"0,".repeat(13_500_000)}0]}`),
  },
  {
    name: "YAML: billion laughs (Sigma import)",
    route: "import",
    probe: "yaml",
    make: () => sigmaImport(BILLION_LAUGHS),
  },
  {
    name: "YAML: flow sequences 400,000 deep (Sigma import)",
    route: "import",
    probe: "yaml",
    make: () => sigmaImport(`title: deep\nx: ${"[".repeat(400_000)}${"]".repeat(400_000)}`),
  },
  {
    name: "PDF: 15 M characters (30 MB of content), workflow",
    route: "analyses",
    probe: "extract",
    make: () => pdf(pdfWithText(15_000_000)),
  },
];
