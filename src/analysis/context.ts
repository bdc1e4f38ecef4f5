/**
 * @module What a sentence does with the behaviour it names: asserts it, denies it ("we found no
 * sign of …"), advises about it ("organisations should disable …"), imagines it ("an attacker
 * could …"), reports it of someone else or of the past ("unlike earlier campaigns …"), or is not a
 * sentence at all (a heading, a URL line, an IOC row, page furniture). Pure and cheap: a few
 * regular expressions per sentence.
 *
 * Built on classes of cue, not on phrases: English marks negation, obligation, modality and
 * reported speech with small closed sets of words (not/no/never/without/lack…, should/must/
 * recommend…, could/would/might/if…), and their scope is the clause they stand in. A sentence is
 * cut into clauses (at ; : — and brackets, at contrast words such as "but" or "instead", after a
 * fronted "although …," or "unlike …,"); each clause gets a context; the sentence asserts through
 * its asserting clauses only, and when none asserts, its weight drops to that of its context.
 */
import type { Span } from "./text";

export type Context =
  "asserts" | "negated" | "advisory" | "hypothetical" | "mention_only" | "heading" | "furniture" | "fragment";

/** Multiplies a sentence's technique probabilities (explicit ids in headings and furniture keep theirs). */
export const CONTEXT_WEIGHTS: Record<Context, number> = {
  asserts: 1,
  negated: 0.05,
  advisory: 0.1,
  hypothetical: 0.2,
  mention_only: 0.35,
  heading: 0,
  furniture: 0,
  fragment: 0,
};
/** Sentences shorter than this (that are not table rows) are fragments: never evidence on their own. */
export const MIN_WORDS = 4;

export interface SentenceContext {
  context: Context;
  weight: number;
  /** Part of the sentence that asserts when other clauses do not: scored alone. */
  scope?: Span;
  /** Weight of an explicit id in the sentence (outside `scope` when there is one): ids in headings and tables count. */
  idWeight: number;
  /** The sentence is a table row (cells). */
  tableRow: boolean;
  /** Words in the sentence. */
  words: number;
}

interface Clause {
  start: number;
  end: number;
  context: Context;
}

