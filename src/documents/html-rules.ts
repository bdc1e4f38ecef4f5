/**
 * @module The judgements the HTML extraction makes about a page's parts, kept pure so they can be
 * tested alone: which elements are site furniture (by tag, ARIA role or class/id names), which
 * blocks are mostly links, which headings open a reference list, which lines are citations or
 * bare URLs. Furniture text (menus, share bars, tag lists, "Links" headings, reference URLs) is
 * false evidence to the mapping engine, so it never reaches it.
 */

/** Elements dropped with their subtree: never article text. */
export const DROP_TAGS = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "math",
  "nav",
  "footer",
  "aside",
  "iframe",
  "button",
  "select",
  "canvas",
  "object",
  "embed",
  "audio",
  "video",
  "dialog",
  "menu",
  "search",
]);

/** ARIA landmark and widget roles that name furniture. */
export const FURNITURE_ROLES = new Set([
  "navigation",
  "banner",
  "contentinfo",
  "complementary",
  "dialog",
  "alertdialog",
  "search",
  "menu",
  "menubar",
  "toolbar",
]);

/** Parts of a class or id name (split at `-`, `_`, camelCase) that name furniture. */
const FURNITURE_PARTS = new Set(
  (
    "cookie cookies cookiebot consent gdpr banner newsletter subscribe subscription signup login " +
    "share sharing sharedaddy sharethis addthis addtoany social related relatedposts recommended " +
    "popular trending breadcrumb breadcrumbs sidebar widget widgets textwidget menu " +
    "menubar submenu megamenu nav navbar navigation topnav subnav sidenav footer masthead comments " +
    "respond disqus tags tagcloud taglist categories pagination pager promo promotion advert " +
    "advertisement ad ads adsbygoogle sponsored skip skiplink toc modal popup dialog toolbar search " +
    "searchform bio authorbox copyright cta sr visuallyhidden links topbar"
  ).split(" "),
);

/** Whole names (parts joined by `-`) that name furniture though none of their parts does. */
const FURNITURE_NAMES = new Set([
  "author-box",
  "author-info",
  "author-card",
  "author-profile",
  "about-author",
  "about-the-author",
  "site-header",
  "comment-list",
  "table-of-contents",
  "screen-reader-text",
  "visually-hidden",
  "hidden",
]);

/** Parts that name the article itself. */
const CONTENT_PARTS = new Set("article articles content entry post story body prose hentry blog".split(" "));
/** Parts of page-level names: with content parts only, still content ("main-content", "site"). */
const PAGE_PARTS = new Set("main text primary page site single".split(" "));

/** Parts of layout wrappers and states ("content-sidebar-wrap", "has-sidebar"): not furniture themselves. */
const STATE_PARTS = new Set(["has", "with", "no", "is", "layout"]);
const LAYOUT_PARTS = new Set(["wrap", "wrapper", "container", "inner", "outer", "grid", "row", "col", "column"]);

