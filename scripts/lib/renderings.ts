/**
 * @module A labelled report as users send it, for the eval: a typeset PDF (justified paragraphs with
 * words placed one by one, hyphenation, running header and footer) and a web page wrapped in site
 * furniture (navigation, cookie banner, share links, related posts …). The eval extracts both back
 * to text through the product's extraction and measures what the mapping loses on the way.
 * Deterministic: the same report always renders to the same bytes.
 */
import fs from "node:fs";
import { PDFDocument, rgb, type PDFPage } from "pdf-lib";
import { mulberry32 } from "../../src/analysis/train";
import { cachingFontkit, drawable, embed, PDF_BOLD_FONT, PDF_FONT, width, wrap, type Style } from "./typeset";

export { PDF_FONT };

/** Why PDFs cannot be rendered here, or null when they can. */
export function pdfUnavailable(): string | null {
  return fs.existsSync(PDF_FONT) ? null : `${PDF_FONT} is missing (Debian: apt-get install fonts-dejavu-core)`;
}

/** Vendors a rendering's header, footer and site name come from (picked by a report's seed). */
export const VENDORS = [
  "Northwind Threat Labs",
  "Bluefin Security Research",
  "Cobalt Ridge Intelligence",
  "Sentry Harbor",
];

/** A short line that reads as a section heading rather than a sentence. */
export function looksLikeHeading(line: string): boolean {
  const t = line.trim();
  return (
    t.length >= 3 &&
    t.length <= 70 &&
    t.split(/\s+/).length <= 9 &&
    /\p{L}/u.test(t) &&
    !/[.,;:!?)\]]$/.test(t) &&
    !/^[-*>|]/.test(t) &&
    !t.includes("://")
  );
}

/** A stable 32-bit hash of a string (FNV-1a), for seeds from titles. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface PageGeometry {
  size: [number, number];
  margin: number;
}

const LETTER: PageGeometry = { size: [612, 792], margin: 72 };
const A4: PageGeometry = { size: [595.28, 841.89], margin: 64 };
const BODY_SIZE = 9;
const LEADING = 12.5;
const PARAGRAPH_GAP = 7;
const HEADING_SIZE = 11;
const TOP = 70;
const BOTTOM = 64;
const GREY = rgb(0.35, 0.35, 0.35);
const TLP = "TLP:CLEAR";
/** A fixed date: the same report renders to the same bytes. */
const PUBLISHED = new Date(Date.UTC(2024, 2, 12, 9, 0, 0));

/** The report as a typeset PDF: title, justified paragraphs, headings in bold, header and footer on each page. */
export async function renderPdf(title: string, text: string): Promise<Uint8Array> {
  const seed = hashString(title);
  const vendor = VENDORS[seed % VENDORS.length] as string;
  const geometry = (seed >>> 3) % 2 === 0 ? LETTER : A4;
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cachingFontkit);
  const regular = await embed(doc, PDF_FONT, "DejaVuSans");
  const bold = await embed(doc, PDF_BOLD_FONT, "DejaVuSans-Bold");
  const body: Style = { face: regular, size: BODY_SIZE };
  const heading: Style = { face: bold, size: HEADING_SIZE };
  const [pageWidth, pageHeight] = geometry.size;
  const left = geometry.margin;
  const measure = pageWidth - 2 * geometry.margin;

  const header = drawable(`${vendor} | ${title}`, regular);
  const shortHeader = header.length > 90 ? `${header.slice(0, 87)}...` : header;
  const pages: PDFPage[] = [];
  // The running header goes first in a page's content, the footer (which needs the page count) last.
  const newPage = () => {
    const p = doc.addPage(geometry.size);
    pages.push(p);
    p.drawText(shortHeader, { x: left, y: pageHeight - 40, size: 7.5, font: regular.font, color: GREY });
    const tlpX = pageWidth - geometry.margin - bold.font.widthOfTextAtSize(TLP, 8);
    p.drawText(TLP, { x: tlpX, y: pageHeight - 40, size: 8, font: bold.font });
    p.drawLine({
      start: { x: left, y: pageHeight - 46 },
      end: { x: pageWidth - geometry.margin, y: pageHeight - 46 },
      thickness: 0.5,
      color: GREY,
    });
    return p;
  };
  let page = newPage();
  let y = pageHeight - TOP;
  const room = (needed: number) => {
    if (y - needed >= BOTTOM) return;
    page = newPage();
    y = pageHeight - TOP;
  };
  const draw = (word: string, x: number, style: Style) =>
    page.drawText(word, { x, y, size: style.size, font: style.face.font });

  const titleStyle: Style = { face: bold, size: 17 };
  for (const line of wrap(drawable(title, bold), measure, titleStyle, false)) {
    y -= 22;
    draw(line.words.join(" "), left, titleStyle);
  }
  y -= 16;
  const byline = `${vendor} · Threat Intelligence Team · Published 12 March 2024`;
  page.drawText(drawable(byline, regular), { x: left, y, size: 8, font: regular.font, color: GREY });
  y -= 10;

  for (const raw of text.split("\n")) {
    const isHeading = looksLikeHeading(raw);
    const style = isHeading ? heading : body;
    const paragraph = drawable(raw, style.face).replace(/ +/g, " ").trim();
    if (paragraph === "") continue;
    const leading = isHeading ? LEADING + 3 : LEADING;
    y -= isHeading ? PARAGRAPH_GAP + 6 : PARAGRAPH_GAP;
    for (const line of wrap(paragraph, measure, style, !isHeading)) {
      room(leading);
      y -= leading;
      const widths = line.words.map((w) => width(style, w));
      const total = widths.reduce((a, b) => a + b, 0);
      // Justified: the line's slack shared between its word gaps; the last line keeps plain spaces.
      const gap = line.ragged || isHeading ? width(style, " ") : (measure - total) / Math.max(1, line.words.length - 1);
      let x = left;
      line.words.forEach((w, i) => {
        draw(w, x, style);
        x += (widths[i] as number) + gap;
      });
    }
  }

  const copyright = `© 2024 ${vendor}. All rights reserved. Distribution limited to recipients.`;
  pages.forEach((p, i) => {
    p.drawText(copyright, { x: left, y: 36, size: 7, font: regular.font, color: GREY });
    const number = `Page ${i + 1} of ${pages.length}`;
    const numberX = pageWidth - geometry.margin - regular.font.widthOfTextAtSize(number, 7.5);
    p.drawText(number, { x: numberX, y: 36, size: 7.5, font: regular.font, color: GREY });
  });

  doc.setTitle(drawable(title, regular));
  doc.setAuthor(vendor);
  doc.setSubject("Threat intelligence report");
  doc.setCreator("Report Publisher 4.2");
  doc.setProducer("pdf-lib (https://github.com/Hopding/pdf-lib)");
  doc.setCreationDate(PUBLISHED);
  doc.setModificationDate(PUBLISHED);
  return doc.save();
}