// Negation and absence. "not only/just", "no doubt", "never before seen" assert; "without" negates
// only its own phrase (a clause of its own, see BOUNDARY).
const NEGATION =
  /\b(?:not(?! only\b| just\b| until\b| limited\b| least\b| uncommon\b| unusual\b| unlike\b| surprising\b| previously (?:known|seen|documented|reported)\b)|(?:is|was|were|are|do|does|did|has|have|had|could|would|should|ca|wo)n[’']t|cannot|no(?! doubt\b| matter\b| longer than\b| fewer\b| less than\b| more than\b| sooner\b)|never(?![- ]before)|neither|nor|none|nothing|nobody|nowhere|without|absen(?:t|ce)|lack(?:s|ed|ing)?|fail(?:s|ed)? to|unable to|unsuccessful(?:ly)?|ruled? out|ruling out|excluded?|free of|zero (?:evidence|indications?|signs?)|unobserved|devoid of|no[- ]one|instead of|rather than)\b/;
// Advice and mitigation: obligation, recommendation, defenders as the subject.
const ADVISORY =
  /\b(?:should|ought to|recommend\w*|advis(?:e|ed|es|able|ory)|urge[sd]?|encourag\w+|best practices?|mitigat\w+|remediat\w+|(?:protect|defend|guard|safeguard)(?:s|ed|ing)? against|make sure|(?<!to )ensure|it is (?:important|advisable|recommended|critical|essential|crucial|wise|prudent|vital)|(?:defenders|administrators|admins|organi[sz]ations|companies|enterprises|users|security teams|network owners)(?: \w+)? (?:can|could|should|may|might|must|need to|are advised|want to)|you should|consider (?:\w+ing)\b)\b/;
// Hypotheticals: conditionals, possibility, a generic attacker's capability.
const HYPOTHETICAL =
  /\b(?:were to|would (?:allow|enable|let|permit|give|provide|have|make it possible)|(?:could|may|might) (?:allow|enable|let|permit|potentially|theoretically|be (?:used|abused|leveraged|exploited|misused))|can (?:allow|permit|be (?:used|abused|leveraged|exploited|misused))|might|potentially|in theory|theoretical(?:ly)?|hypothetical(?:ly)?|in principle|it (?:is|would be|might be) possible|in the event (?:of|that)|(?:could|might|may) be [\w-]+(?:ed|en)|(?:an? (?:attacker|adversary|threat actor|intruder|hacker|malicious actor|criminal)|attackers|adversaries|intruders|hackers|malicious actors|someone|anyone)(?: \S+){0,6}? (?:can|could|may|might|would))\b/;
// Someone else's behaviour, earlier campaigns, definitions and general discussion.
const MENTION_ONLY =
  /\b(?:unlike|in contrast (?:to|with)|previous(?:ly)? (?:reported|described|documented|observed|seen|attributed|published|discussed|used)|(?:earlier|past|prior|older|previous) (?:campaigns?|reports?|versions?|builds?|iterations?|generations?|editions?|releases?|attacks?|operations?|activity|variants?|samples?|intrusions?|research|analys[ie]s|incidents?|waves?)|in the past(?! \d| few| several| two| three| week| month| year| day| hour)|historically|(?:is|are|was|were|has been|have been) (?:well[- ])?known (?:for|to)|notorious|(?:has|have|had) been (?:\w+ )?(?:reported|discussed|documented|described|covered|written about|attributed|publici[sz]ed)|other (?:groups|actors|threat actors|researchers|vendors|families|campaigns|operators|gangs)|(?:researchers|vendors|reports?|articles?|blogs?|blog posts?|papers?|analysts|journalists|media) (?:have |had )?(?:described|reported|documented|discussed|published|detailed|covered|attributed)|(?:first|originally) (?:reported|described|documented|disclosed) (?:by|in)|(?:is|are) (?:a |an )?(?:[\w-]+ ){0,2}(?:technique|tactic|method|approach|trick)s?\b|refers to|elsewhere|(?:documented|described|covered|discussed|reported) (?:at length|in detail|widely|extensively|before|previously)|(?:playbooks?|reports?|articles?|blogs?|posts?|papers?|advisor(?:y|ies)|guides?|manuals?|documentation|leaks?|write-?ups?|presentations?|talks?|threads?|tweets?|researchers|vendors|analysts|journalists|media|competitors?)\b(?: \S+){0,6}? (?:describes?|described|details|detailed|explains?|explained|mentions?|mentioned|documents|documented|claims?|claimed|notes|noted|lists|listed|covers|covered|reported|reports|discussed|discusses|published|attributed)\b)\b/;

const CONTRAST =
  /^(?:but|however|instead|whereas|although|though|yet|nevertheless|nonetheless|conversely|except|while)$/;
/** Words that open a fronted phrase ended by the first comma ("Although …, ", "Unlike …, "). */
const FRONTED =
  /^(?:although|though|while|whereas|unlike|despite|if|unless|without|besides|apart|aside|beyond|whether|even|in contrast|rather than|instead of|not content|not satisfied|were|should|to (?:reduce|prevent|mitigate|limit|minimi[sz]e|protect|defend|guard|lower|stop|block|detect|counter|avoid|harden|secure))\b/;
/** Phrases that start a negated phrase of their own inside a clause: "… without writing to disk". */
const NEGATED_PHRASE = /^(?:without|rather than|instead of|not)$/;
const MODAL = /\b(?:could|would|might|may)\b/;
/** Imperatives that open advice ("Disable …", "Monitor for …"); the next word rules out nouns ("Update mechanism is …"). */
const IMPERATIVE =
  /^(?:[-*•·▪◦–]\s*|\d{1,2}[.)]\s+)?(?:disable|enable|block|restrict|limit|monitor|apply|patch|update|upgrade|implement|configure|enforce|audit|review|remove|require|deploy|segment|segregate|avoid|keep|turn off|prevent|use|consider|ensure|educate|train|maintain|isolate|reset|rotate|change|install|validate|verify|watch for|look for|hunt for|search for|check for|alert on|investigate|filter|allowlist|whitelist|blocklist|denylist|employ|adopt|establish|prioriti[sz]e|inventory|harden|protect|secure|scan|back up|backup|lock down|enroll|revoke|uninstall|quarantine)\s+(?!of\b|is\b|was\b|are\b|were\b|has\b|had\b|will\b|would\b|can\b|could\b|mechanism|process|function|module)/i;

const URL = /(?:\bhttps?:\/\/|\bwww\.)\S+/gi;
const IOC_TOKEN =
  /^(?:[a-f0-9]{16,}|(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?:\/\d+)?|[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|biz|ru|cn|io|xyz|top|online|site|club|de|uk|fr|jp|kr|in|br|tk|cc|me|co|us|eu|nl|pw|su|ir|kp|onion|exe|dll|bat|ps1|vbs|js|zip|rar|7z|lnk|doc|docx|xls|xlsx|pdf|hta|iso|msi|sys|tmp|dat|bin|jar|apk|elf|so|sh|py)|[a-z]:\\S*|\/\S+\/\S*|cve-\d{4}-\d+)$/i;
/** Short lines that are site or page furniture, whatever they name. */
const FURNITURE =
  /^(?:page \d+(?: of \d+)?|\d+ of \d+|[-–—]?\s*\d{1,4}\s*[-–—]?|(?:share|tweet|email|print|follow)(?: this| us| on \w+)?\b.*|.*\b(?:cookies?|cookie settings|privacy (?:policy|notice|settings)|terms of (?:use|service)|all rights reserved|subscribe|newsletter|sign up|log ?in|read more|related (?:posts|articles|reading|content)|you may also like|recommended for you|leave a (?:comment|reply)|posted (?:in|by|on)|back to top|skip to (?:main )?content|table of contents|copyright|©|download (?:the|our|a|this)|webinar|register|podcast|learn more|join us|contact us|request a demo|free trial|previous (?:article|post)|next (?:article|post))\b.*)$/i;

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’._-]*/gu;