/** The lower-case parts of one class or id token: `relatedPosts_2` → related, posts. */
export function nameParts(token: string): string[] {
  return token
    .replace(/([a-z])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .split(/[-_:.]+/)
    .map((p) => p.replace(/\d+$/, ""))
    .filter((p) => p !== "");
}

type TokenKind = "furniture" | "content" | "neutral";

function tokenKind(token: string): TokenKind {
  const parts = nameParts(token);
  if (parts.length === 0) return "neutral";
  if (parts.every((p) => CONTENT_PARTS.has(p) || PAGE_PARTS.has(p))) return "content";
  if (parts.some((p) => STATE_PARTS.has(p))) return "neutral";
  const hasContent = parts.some((p) => CONTENT_PARTS.has(p));
  // A wrapper named for content and furniture ("content-sidebar-wrap") holds the content too.
  if (hasContent && parts.some((p) => LAYOUT_PARTS.has(p))) return "neutral";
  if (FURNITURE_NAMES.has(parts.join("-")) || parts.some((p) => FURNITURE_PARTS.has(p))) return "furniture";
  return "neutral";
}

/** Per-isolate cache: pages repeat their class names thousands of times. Long names are not kept. */
const verdicts = new Map<string, boolean>();
const MAX_CACHED = 4096;
const MAX_CACHED_KEY = 256;

/**
 * True when an element's class and id name furniture: some token does, and no token names the
 * content itself (`class="article-body related-content"` is the article).
 */
export function namesFurniture(className: string | null, id: string | null): boolean {
  const key = `${className ?? ""}#${id ?? ""}`;
  if (key === "#") return false;
  const cached = verdicts.get(key);
  if (cached !== undefined) return cached;
  let furniture = false;
  let content = false;
  for (const token of `${className ?? ""} ${id ?? ""}`.split(/\s+/)) {
    const kind = tokenKind(token);
    if (kind === "content") content = true;
    else if (kind === "furniture") furniture = true;
  }
  const verdict = furniture && !content;
  if (key.length > MAX_CACHED_KEY) return verdict;
  if (verdicts.size >= MAX_CACHED) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

/** True when some class or id token names the content ("entry-header", "post"). */
export function namesContent(className: string | null, id: string | null): boolean {
  return `${className ?? ""} ${id ?? ""}`
    .split(/\s+/)
    .some((token) => nameParts(token).some((p) => CONTENT_PARTS.has(p)));
}

/** A page header by name (`id="header"`): like a `<header>`, the site's unless inside the article. */
export const namesHeader = (className: string | null, id: string | null): boolean =>
  /^\s*(?:site-?)?header\s*$/i.test(id ?? "") || /(?:^|\s)(?:site-?)?header(?:\s|$)/i.test(className ?? "");

/** An element's attributes, as lol-html gives them. */
export interface Attributes {
  hasAttribute(name: string): boolean;
  getAttribute(name: string): string | null;
}

/** Hidden elements and furniture tags and roles: skipped with their subtree. `role` is its first token. */
export function hiddenElement(tag: string, role: string | null, el: Attributes): boolean {
  if (DROP_TAGS.has(tag)) return true;
  // Anti-flicker snippets hide the whole page until their script runs.
  if (tag === "html" || tag === "body") return false;
  const style = el.getAttribute("style");
  return (
    (role !== null && FURNITURE_ROLES.has(role)) ||
    // hidden="until-found" is collapsed content that find-in-page opens: still text.
    (el.hasAttribute("hidden") && el.getAttribute("hidden")?.toLowerCase() !== "until-found") ||
    el.getAttribute("aria-hidden")?.trim().toLowerCase() === "true" ||
    (style !== null && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style))
  );
}

/** What a block held: characters of text (no white space), of link text, and links. */
export interface LinkStats {
  text: number;
  link: number;
  links: number;
}

/** Share of link text above which a block of short items is a list of links. */
const LINK_DENSITY = 0.6;
/** Text outside links a link list may carry (its heading, separators, "Tags:"); more is prose. */
const MAX_PLAIN_TEXT = 300;
/** Mean link text of a link list's items: headlines, not paragraphs. */
const MAX_ITEM_TEXT = 120;

/** True for a block that is mostly links in short items: a menu, related posts, tags, share bar. */
export function linkDense({ text, link, links }: LinkStats): boolean {
  return (
    links >= 2 &&
    text > 0 &&
    link / text > LINK_DENSITY &&
    text - link <= MAX_PLAIN_TEXT &&
    link / links <= MAX_ITEM_TEXT
  );
}

/** An ATT&CK technique id: a block naming one is content, however many links it has. */
export const mentionsTechnique = (text: string): boolean => /\bT1\d{3}(?:\.\d{3})?\b/.test(text);

/**
 * Links whose text counts as link text, as a lol-html selector (lol-html reports their text
 * itself, which is cheaper than an end-tag handler per link). Links to ATT&CK itself are
 * content, not furniture: a report's technique list.
 */
export const LINK_SELECTOR = 'a[href]:not([href^="https://attack.mitre.org/"]):not([href^="http://attack.mitre.org/"])';

/** `LINK_SELECTOR`'s exception, for an `href` read from an element. */
export const isAttackLink = (href: string): boolean => /^https?:\/\/attack\.mitre\.org\//.test(href);

/** Headings of a reference or link list; numbered ("7. References") or with a colon. */
const REFERENCE_HEADING =
  /^(?:\d+(?:\.\d+)*\.?\s*)?(?:references?|sources?|further reading|(?:external |useful |related |more )?links|bibliography|citations?|footnotes|endnotes|notes and references|(?:additional )?resources|see also|read more|learn more)\s*:?$/i;

export const isReferenceHeading = (text: string): boolean => text.length <= 40 && REFERENCE_HEADING.test(text.trim());

/** Marks link text inside a reference section, so its lines' link density can be read. */
export const LINK_OPEN = "\u0001";
export const LINK_CLOSE = "\u0002";
export const LINK_MARKS = new RegExp(`[${LINK_OPEN}${LINK_CLOSE}]`, "g");

const HAS_URL = /(?:\bhttps?:\/\/|\bwww\.)\S+/i;
/** A list label or citation number before a line: "-", "•", "[3]", "3.", "^". */
const LABEL = /^(?:[-–•*^↑]|\[\d+\]|\(\d+\)|\d+[.)])\s*/;
/** A line that is one URL, perhaps labelled ("Source: https://…", "[2] https://…"). */
const URL_ONLY =
  /^(?:(?:source|sources|link|url|ref|reference|see|via|retrieved from|available at)\s*:?\s*)?<?(?:https?:\/\/|www\.)\S+?>?[.,;)]?$/i;

