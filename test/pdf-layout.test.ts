import { describe, expect, it } from "vitest";
import { extractDocument } from "../src/documents/extract";
import { joinLines, resolveHyphens } from "../src/documents/pdf-hyphens";
import { layoutPage, type Block, type PdfTextItem } from "../src/documents/pdf-layout";
import { joinPages, pageNumberLike } from "../src/documents/pdf-running";
import { pdfWithText } from "./bombs";
import { documentFixture } from "./helpers";

// Items as PDF.js gives them, in a 10 pt font whose characters are all 5 pt wide (half an em).
const BOX = { left: 0, bottom: 0, right: 612, top: 792 };
const LEFT = 72;
const WIDTH = 468; // 93 characters
const CHAR = 0.5;

const item = (str: string, x: number, y: number, size = 10, font = "F1", hasEOL = false): PdfTextItem => ({
  str,
  transform: [size, 0, 0, size, x, y],
  width: str.length * size * CHAR,
  fontName: font,
  hasEOL,
});

/** Greedy breaking of `text` into lines of at most `chars` characters. */
function wrap(text: string, chars = 90): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= chars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

interface Set {
  x?: number;
  width?: number;
  size?: number;
  leading?: number;
  font?: string;
}

/** A paragraph set justified, each word drawn on its own, its last line ragged. Returns the items and the next y. */
function justified(lines: string[], y: number, { x = LEFT, width = WIDTH, size = 10, leading = 12 }: Set = {}) {
  const items: PdfTextItem[] = [];
  lines.forEach((line, i) => {
    const words = line.split(" ");
    const letters = words.join("").length * size * CHAR;
    const gap = i === lines.length - 1 || words.length < 2 ? size * CHAR : (width - letters) / (words.length - 1);
    let at = x;
    for (const word of words) {
      items.push(item(word, at, y - i * leading, size));
      at += word.length * size * CHAR + gap;
    }
  });
  return { items, y: y - lines.length * leading };
}

/** Lines as PDF.js often gives them: one item each, ending the line. */
function whole(lines: string[], y: number, { x = LEFT, size = 10, leading = 12, font = "F1" }: Set = {}) {
  return {
    items: lines.map((line, i) => item(line, x, y - i * leading, size, font, true)),
    y: y - lines.length * leading,
  };
}

const texts = (items: PdfTextItem[]) => layoutPage(items, BOX).blocks.map((b) => resolveHyphens(b.text));

const FIRST =
  "The actor sent spearphishing attachments to finance staff at several regional banks during the first quarter of the year, and each lure was a macro-enabled workbook that dropped a PowerShell loader onto the workstation of the victim.";
const SECOND =
  "The loader downloaded a second stage from a compromised WordPress site and ran it in memory, so that no executable ever touched the disk, and then it deleted itself.";