function countWords(s: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(s)) n++;
  return n;
}

const isLineStart = (text: string, at: number) => {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};
const isLineEnd = (text: string, at: number) => {
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};

/** A blank line (or the text's start) right before `at`. */
const followsBlank = (text: string, at: number) => {
  let lines = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10 && ++lines === 2) return true;
    if (c !== 10 && c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
};

const BULLET = /^(?:[-*•·▪◦–+]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+)/i;
const isTableRow = (s: string) => /\S\s*(?:\||\t)\s*\S/.test(s);

/** Whether a whole-line sentence reads as a heading: short, no closing punctuation, or marked up as one. */
function isHeading(s: string, words: number): boolean {
  if (/^#{1,6}\s/.test(s) || /^\*\*[^*]+\*\*:?$/.test(s)) return true;
  if (words > 10 || BULLET.test(s)) return false;
  return !/[.!?;,:"”)]$/.test(s);
}

/** Lines made of links, hashes, addresses and file names, with next to no words of prose. */
function isIndicatorLine(s: string): boolean {
  const withoutUrls = s.replace(URL, " ");
  const urls = s.length - withoutUrls.length;
  const tokens = withoutUrls.split(/[\s|,;]+/).filter((t) => /[\p{L}\p{N}]/u.test(t));
  let iocs = 0;
  for (const t of tokens) if (IOC_TOKEN.test(t.replace(/^[[("'`]+|[\])"'`.:]+$/g, ""))) iocs++;
  const prose = tokens.length - iocs;
  if (s.startsWith("![")) return true;
  if (urls > 0 && prose <= 3) return true;
  return tokens.length > 0 && iocs > 0 && prose <= 2 && iocs >= prose;
}

/** A table row that lists indicators (an address, hash or domain in a cell) and no ATT&CK id. */
function isIndicatorRow(s: string): boolean {
  if (/\bT\d{4}\b/.test(s)) return false;
  return s.split(/\s*(?:\||\t)\s*/).some((cell) => IOC_TOKEN.test(cell.trim()));
}

/** A bibliography entry: "[3] Vendor. (2021). Title. Retrieved March 3, 2023." */
const CITATION_LINE =
  /^\s*\[\d{1,3}\]\s|\bretrieved (?:on )?(?:\w+ \d|\d)|\baccessed (?:on )?(?:\w+ \d|\d)|^[^.]{2,80}\. \(\d{4}[a-z]?(?:, \w+ \d{1,2})?\)\./i;

const isCitation = (line: string) => CITATION_LINE.test(line);

/** The whole line a span lies on. */
function lineOf(text: string, span: Span): string {
  const from = text.lastIndexOf("\n", span.start - 1) + 1;
  const to = text.indexOf("\n", span.end);
  return text.slice(from, to < 0 ? text.length : Math.min(to, from + 2000));
}

/** The clauses of one sentence (offsets into `lower`), each with its own context. */
function clausesOf(lower: string): Clause[] {
  const out: Clause[] = [];
  const cut = (start: number, end: number, inherited: Context | null) => {
    const piece = lower.slice(start, end);
    if (!/[\p{L}\p{N}]/u.test(piece)) return;
    out.push({ start, end, context: classify(piece.trim()) ?? inherited ?? "asserts" });
  };
  let start = 0;
  // The context a colon's lead or a relative clause's antecedent hands on; only a contrast word ends it.
  let lead: Context | null = null;
  let fronted = FRONTED.test(lower);
  for (let m = BOUNDARY.exec(lower); m; m = BOUNDARY.exec(lower)) {
    const word = m[0].replace(/[\s,]+/g, " ").trim();
    if (fronted) {
      const comma = lower.indexOf(",", start);
      if (comma >= 0 && comma < m.index) {
        cut(start, comma, null);
        start = comma + 1;
      }
      fronted = false;
    }
    if (word === "and") {
      // "did not encrypt files and deleted the backups": a verb's negation ends at the next verb,
      // unlike "no evidence that they … and …", whose negation covers the whole complement.
      const before = lower.slice(start, m.index);
      if (!NEGATION.test(before) || EVIDENTIAL.test(before)) continue;
    }
    const previous = lower.slice(start, m.index);
    cut(start, m.index, lead);
    const last = out[out.length - 1];
    if (word === ":") {
      // A lead ending in a colon hands its context to a list after it ("not observed: T1486, …"),
      // not to a clause with a subject of its own ("did not stop there: they dumped …").
      const listFollows = !/^\s*(?:they|he|she|it|we|i|you|the|this|these|those|an?|its|their|our|his|her)\b/.test(
        lower.slice(m.index + 1),
      );
      lead = last && last.context !== "asserts" && (listFollows || LISTING.test(previous)) ? last.context : null;
    } else if (/^(?:which|who|whose)$/.test(word)) {
      // A relative clause without cues of its own says what its antecedent's clause says, and one
      // closed by a comma ("X, which can …, was found") leaves the main clause to its own cues.
      const antecedent = last && last.context !== "asserts" ? last.context : null;
      const from = m.index + m[0].length;
      const comma = lower.indexOf(",", from);
      const next = lower.slice(from).search(/[;:()[\]—–]/);
      if (comma >= 0 && (next < 0 || comma < from + next)) {
        cut(from, comma, antecedent);
        start = comma + 1;
        BOUNDARY.lastIndex = start;
        lead = null;
        continue;
      }
      lead = antecedent;
    } else if (CONTRAST.test(word) || word === "and") lead = null;
    // A contrast word opens an asserting clause unless it carries its own cue; a negated phrase is negated.
    start =
      NEGATED_PHRASE.test(word) || /^(?:although|though|while|whereas)$/.test(word) ? m.index : m.index + m[0].length;
  }
  if (fronted) {
    const comma = lower.indexOf(",", start);
    if (comma >= 0) {
      cut(start, comma, null);
      start = comma + 1;
    }
  }
  cut(start, lower.length, lead);
  // A fronted condition makes a main clause with a modal hypothetical ("If …, they could …").
  if (CONDITION.test(lower) && out.length > 1 && MODAL.test(lower.slice(out[1]?.start ?? 0))) {
    for (const c of out) c.context = c.context === "asserts" ? "hypothetical" : c.context;
  }
  // A clause of one or two words ("Discovery — not observed: …") asserts nothing by itself.
  const short = (c: Clause) => c.context === "asserts" && countWords(lower.slice(c.start, c.end)) < 3;
  if (out.length > 1 && out.every((c) => c.context !== "asserts" || short(c)))
    for (const c of out) if (short(c)) c.context = "fragment";
  return out;
}

// Boundaries: punctuation, contrast words, relative "which", "and" before a verb, and the comma after a fronted phrase.
const BOUNDARY =
  /\s*(?:[;:()[\]—–]|\s-\s|,\s*(?:which|who|whose|and then|then|so|making|allowing|letting|enabling)\b|\s+so that\b|\s+and(?=\s+[\w-]+ed\b)|,?\s+(?:but|however|instead|whereas|although|though|yet|nevertheless|nonetheless|conversely|except|while|without|rather than|instead of)\b)/g;
/** Negations about evidence, whose scope is the whole complement. */
const EVIDENTIAL = /\b(?:evidence|signs?|indications?|traces?|suggest\w*|indicat\w*|point\w* to|confirm\w*)\b/;
/** A sentence opening with a condition: "If …", "Were they to …", "Should the …", "Suppose …". */
const CONDITION =
  /^(?:if|unless|suppose|supposing|assuming|imagine|in case|were (?:\S+ ){1,4}to|should (?:the|an?|they|someone|anyone)\b)/;

/** A lead that introduces a list ("the following techniques were not observed: …"). */
const LISTING =
  /\b(?:following|these|below|list|techniques?|tactics?|tools?|behaviou?rs?|capabilities|activit(?:y|ies)|indicators?|artifacts?|methods?|procedures?|ttps?|includ\w+|such as|any of)\b/;

/** A clause about others in general: "Many stealers …", "While crews such as X routinely …". */
const GENERIC =
  /^(?:(?:many|most|numerous|countless|various|several|some) (?!of\b)|(?:while|whereas|although|though|unlike)\b.*\b(?:routinely|typically|commonly|usually|often|frequently|generally|tend to)\b)/;
/** A fronted purpose that gives advice: "To reduce the risk of …, …". */
const PURPOSE =
  /^to (?:reduce|prevent|mitigate|limit|minimi[sz]e|protect|defend|guard|lower|stop|block|detect|counter|avoid|harden|secure)\b/;

/** The context a clause's cues give it, or null when it has none. */
function classify(clause: string): Context | null {
  if (NEGATION.test(clause)) return "negated";
  if (PURPOSE.test(clause) || IMPERATIVE.test(clause)) return "advisory";
  if (ADVISORY.test(clause)) return "advisory";
  if (HYPOTHETICAL.test(clause)) return "hypothetical";
  if (MENTION_ONLY.test(clause) || GENERIC.test(clause)) return "mention_only";
  return null;
}

const ASSERTS = { context: "asserts", weight: 1, idWeight: 1 } as const;

type Judged = Omit<SentenceContext, "words" | "tableRow">;
const judged = (context: Context, idWeight = CONTEXT_WEIGHTS[context]): Judged => ({
  context,
  weight: CONTEXT_WEIGHTS[context],
  idWeight,
});

/**
 * The context of each sentence of `text` (spans from `segmentSentences`). Beyond the sentence
 * itself: a lead ending in a colon whose context is not "asserts" (e.g. "Techniques we did not
 * observe:") hands it to the list lines that follow, and a heading about mitigation or
 * recommendations hands "advisory" to its section, until the next heading.
 */
export function sentenceContexts(text: string, spans: Span[]): SentenceContext[] {
  const out: SentenceContext[] = [];
  let carry: Context | null = null;
  let section: Context | null = null;
  for (const span of spans) {
    const s = text.slice(span.start, span.end);
    const words = countWords(s);
    const wholeLine = isLineStart(text, span.start) && isLineEnd(text, span.end);
    const tableRow = wholeLine && isTableRow(s);
    // A line of a list: bulleted, a table row, led by an id, or a short line right under the previous one.
    const item =
      wholeLine &&
      (BULLET.test(s) || tableRow || /^T\d{4}/.test(s) || (words <= 12 && !followsBlank(text, span.start)));
    const push = (j: Judged) => out.push({ ...j, tableRow, words });
    const furniture = tableRow
      ? isIndicatorRow(s)
      : (wholeLine && (isIndicatorLine(s) || (words <= 12 && FURNITURE.test(s)))) || isCitation(lineOf(text, span));
    if (furniture) {
      push(judged("furniture", 1));
      continue;
    }
    if (carry && item) {
      // Under a lead such as "Not observed:", each line of the list keeps the lead's context, ids included.
      const own = sentenceContext(s.toLowerCase(), span.start);
      push(own.context === "asserts" && !own.scope ? judged(carry) : own);
      continue;
    }
    carry = null;
    if (wholeLine && !tableRow && isHeading(s, words)) {
      section = ADVICE_HEADING.test(s) ? "advisory" : ABSENCE_HEADING.test(s) ? "negated" : null;
      carry = section;
      push(judged("heading", 1));
      continue;
    }
    if (words < MIN_WORDS && !tableRow) {
      push(judged("fragment", 1));
      continue;
    }
    const own = sentenceContext(s.toLowerCase(), span.start);
    push(section && own.context === "asserts" ? judged(section) : own);
    // A lead ending in a colon carries its context to the lines under it.
    if (/:\s*$/.test(s) && own.context !== "asserts" && !own.scope) carry = own.context;
    else if (!section) carry = null;
  }
  return out;
}

const ADVICE_HEADING =
  /\b(?:mitigat|recommend|remediat|prevent|protect|harden|best practice|defen[cs]e|guidance|what (?:you|to) (?:can )?do|how to)/i;
const ABSENCE_HEADING = /\b(?:not (?:observed|seen|used|found|detected)|absent|unobserved)\b/i;

/** A sentence's context from its clauses (lower-cased text; `offset` places the scope in the document). */
export function sentenceContext(lower: string, offset = 0): Judged {
  const imperative = IMPERATIVE.test(lower);
  if (imperative) return judged("advisory");
  const cued =
    NEGATION.test(lower) ||
    ADVISORY.test(lower) ||
    HYPOTHETICAL.test(lower) ||
    MENTION_ONLY.test(lower) ||
    GENERIC.test(lower) ||
    FRONTED.test(lower) ||
    CONDITION.test(lower);
  if (!cued) return ASSERTS;
  const clauses = clausesOf(lower);
  let worst: Context = "mention_only";
  for (const c of clauses)
    if (c.context !== "asserts" && CONTEXT_WEIGHTS[c.context] < CONTEXT_WEIGHTS[worst]) worst = c.context;
  const asserting = clauses.filter((c) => c.context === "asserts");
  if (asserting.length === clauses.length) return ASSERTS;
  if (asserting.length > 0) {
    const first = asserting[0] as Clause;
    const last = asserting[asserting.length - 1] as Clause;
    return {
      ...ASSERTS,
      idWeight: CONTEXT_WEIGHTS[worst],
      scope: { start: offset + first.start, end: offset + last.end },
    };
  }
  return judged(worst);
}
