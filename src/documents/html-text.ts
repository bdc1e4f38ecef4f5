/**
 * @module The streaming half of the HTML extraction: turns lol-html's element and text events
 * into the document's content, in the units the analysis segmenter keeps. Headings and
 * paragraphs stand between blank lines, list items and table rows (cells joined by " | ") on
 * lines of their own, `<pre>` line by line.
 *
 * Furniture goes two ways. Hidden elements and furniture tags or roles are skipped as they
 * open. Blocks judged by their names or by what they turn out to hold (furniture class names, a
 * site `<header>`, link lists, bare URL lists, reference sections) are written out and taken back
 * when they end (html-output.ts): only a block's tail is ever read twice, and only up to
 * `MAX_BUFFER`. A block in which the page's `<main>` or `<article>` opened is never taken back.
 * Link text is reported by lol-html itself (`linkText`), so links need no end-tag handler.
 * `finish` returns the text of `<main>` (else a lone `<article>`, else a lone
 * `[itemprop=articleBody]`) when the page has one holding a fair share of its text.
 */
import { decodeEntities } from "./entities";
import {
  DENSITY_TAGS,
  HEADING_LEVEL,
  LAYOUT_TRIGGERS,
  LINE_TAGS,
  PARA_TAGS,
  hiddenElement,
  isAttackLink,
  isCitationLine,
  isReferenceHeading,
  LINK_CLOSE,
  LINK_MARKS,
  LINK_OPEN,
  linkDense,
  mentionsTechnique,
  mostlyUrls,
  namesContent,
  namesFurniture,
  namesHeader,
  type LinkStats,
} from "./html-rules";
import { ARTICLE, BODY, LINE, MAIN, NONE, PARA, TextOutput, visibleLength } from "./html-output";
import type { HtmlElementLike, HtmlHandlers, HtmlTextLike } from "./html-engine";
import type { ExtractionBudget } from "./limits";

type Break = "para" | "line";

/** Most text a block may hold and still be weighed (and taken back): link lists are short. */
const MAX_BUFFER = 64 * 1024;
/** Most text of a list read to see whether its lines are bare URLs. */
const MAX_URL_LIST = 16 * 1024;
/** Most text a reference section holds before it is taken for content. */
const REF_MAX = 32 * 1024;
/** Text outside links that makes a `<form>` content (ASP.NET pages wrap the whole page in one). */
const FORM_PROSE = 1000;
/** How often the element handler looks at the clock. */
const TIME_CHECK_EVERY = 4096;

interface Plan {
  tag: string;
  brk: Break | null;
  level: number;
  region: number;
  content: boolean;
  furniture: "named" | "form" | null;
  title: boolean;
  layoutTable: boolean;
}

interface RefSection {
  /** Where its heading starts, where its items start. */
  start: number;
  body: number;
  level: number;
  /** Blocks open around the heading: the section ends with its parent. */
  blocks: number;
  chars: number;
}

export class HtmlTextCollector implements HtmlHandlers {
  private readonly out = new TextOutput();
  private skip = 0;
  private pre = 0;
  private heading = 0;
  private listItem = 0;
  /** Set by `linkText` for the chunk `text` gets next. */
  private linkChunk = false;
  private blocks = 0;
  /** Open blocks named as furniture, and open content elements (a `<header>` inside one is the article's). */
  private furniture = 0;
  private content = 0;
  /** Content regions opened so far: a block in which one opened is never taken back. */
  private regionOpens = 0;
  /** Per region: elements open now, and top-level ones seen. */
  private readonly inRegion = [0, 0, 0];
  private readonly regions = [0, 0, 0];
  private readonly stats: LinkStats = { text: 0, link: 0, links: 0 };
  private readonly tables: { layout: boolean; cells: number }[] = [];
  private lastHeading: { start: number; end: number; level: number } | null = null;
  private ref: RefSection | null = null;
  private inTitle = false;
  private inH1 = false;
  private title = "";
  private h1: string | null = null;
  /** The time cap's error, when an end tag ran past it. */
  private late: Error | null = null;

  constructor(private readonly budget: ExtractionBudget) {}