/** True for a line that is a bare URL: no behaviour described, only a protocol to match. */
export function isUrlOnlyLine(line: string): boolean {
  return URL_ONLY.test(line.trim().replace(LABEL, ""));
}

/**
 * True for a line of a reference section that cites rather than describes: mostly link text
 * (`LINK_OPEN`…`LINK_CLOSE`), a URL, a numbered note, or a dated source ("(2023)", "Retrieved").
 */
export function isCitationLine(line: string): boolean {
  let link = 0;
  let all = 0;
  let inLink = false;
  for (const ch of line) {
    if (ch === LINK_OPEN) inLink = true;
    else if (ch === LINK_CLOSE) inLink = false;
    else if (!/\s/.test(ch)) {
      all++;
      if (inLink) link++;
    }
  }
  if (all === 0) return false;
  if (link / all >= 0.5) return true;
  const plain = line.replace(LINK_MARKS, "").trim();
  return (
    HAS_URL.test(plain) ||
    /^(?:\[\d+\]|\^|↑)/.test(plain) ||
    /\((?:19|20)\d{2}\b[^)]*\)|\b(?:retrieved|accessed)\b/i.test(plain)
  );
}

/** True when most lines of a list are bare URLs. */
export function mostlyUrls(text: string): boolean {
  const lines = text.split("\n").filter((line) => /\S/.test(line));
  return lines.length > 0 && lines.filter(isUrlOnlyLine).length * 2 > lines.length;
}

/** Elements that end lines: on a line of their own, or a paragraph (blank lines around). */
export const LINE_TAGS = new Set("li dt dd tr summary legend caption figcaption option".split(" "));
export const PARA_TAGS = new Set(
  (
    "address article blockquote body center details div dl fieldset figure form header hgroup main ol p pre " +
    "section table td th ul h1 h2 h3 h4 h5 h6"
  ).split(" "),
);
export const HEADING_LEVEL: Readonly<Record<string, number>> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };
/** Blocks whose links are weighed when they end. */
export const DENSITY_TAGS = new Set(["div", "section", "p", "ul", "ol", "dl", "header", "center", "details"]);
/** Inside a data table's cell these make it a layout table: its cells are then blocks. */
export const LAYOUT_TRIGGERS = new Set(["table", "ul", "ol", "dl", "pre", "blockquote"]);