describe("layoutPage: paragraphs", () => {
  it("joins a justified paragraph drawn word by word into one line, and keeps paragraphs apart", () => {
    const a = justified(wrap(FIRST), 700);
    const b = justified(wrap(SECOND), a.y - 8); // a paragraph's space above
    expect(wrap(FIRST).length).toBeGreaterThan(2);
    expect(texts([...a.items, ...b.items])).toEqual([FIRST, SECOND]);
  });

  it("joins whole lines too, and reads items in any order", () => {
    const a = whole(wrap(FIRST), 700);
    const b = whole(wrap(SECOND), a.y - 8);
    expect(texts([...b.items, ...a.items].reverse())).toEqual([FIRST, SECOND]);
  });

  it("glues glyphs drawn one by one into words, and spaces words by their gaps", () => {
    const glyphs = [..."loader ran"].flatMap((c, i) => (c === " " ? [] : [item(c, LEFT + i * 5, 700)]));
    // Kerned pairs overlap a little; a word gap of a quarter em is a space.
    const kerned = [
      item("Power", LEFT, 680),
      item("Shell", LEFT + 24.5, 680),
      item("ran", LEFT + 24.5 + 25 + 2.5, 680),
    ];
    expect(texts(glyphs)).toEqual(["loader ran"]);
    expect(texts(kerned)).toEqual(["PowerShell ran"]);
  });

  it("drops text drawn twice for a bold effect", () => {
    const words = [item("Bold", LEFT, 700), item("Bold", LEFT + 0.4, 700), item("text.", LEFT + 25, 700)];
    expect(texts(words)).toEqual(["Bold text."]);
  });

  it("breaks at headings (larger type, or a short title-like line), short lines ending a sentence, and indents", () => {
    const heading = whole(["Execution and Persistence"], 720, { size: 14, leading: 18 });
    const sub = whole(["Scheduled Tasks"], heading.y, { font: "F2" });
    const p1 = whole(wrap(FIRST), sub.y);
    const ended = whole(["The loader ran."], p1.y); // short, a sentence's end, no space after
    const indented = whole(wrap(FIRST), ended.y, { x: LEFT + 18 }); // its last line short, a sentence's end
    // The first line indented, the others at the margin: one paragraph.
    const lines = wrap(SECOND);
    const firstIndent = [
      ...whole(lines.slice(0, 1), indented.y, { x: LEFT + 18 }).items,
      ...whole(lines.slice(1), indented.y - 12).items,
    ];
    expect(
      texts([...heading.items, ...sub.items, ...p1.items, ...ended.items, ...indented.items, ...firstIndent]),
    ).toEqual(["Execution and Persistence", "Scheduled Tasks", FIRST, "The loader ran.", FIRST, SECOND]);
  });

  it("reads a dash that opens a line mid-sentence as text, and joins a word too long for its line", () => {
    const dash = [
      "Around this time the Turkish-language file was named after a note on Social Security Reform",
      "- Note - 3.doc, and it was sent to a ministry.",
    ];
    expect(texts(whole(dash, 700).items)).toEqual([dash.join(" ")]);
    const url = `hxxps://update[.]example[.]net/${"0123456789abcdef".repeat(6)}/payload.bin`;
    const broken = whole(["The loader fetched its payload from:", url.slice(0, 93), url.slice(93)], 700);
    expect(texts(broken.items)).toEqual(["The loader fetched its payload from:", url]);
  });

  it("keeps the lines of a table of contents apart", () => {
    const toc = ["2.1 ASN.1 syntax . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 2"];
    toc.push("2.2 Naming . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . 3");
    expect(texts(whole(toc, 700).items)).toEqual(toc);
  });

  it("keeps wrapped lines that end mid-sentence together even when short (ragged text)", () => {
    const ragged = whole(["The operators moved to a file server with", "stolen credentials and remote services."], 700);
    expect(texts(ragged.items)).toEqual([
      "The operators moved to a file server with stolen credentials and remote services.",
    ]);
  });

  it("undoes hyphenation at line ends, and keeps the hyphens of compounds", () => {
    const lines = [
      "The persistence of the implant came from a scheduled task, and the operators kept persis-",
      "tence through a registry run key that started a Microsoft-",
      "signed binary, which side-loaded a library; the self-",
      "signed certificate was used for command-and-",
      "control traffic to hxxps://evil[.]com/a over HTTPS.",
    ];
    expect(texts(justified(lines, 700).items)).toEqual([
      "The persistence of the implant came from a scheduled task, and the operators kept persistence through a registry run key that started a Microsoft-signed binary, which side-loaded a library; the self-signed certificate was used for command-and-control traffic to hxxps://evil[.]com/a over HTTPS.",
    ]);
  });

  it("joins lines by the hyphenation rule when the document does not tell", () => {
    const join = (a: string, b: string) => resolveHyphens(joinLines(a, b));
    expect(join("the persis-", "tence")).toBe("the persistence");
    expect(join("the (persis-", "tence)")).toBe("the (persistence)");
    expect(join("the Appli-", "cation log")).toBe("the Application log");
    expect(join("a Microsoft-", "signed")).toBe("a Microsoft-signed");
    expect(join("a Russia-", "based group")).toBe("a Russia-based group");
    expect(join("an APT29-", "linked")).toBe("an APT29-linked");
    expect(join("an x64-", "based")).toBe("an x64-based");
    expect(join("end-to-", "end")).toBe("end-to-end");
    expect(join("a well-", "known")).toBe("a well-known");
    expect(join("the ELE-", "MENT")).toBe("the ELE-MENT");
    expect(join("CVE-2021-", "44228")).toBe("CVE-2021-44228");
    expect(join("see the Anti-", "Malware")).toBe("see the Anti-Malware");
    expect(join("a dash -", "here")).toBe("a dash - here");
    expect(join("2019\u2013", "2021")).toBe("2019\u20132021");
    expect(join("soft\u00ad", "ware")).toBe("software");
    expect(join("plain", "words")).toBe("plain words");
  });

  it("spells a broken word as the document spells it elsewhere", () => {
    const text = (a: string, b: string, elsewhere: string) => resolveHyphens(`${joinLines(a, b)} ${elsewhere}`);
    expect(text("ran Power-", "Shell once", "and PowerShell again")).toBe("ran PowerShell once and PowerShell again");
    expect(text("a well-", "known tool", "wellknown")).toBe("a wellknown tool wellknown");
    expect(text("a co-", "operative actor", "co-operative")).toBe("a co-operative actor co-operative");
    expect(text("the ELE-", "MENT", "ELEMENT")).toBe("the ELEMENT ELEMENT");
    // Two breaks in a row, and each decided.
    expect(resolveHyphens(joinLines(joinLines("per-", "sis-"), "tence"))).toBe("persistence");
  });
});