  element(el: HtmlElementLike): void {
    if (this.late) throw this.late;
    this.budget.checkTimeEvery(TIME_CHECK_EVERY);
    if (this.skip > 0) return;
    const tag = el.tagName.toLowerCase();
    const role = el.getAttribute("role")?.trim().toLowerCase().split(/\s+/)[0] ?? null;
    if (hiddenElement(tag, role, el)) {
      if (onEnd(el, () => this.skip--)) this.skip++;
      return;
    }
    if (tag === "br" || tag === "hr") {
      if (this.heading > 0 || this.dataTable()) this.push(" ");
      else this.brk(tag === "br" ? LINE : PARA);
      return;
    }
    if (tag === "a") {
      const href = el.getAttribute("href");
      if (href !== null && !isAttackLink(href)) this.stats.links++;
    }
    const plan = this.plan(tag, role, el);
    if (!plan) return;
    // One end-tag handler per element: some implementations keep only the last one registered.
    let close: (() => void) | null = null;
    const hasEnd = onEnd(el, () => {
      if (close && this.inTime()) close();
    });
    close = this.open(plan, hasEnd);
  }

  linkText(): void {
    this.linkChunk = true;
  }

  text(chunk: HtmlTextLike): void {
    const link = this.linkChunk;
    this.linkChunk = false;
    if (this.late) return;
    const t = chunk.text;
    if (this.inTitle) this.title += t;
    if (this.skip > 0 || this.inTitle || t === "") return;
    if (this.inH1) this.h1 += t;
    const s = (this.pre > 0 ? t.replace(/\r\n?/g, "\n") : t.replace(/[\t\n\r\f ]+/g, " ")).replace(LINK_MARKS, "");
    const n = visibleLength(s);
    // White space at a line's start would turn the line break before it into a blank line.
    if (n === 0 && this.pre === 0 && this.out.atLineStart()) return;
    this.stats.text += n;
    if (link && !this.dataTable()) this.stats.link += n;
    this.push(link && this.ref ? LINK_OPEN + s + LINK_CLOSE : s);
    if (this.ref && this.out.chars - this.ref.chars > REF_MAX) this.endRef();
  }

  /** The content text (raw: entities not decoded yet) and the title's raw text. */
  finish(): { text: string; title: string; h1: string | null } {
    if (this.late) throw this.late;
    if (this.ref) this.endRef();
    const wanted = [(this.regions[MAIN] ?? 0) > 0, this.regions[ARTICLE] === 1, this.regions[BODY] === 1];
    return { text: this.out.text(wanted).replace(LINK_MARKS, ""), title: this.title, h1: this.h1 };
  }

  private plan(tag: string, role: string | null, el: HtmlElementLike): Plan | null {
    const brk: Break | null = LINE_TAGS.has(tag) ? "line" : PARA_TAGS.has(tag) ? "para" : null;
    // articleBody marks a block; not reading it on inline elements saves a call per element.
    const itemprop = brk === "para" ? el.getAttribute("itemprop") : null;
    const region =
      tag === "main" || role === "main"
        ? MAIN
        : tag === "article"
          ? ARTICLE
          : itemprop !== null && /\barticleBody\b/.test(itemprop)
            ? BODY
            : NONE;
    const content = region !== NONE || role === "article";
    let furniture: Plan["furniture"] = null;
    // Code highlighters name spans "comment", "tag"…: class names inside <pre> are not furniture.
    if (!content && this.pre === 0 && tag !== "body" && tag !== "html") {
      const cls = el.getAttribute("class");
      const id = el.getAttribute("id");
      if (tag === "form") furniture = "form";
      else if (namesFurniture(cls, id)) furniture = "named";
      // A <header> outside the article is the site's; the article's own (its h1) is kept.
      else if ((tag === "header" || namesHeader(cls, id)) && this.content === 0 && !namesContent(cls, id))
        furniture = "named";
    }
    const level = HEADING_LEVEL[tag] ?? 0;
    const title = tag === "title" && this.title === "";
    if (!brk && !content && !furniture && !title) return null;
    const presentation = tag === "table" && /^(?:presentation|none)$/.test(role ?? "");
    return { tag, brk, level, region, content, furniture, title, layoutTable: presentation };
  }