// ---- HTML ----

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const NAV = ["Products", "Services", "Threat Research", "Blog", "Resources", "About us", "Contact"];
const RELATED = [
  "Inside a phishing campaign that abuses cloud file-sharing links",
  "Ransomware operators turn to remote monitoring and management tools",
  "Credential dumping in the wild: what our incident responders saw this year",
  "Hunting for persistence through scheduled tasks and services",
  "A loader that hides its configuration in the Windows registry",
  "How attackers move laterally with stolen RDP credentials",
];
const TAGS = ["Ransomware", "APT", "Malware analysis", "Threat intelligence", "Phishing", "Incident response"];
const AUTHORS = ["Dana Whitfield", "Marco Ruiz", "Priya Natarajan", "Tomás Hedlund"];

/**
 * The report as a blog post in site furniture. The seed varies the markup: some pages mark the
 * furniture with semantic elements (nav, aside, footer), others only with classes, ids and roles,
 * as real sites do, so that extraction is not measured on one template.
 */
export function renderHtml(title: string, text: string, seed: number): string {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  // Most pages lean one way; each piece of furniture may still go the other.
  const lean = random() < 0.5 ? 0.8 : 0.2;
  const semantic = () => random() < lean;
  const vendor = pick(VENDORS);
  const author = pick(AUTHORS);
  const domain = `${vendor.toLowerCase().replace(/[^a-z]+/g, "")}.example`;
  const e = escapeHtml;
  const links = (items: string[], path: string) =>
    items.map((t) => `<li><a href="https://${domain}/${path}/${hashString(t).toString(36)}">${e(t)}</a></li>`).join("");

  const navList = `<ul class="menu">${links(NAV, "section")}<li><a href="/search" class="search">Search</a></li></ul>`;
  const header = semantic()
    ? `<header class="site-header"><a class="logo" href="/">${e(vendor)}</a><nav aria-label="Main">${navList}</nav></header>`
    : `<div class="header" id="top"><div class="logo"><a href="/">${e(vendor)}</a></div><div class="main-menu" role="navigation">${navList}</div></div>`;
  const consent =
    "We use cookies to personalise content and ads, to provide social media features and to analyse our traffic. " +
    "By clicking “Accept all”, you consent to our use of cookies.";
  const cookie = semantic()
    ? `<div class="cookie-banner" role="dialog" aria-label="Cookie consent"><p>${consent}</p><button>Accept all</button><button>Manage preferences</button></div>`
    : `<div id="cookie-consent" class="cookie-notice"><p>${consent}</p><a href="#" class="btn accept">Accept all</a> <a href="/privacy#cookies" class="btn">Manage preferences</a></div>`;
  const crumbs = ["Home", "Blog", "Threat Research"];
  const breadcrumbs = semantic()
    ? `<nav aria-label="Breadcrumb" class="breadcrumbs"><ol>${crumbs.map((c) => `<li><a href="/">${c}</a></li>`).join("")}</ol></nav>`
    : `<div class="breadcrumbs">${crumbs.map((c) => `<a href="/">${c}</a>`).join(" › ")} › <span>${e(title.slice(0, 40))}</span></div>`;

  const body = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => (looksLikeHeading(line) ? `<h2>${e(line)}</h2>` : `<p>${e(line)}</p>`))
    .join("\n");
  const urls = [...new Set(text.match(/https?:\/\/[^\s)\]>"']+/g) ?? [])].slice(0, 4);
  const references = [...urls, `https://${domain}/research/${hashString(title).toString(36)}`];
  const meta = `By <a href="/authors/${hashString(author)}" rel="author">${e(author)}</a> · March 12, 2024 · ${4 + (seed % 9)} min read`;
  const tags = TAGS.filter(() => random() < 0.5).slice(0, 4);
  const share = ["Share on X", "Share on LinkedIn", "Email"]
    .map((s) => `<a href="https://share.example/?u=${domain}" class="share-link">${s}</a>`)
    .join(" ");
  const shareBlock = semantic()
    ? `<aside class="share"><span>Share this post</span> ${share}</aside>`
    : `<div class="social-share" id="share">Share this post ${share}</div>`;
  const bio = `${e(author)} is a senior threat researcher at ${e(vendor)}, tracking ransomware crews and state-sponsored intrusion sets.`;
  const authorBox = semantic()
    ? `<aside class="author-box"><h4>About the author</h4><p>${bio}</p></aside>`
    : `<div class="author-bio"><img src="/img/a.jpg" alt=""><div class="about"><strong>About the author</strong><p>${bio}</p></div></div>`;
  const relatedList = `<h3>Related posts</h3><ul>${links(
    [0, 1, 2].map(() => pick(RELATED)),
    "blog",
  )}</ul>`;
  const related = semantic()
    ? `<aside id="related" class="related-posts">${relatedList}</aside>`
    : `<div id="related" class="related-posts">${relatedList}</div>`;
  const newsletterText =
    "<h3>Subscribe to our newsletter</h3><p>Get the latest threat research and intelligence delivered to your inbox every week.</p>";
  const newsletter = semantic()
    ? `<section class="newsletter">${newsletterText}<form action="/subscribe"><input type="email" placeholder="Email address"><button>Subscribe</button></form></section>`
    : `<div class="newsletter-signup">${newsletterText}<div class="signup"><input type="email" placeholder="Email address"> <a class="btn" href="/subscribe">Subscribe</a></div></div>`;
  const legal = ["Privacy Policy", "Terms of Use", "Cookie Settings", "Legal Notice"];
  const footerInner = `<p>© 2024 ${e(vendor)}. All rights reserved.</p><ul class="legal">${links(legal, "legal")}</ul>`;
  const footer = semantic()
    ? `<footer class="site-footer">${footerInner}</footer>`
    : `<div id="footer" class="site-footer" role="contentinfo">${footerInner}</div>`;

  const article = [
    breadcrumbs,
    `<h1 class="entry-title">${e(title)}</h1>`,
    `<div class="post-meta">${meta}</div>`,
    `<div class="entry-content">\n${body}\n<h3>References</h3><ol class="references">${references.map((u) => `<li><a href="${e(u)}">${e(u)}</a></li>`).join("")}</ol>\n</div>`,
    shareBlock,
    `<div class="tags">Tags: ${tags.map((t) => `<a href="/tag/${hashString(t)}" rel="tag">${e(t)}</a>`).join(", ") || "Research"}</div>`,
    authorBox,
  ].join("\n");
  const main = semantic()
    ? `<main id="main"><article class="post">\n${article}\n</article>\n${related}\n</main>`
    : `<div id="content" class="container"><div class="post">\n${article}\n</div>\n${related}\n</div>`;
  // Some sites put the consent banner first, others last (injected before </body>).
  const cookieFirst = random() < 0.5;
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${e(title)} | ${e(vendor)}</title>`,
    `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/css/site.css">`,
    `<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script></head>`,
    `<body class="single-post">`,
    cookieFirst ? cookie : "",
    header,
    main,
    newsletter,
    footer,
    cookieFirst ? "" : cookie,
    `<script src="/js/site.min.js" defer></script></body></html>`,
  ].join("\n");
}