describe("layoutPage: lists, tables, columns", () => {
  it("keeps list items apart, each wrapped item one line, markers set apart by a tab stop included", () => {
    const item1 =
      "Spearphishing attachments delivered through the compromised mailboxes of partners, which passed the reputation checks.";
    const [head = "", ...rest] = wrap(item1, 85);
    const items = [
      item("\u2022", LEFT, 700),
      item(head, LEFT + 18, 700, 10, "F1", true),
      ...whole(rest, 688, { x: LEFT + 18 }).items, // hanging indent
      item("\u2022", LEFT, 676),
      item("Scheduled task for persistence.", LEFT + 18, 676, 10, "F1", true),
      item("2. Ingress tool transfer from a compromised WordPress site.", LEFT, 664, 10, "F1", true),
      item("a) Remote services with stolen credentials.", LEFT, 652, 10, "F1", true),
      item("- Data staged in a hidden share.", LEFT, 640, 10, "F1", true),
    ];
    const blocks = layoutPage(items, BOX).blocks;
    expect(blocks.map((b) => [b.kind, b.text])).toEqual([
      ["item", `\u2022 ${item1}`],
      ["item", "\u2022 Scheduled task for persistence."],
      ["item", "2. Ingress tool transfer from a compromised WordPress site."],
      ["item", "a) Remote services with stolen credentials."],
      ["item", "- Data staged in a hidden share."],
    ]);
    expect(joinPages([{ blocks }]).split("\n")).toHaveLength(5);
  });

  it("keeps table rows one line each, cells joined by |, never merged into paragraphs", () => {
    const cells = [
      ["Technique", "ID", "Evidence"],
      ["Phishing", "T1566.001", "macro-enabled workbook"],
      ["PowerShell", "T1059.001", "encoded command"],
    ];
    const rows = cells.flatMap((row, i) => row.map((cell, j) => item(cell, LEFT + [0, 150, 250][j]!, 700 - 14 * i)));
    const after = whole(["The table lists what the responders saw."], 650);
    const layout = layoutPage([...rows, ...after.items], BOX);
    expect(layout.blocks.map((b) => [b.kind, b.text])).toEqual([
      ["row", "Technique | ID | Evidence"],
      ["row", "Phishing | T1566.001 | macro-enabled workbook"],
      ["row", "PowerShell | T1059.001 | encoded command"],
      ["text", "The table lists what the responders saw."],
    ]);
    expect(joinPages([layout])).toBe(
      "Technique | ID | Evidence\nPhishing | T1566.001 | macro-enabled workbook\nPowerShell | T1059.001 | encoded command\n\nThe table lists what the responders saw.",
    );
  });

  it("reads one wide gap in a paragraph line as a space, not a table", () => {
    const lines = wrap(FIRST);
    const items = whole(lines, 700).items;
    const [w1 = "", ...w2] = (lines[1] ?? "").split(" ");
    items.splice(1, 1, item(w1, LEFT, 688), item(w2.join(" "), LEFT + w1.length * 5 + 15, 688));
    expect(texts(items)).toEqual([FIRST]);
  });

  it("reads two columns one after the other, whether drawn line by line or column by column", () => {
    const left = wrap(FIRST, 44);
    const right = wrap(SECOND, 44);
    const title = item("Two Campaigns", LEFT, 730, 16);
    const at = (line: string, i: number, x: number) => item(line, x, 700 - 12 * i, 10, "F1", true);
    const byLine = left.flatMap((line, i) => [at(line, i, LEFT), ...(right[i] ? [at(right[i], i, 320)] : [])]);
    const byColumn = [...left.map((l, i) => at(l, i, LEFT)), ...right.map((l, i) => at(l, i, 320))];
    for (const items of [byLine, byColumn]) expect(texts([title, ...items])).toEqual(["Two Campaigns", FIRST, SECOND]);
  });

  it("goes on from one column to the next when the paragraph stops mid-sentence", () => {
    const words = wrap(`${FIRST} ${SECOND}`, 44);
    const half = Math.ceil(words.length / 2);
    const items = words.map((line, i) => item(line, i < half ? LEFT : 320, 700 - 12 * (i % half), 10, "F1", true));
    expect(words[half - 1]).not.toMatch(/[.!?]$/);
    expect(texts(items)).toEqual([`${FIRST} ${SECOND}`]);
  });

  it("sets rotated text aside, and keeps a page that is mostly rotated as PDF.js joins it", () => {
    const rotated = (str: string, hasEOL = true): PdfTextItem => ({
      str,
      transform: [0, 10, -10, 0, 30, 300],
      width: 40,
      hasEOL,
    });
    const page = layoutPage([...whole(["Body text."], 700).items, rotated("DRAFT")], BOX);
    expect(page.blocks).toEqual([
      expect.objectContaining({ text: "Body text.", kind: "text" }),
      { text: "DRAFT", kind: "text", margin: "aside" },
    ]);
    const sideways = layoutPage(
      [item("x", LEFT, 700), rotated("A long line set sideways"), rotated("and its next")],
      BOX,
    );
    expect(sideways.blocks).toEqual([{ text: "xA long line set sideways\nand its next", kind: "raw" }]);
  });
});