  /** Applies an element's start; returns what its end tag does (null when it has none). */
  private open(p: Plan, hasEnd: boolean): (() => void) | null {
    if (this.ref && ((p.level > 0 && p.level <= this.ref.level) || p.region !== NONE)) this.endRef();
    this.openBreak(p);
    if (!hasEnd) return null;
    const start = this.out.length;
    const chars = this.out.chars;
    const seen = { ...this.stats };
    const opens = this.regionOpens;
    if (p.title) this.inTitle = true;
    if (p.brk) this.blocks++;
    if (p.region !== NONE) {
      if (this.inRegion[p.region] === 0) this.regions[p.region] = (this.regions[p.region] ?? 0) + 1;
      this.inRegion[p.region] = (this.inRegion[p.region] ?? 0) + 1;
      this.regionOpens++;
    }
    if (p.content) this.content++;
    if (p.furniture) this.furniture++;
    if (p.tag === "li") this.listItem++;
    if (p.tag === "pre") this.pre++;
    if (p.tag === "table") this.tables.push({ layout: p.layoutTable, cells: 0 });
    const h1 = p.level === 1 && this.h1 === null && this.furniture === 0;
    if (h1) [this.inH1, this.h1] = [true, ""];
    if (p.level) this.heading++;

    return () => {
      if (p.title) this.inTitle = false;
      if (h1) this.inH1 = false;
      if (p.level) this.heading--;
      if (p.tag === "table") this.tables.pop();
      if (p.tag === "pre") this.pre--;
      if (p.tag === "li") this.listItem--;
      if (p.content) this.content--;
      if (p.region !== NONE) this.inRegion[p.region] = (this.inRegion[p.region] ?? 1) - 1;
      const holdsContent = this.regionOpens !== opens;
      let dropped = false;
      if (p.furniture) {
        this.furniture--;
        const prose = this.stats.text - seen.text - (this.stats.link - seen.link);
        dropped = !holdsContent && !(p.furniture === "form" && prose > FORM_PROSE);
        if (dropped) this.truncate(start);
      }
      if (!dropped && !holdsContent && DENSITY_TAGS.has(p.tag)) dropped = this.dropLinkList(p.tag, start, chars, seen);
      this.closeBreak(p);
      if (p.brk) this.blocks--;
      if (!dropped && p.level) this.headingEnded(start, chars, p.level);
      // "<p><strong>References:</strong></p>" heads a reference list as a heading would.
      if (!dropped && (p.tag === "p" || p.tag === "div") && this.stats.links === seen.links)
        this.maybeReferences(start, chars, 7);
      if (this.ref && p.brk && this.blocks < this.ref.blocks) {
        // The heading's own wrapper ended before any item: the list follows it.
        if (this.out.blank(this.ref.body)) this.ref.blocks = this.blocks;
        else this.endRef();
      }
    };
  }

  private openBreak(p: Plan): void {
    if (this.heading > 0) {
      if (p.brk) this.push(" ");
      return;
    }
    const table = this.dataTable();
    if (table) {
      if (p.tag === "tr") {
        table.cells = 0;
        this.brk(LINE);
        return;
      }
      if (p.tag === "td" || p.tag === "th") {
        if (table.cells++ > 0) this.push(" | ");
        return;
      }
      // A list, heading or table in a cell: the table lays out a page, its cells are blocks.
      if (p.level > 0 || LAYOUT_TRIGGERS.has(p.tag)) table.layout = true;
      else {
        if (p.brk) this.push(" ");
        return;
      }
    }
    if (p.brk) this.brk(p.level > 0 || (p.brk === "para" && this.listItem === 0) ? PARA : LINE);
  }

  private closeBreak(p: Plan): void {
    if (!p.brk) return;
    const table = this.dataTable();
    if (this.heading > 0 || (table && p.tag !== "tr")) this.push(" ");
    else this.brk(p.level > 0 || (p.brk === "para" && this.listItem === 0) ? PARA : LINE);
  }

  private brk(kind: typeof LINE | typeof PARA): void {
    this.out.lineBreak(kind, this.scope());
  }

  private dataTable(): { layout: boolean; cells: number } | undefined {
    const table = this.tables[this.tables.length - 1];
    return table && !table.layout ? table : undefined;
  }

  /** Takes back a block of links, or a list of bare URLs; true if it did. */
  private dropLinkList(tag: string, start: number, chars: number, seen: LinkStats): boolean {
    if (this.out.chars - chars > MAX_BUFFER) return false;
    const s = {
      text: this.stats.text - seen.text,
      link: this.stats.link - seen.link,
      links: this.stats.links - seen.links,
    };
    const dense = linkDense(s);
    if (!dense && ((tag !== "ul" && tag !== "ol") || this.out.chars - chars > MAX_URL_LIST)) return false;
    const text = decodeEntities(this.out.tail(start).replace(LINK_MARKS, ""));
    if (dense ? mentionsTechnique(text) : !mostlyUrls(text)) return false;
    // The heading of a link list ("Related posts", "Links") goes with it.
    const h = this.lastHeading;
    if (h && h.level > 1 && h.end <= start && this.out.blank(h.end, start)) start = h.start;
    this.truncate(start);
    return true;
  }

  private headingEnded(start: number, chars: number, level: number): void {
    this.lastHeading = { start, end: this.out.length, level };
    this.maybeReferences(start, chars, level);
  }

  /** Opens a reference section if the block just ended (from `start`) is its heading. */
  private maybeReferences(start: number, chars: number, level: number): void {
    if (this.out.chars - chars > 60) return;
    if (this.ref && this.ref.start >= start) {
      // A wrapper around the heading just seen ("<div><p><b>References</b></p></div>").
      if (this.out.blank(this.ref.body)) [this.ref.start, this.ref.blocks] = [start, this.blocks];
      return;
    }
    const text = decodeEntities(this.out.tail(start))
      .replace(/[\s\u00a0]+/g, " ")
      .trim();
    if (text === "" || !isReferenceHeading(text)) return;
    if (this.ref) this.endRef();
    this.ref = { start, body: this.out.length, level, blocks: this.blocks, chars: this.out.chars };
  }

  /** Ends a reference section: its citation lines go, and its heading too if nothing else is left. */
  private endRef(): void {
    const ref = this.ref;
    this.ref = null;
    if (!ref || ref.body > this.out.length) return;
    const scope = this.out.scopeAt(ref.body) ?? this.scope();
    const lines = this.out.tail(ref.body).split("\n");
    const kept = lines.filter((line) => !isCitationLine(decodeEntities(line)));
    if (!kept.some((line) => /\S/.test(line.replace(LINK_MARKS, "")))) {
      this.truncate(ref.start);
      return;
    }
    this.truncate(ref.body);
    this.push(`${kept.join("\n")}\n`, scope);
  }

  /**
   * End tags weigh blocks, so they count against the time too. The cap's error waits for the
   * next element or `finish` (an error thrown in an end-tag handler reaches workerd as uncaught),
   * and end tags do nothing meanwhile.
   */
  private inTime(): boolean {
    if (this.late) return false;
    try {
      this.budget.checkTimeEvery(TIME_CHECK_EVERY);
      return true;
    } catch (e) {
      this.late = e instanceof Error ? e : new Error(String(e));
      return false;
    }
  }

  private push(s: string, scope = this.scope()): void {
    this.out.write(s, scope);
  }

  private truncate(n: number): void {
    this.out.truncate(n);
    if (this.lastHeading && this.lastHeading.end > n) this.lastHeading = null;
    if (this.ref && this.ref.body > n) this.ref = null;
  }

  private scope(): number {
    let scope = 0;
    for (let r = MAIN; r <= BODY; r++) if ((this.inRegion[r] ?? 0) > 0) scope |= 1 << r;
    return scope;
  }
}

/** Registers an end-tag handler; false for void and self-closing elements, which have none. */
function onEnd(el: HtmlElementLike, handler: () => void): boolean {
  try {
    el.onEndTag(handler);
    return true;
  } catch {
    return false;
  }
}