describe("joinPages: running headers and footers", () => {
  /** A page: a header, its body, a footer and a page number, as layoutPage marks them. */
  const page = (n: number, body: Block[], header = "ACME Threat Research 2024"): { blocks: Block[] } => ({
    blocks: [
      { text: header, kind: "text", margin: "top" },
      ...body,
      { text: `Page ${n} of 3`, kind: "text", margin: "bottom" },
      { text: `- ${n} -`, kind: "item", margin: "bottom" },
    ],
  });
  const p = (text: string, extra: Partial<Block> = {}): Block => ({
    text,
    kind: "text",
    size: 10,
    endSize: 10,
    ...extra,
  });

  it("drops margin lines that repeat (digits aside) and page numbers, keeps the rest, and joins a cut paragraph", () => {
    const text = joinPages([
      page(1, [{ text: "Unique top note", kind: "text", margin: "top" }, p("The actor ran a loader that")]),
      page(2, [p("connected to the server."), p("A new paragraph")], "ACME Threat Research 2025"),
      page(3, [p("Upper case after a full line", { open: true }), p("The end.")]),
    ]);
    expect(text).toBe(
      "Unique top note\n\nThe actor ran a loader that connected to the server.\n\nA new paragraph\n\nUpper case after a full line\n\nThe end.",
    );
    const open = joinPages([
      page(1, [p("a line that fills the column", { open: true })]),
      page(2, [p("Windows hosts.")]),
    ]);
    expect(open).toBe("a line that fills the column Windows hosts.");
    const heading = joinPages([
      page(1, [p("4.2 Field functions", { size: 14, endSize: 14 })]),
      page(2, [p("asn1_read_value")]),
    ]);
    expect(heading).toBe("4.2 Field functions\n\nasn1_read_value");
  });

  it("needs a margin line on 40% of the pages with text (and two) to call it running", () => {
    const note = (n: number, text: string) => ({
      blocks: [{ text, kind: "text" as const, margin: "top" as const }, p(`Body ${n}.`)],
    });
    const pages = [
      note(1, "Section A"),
      note(2, "Section A"),
      ...[3, 4, 5].map((n) => note(n, `Other ${"x".repeat(n)}`)),
    ];
    expect(joinPages(pages)).not.toContain("Section A");
    expect(joinPages([note(1, "Section A")])).toContain("Section A");
    expect(joinPages([...pages, ...[6, 7, 8].map((n) => note(n, `More ${"y".repeat(n)}`))])).toContain("Section A");
  });

  it("knows page numbers", () => {
    for (const yes of [
      "3",
      "- 3 -",
      "(12)",
      "iv",
      "Page 3",
      "page 3 of 12",
      "3 / 12",
      "3 of 12",
      "3 | Vendor",
      "Vendor Report | 3",
    ]) {
      expect(pageNumberLike({ text: yes, kind: "text" }), yes).toBe(true);
    }
    for (const no of ["T1059", "3 actors used PowerShell", "2024 in review", "12 | cmd.exe"]) {
      expect(pageNumberLike({ text: no, kind: no.includes("|") ? "row" : "text" }), no).toBe(false);
    }
  });
});

describe("PDF layout, end to end (pdf-lib fixtures: generate-layout-pdfs.mjs)", () => {
  it("rebuilds the paragraphs, lists and table of a three-page report, without its running lines", async () => {
    const doc = await extractDocument(await documentFixture("layout-report.pdf"), "application/pdf");
    expect(doc.title).toBe("Operation Sample: layout fixture");
    expect(doc.text.split("\n\n")).toEqual(REPORT);
    for (const running of ["Example Labs", "TLP:CLEAR", "Page ", "\n1\n", "\n2\n", "\n3\n"]) {
      expect(doc.text).not.toContain(running);
    }
  });

  it("keeps a page of more items than it lays out as PDF.js joins them, and lays out one under that", async () => {
    // 21,429 items drawn at one spot: over the 20,000 a page is laid out for, so joined as they come.
    const line = "The actor used PowerShell to run a loader.";
    const big = await extractDocument(await pdfWithText(900_000), "application/pdf");
    expect(big.text).toBe(line.repeat(Math.ceil(900_000 / 42)));
    // Under the cap the layout sees one text drawn over itself, as a reader would.
    expect((await extractDocument(await pdfWithText(42 * 100), "application/pdf")).text).toBe(line);
  });

  it("does not interleave the columns of a two-column page", async () => {
    const doc = await extractDocument(await documentFixture("layout-columns.pdf"), "application/pdf");
    const page = [
      "The first campaign began with a watering hole on an industry forum that the targets read every morning, and the injected script fingerprinted each visitor before it served the exploit.",
      "Only visitors from the targeted address ranges received the second stage, which kept the attack invisible to the researchers who crawled the forum from elsewhere.",
      "The second campaign reused the same infrastructure but switched to password spraying against the webmail portals of the targets, trying one common password per account per day.",
      "Accounts that fell were used to read mail quietly for months before any further action was taken.",
    ];
    expect(doc.text.split("\n\n")).toEqual(["Two Campaigns, One Actor", ...page, "Two Campaigns, Continued", ...page]);
  });
});

/** layout-report.pdf's blocks, as the generator's source text has them. */
const REPORT = [
  "Operation Sample: A Phishing Campaign",
  "Executive Summary",
  "The actor sent spearphishing attachments to finance staff at several regional banks during the first quarter, and each lure was a macro-enabled workbook that dropped a PowerShell loader. The loader downloaded a second stage from a compromised WordPress site and ran it in memory, so no executable ever touched the disk of the victims' workstations.",
  "To keep access the operators created a scheduled task named Updater whose action re-ran the loader at every logon, and the persistence was reinforced by a registry run key that pointed at a signed but vulnerable binary, a Microsoft-signed utility that side-loaded the malicious library from the user's profile directory without any prompt.",
  "Techniques Observed",
  [
    "\u2022 Spearphishing attachment (T1566.001) delivered through compromised partner mailboxes, which made the messages pass the sender reputation checks of the targets.",
    "\u2022 Scheduled task (T1053.005) for persistence.",
    "\u2022 Ingress tool transfer (T1105) from a compromised WordPress site.",
  ].join("\n"),
  [
    "Technique | ID | Evidence",
    "Phishing | T1566.001 | macro-enabled workbook",
    "PowerShell | T1059.001 | encoded command line",
    "Scheduled Task | T1053.005 | task named Updater",
  ].join("\n"),
  // Cut by the page break after "over": the page ends on a full line, the next goes on in the same size.
  "Command and control traffic went to hxxps://evil[.]com/a over HTTPS on port 443, with a fallback to a second domain that the loader generated from the current date, and the beacons were spaced at random intervals between five and fifteen minutes so that the network defenders who looked for periodic connections would find nothing unusual in their proxy logs for weeks, which is how the intrusion stayed hidden until the incident responders pulled memory images from three of the infected workstations and found the loader still resident in the address space of a legitimate process.",
  "1. Lateral Movement",
  "From the first workstation the operators moved to a file server with stolen credentials and remote services, then staged the archives they meant to exfiltrate in a hidden share.",
  "Each archive was split into chunks of exactly fifty megabytes before it left the network over the same HTTPS channel, which kept every transfer below the alerting threshold of the proxy.",
  "2. Recommendations",
  [
    "1. Block macros in documents that arrive from the internet, and alert on Office applications that start PowerShell.",
    "2. Hunt for scheduled tasks created by user accounts outside of the software deployment window.",
    "3. Review the outbound HTTPS connections of workstations for command-and-control beacons with jittered intervals.",
  ].join("\n"),
  "Defenders who apply these measures will not stop every intrusion of this kind, but they will shorten the time the operators can spend inside the network before somebody notices, and that time is what decides how much data leaves.",
];
