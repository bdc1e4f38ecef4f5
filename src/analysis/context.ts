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
import {
  ABSENCE_HEADING,
  ADVICE_HEADING,
  ADVISORY,
  BOUNDARY,
  CONDITION,
  CONTRAST,
  DEFINITE,
  EVIDENTIAL,
  FRONTED,
  GENERIC,
  HABIT,
  hasCueWord,
  HYPOTHETICAL,
  IMPERATIVE,
  LISTING,
  MENTION_ONLY,
  MODAL,
  NEGATED_PHRASE,
  NEGATION,
  PURPOSE,
  SEARCH,
} from "./context-cues";
import {
  BULLET,
  countWords,
  followsBlank,
  FURNITURE,
  FURNITURE_LABEL,
  isCitation,
  isHeading,
  isIndicatorLine,
  isIndicatorRow,
  isLineEnd,
  isLineStart,
  isTableRow,
  lineOf,
  precedesBlank,
} from "./context-lines";
import type { Span } from "./text";

export type Context =
  "asserts" | "negated" | "advisory" | "hypothetical" | "mention_only" | "heading" | "furniture" | "fragment";

/**
 * Multiplies a sentence's technique probabilities (explicit ids in headings and furniture keep
 * theirs). Chosen by cross-validation and the tuning half of the context probes: annotators of
 * the labelled reports often label advice and background ("X is known for …"), so those weigh about
 * half rather than nearly nothing (at 0.1 and 0.35, TRAM2 lost 0.006 doc-F1 and the probes gained
 * nothing measurable).
 */
export const CONTEXT_WEIGHTS: Record<Context, number> = {
  asserts: 1,
  negated: 0.1,
  hypothetical: 0.4,
  advisory: 0.5,
  mention_only: 0.6,
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
  // "We looked for X and Y but found neither": a short denial after a search denies what was searched for.
  const last = out[out.length - 1];
  if (
    last &&
    out.length > 1 &&
    last.context === "negated" &&
    countWords(lower.slice(last.start, last.end)) <= 5 &&
    SEARCH.test(lower.slice(0, last.start))
  )
    for (const c of out) c.context = c.context === "asserts" ? "negated" : c.context;
  // A fronted purpose makes the instruction after it advice ("To reduce …, roll out …").
  if (PURPOSE.test(lower) && out.length > 1)
    for (const c of out) c.context = c.context === "asserts" ? "advisory" : c.context;
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

/** The context a clause's cues give it, or null when it has none. */
function classify(clause: string): Context | null {
  if (NEGATION.test(clause)) return "negated";
  if (PURPOSE.test(clause) || IMPERATIVE.test(clause)) return "advisory";
  if (ADVISORY.test(clause)) return "advisory";
  if (HYPOTHETICAL.test(clause)) return "hypothetical";
  if (MENTION_ONLY.test(clause) || GENERIC.test(clause) || (HABIT.test(clause) && !DEFINITE.test(clause)))
    return "mention_only";
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
  // Text laid out in blocks (what the HTML and PDF extractors give) sets a heading apart with blank
  // lines; there, a short line inside a block is a list item or a table row, not a heading.
  const blocks = /\n[ \t\r]*\n/.test(text);
  // Whether a span's line is a bibliography entry, worked out once per line.
  let lineStart = -1;
  let lineIsCitation = false;
  const citation = (span: Span) => {
    const from = text.lastIndexOf("\n", span.start - 1) + 1;
    if (from !== lineStart) {
      lineStart = from;
      lineIsCitation = isCitation(lineOf(text, span));
    }
    return lineIsCitation;
  };
  for (const span of spans) {
    const s = text.slice(span.start, span.end);
    const words = countWords(s);
    const wholeLine = isLineStart(text, span.start) && isLineEnd(text, span.end);
    const tableRow = wholeLine && isTableRow(s);
    // A line of a list: bulleted, a table row, led by an id, or a short line right under the previous one.
    // (A numbered item is split after its number, "1." "Data Destruction": its line tells.)
    const lineStart = wholeLine ? span.start : text.lastIndexOf("\n", span.start - 1) + 1;
    const item =
      BULLET.test(wholeLine ? s : text.slice(lineStart, lineStart + 8)) ||
      (wholeLine && (tableRow || /^T\d{4}/.test(s) || (words <= 12 && !followsBlank(text, span.start))));
    const push = (j: Judged) => out.push({ ...j, tableRow, words });
    const furniture = tableRow
      ? isIndicatorRow(s) || FURNITURE_LABEL.test(s)
      : (wholeLine && (isIndicatorLine(s) || (words <= 12 && FURNITURE.test(s)) || FURNITURE_LABEL.test(s))) ||
        citation(span);
    if (furniture) {
      push(judged("furniture", 1));
      continue;
    }
    if (carry && item) {
      // Under a lead such as "Not observed:", each line of the list keeps the lead's context, ids included.
      const own = sentenceContext(s, span.start);
      if (words < MIN_WORDS && !tableRow) push(judged("fragment", CONTEXT_WEIGHTS[carry]));
      else push(own.context === "asserts" && !own.scope ? judged(carry) : own);
      continue;
    }
    carry = null;
    if (
      wholeLine &&
      !tableRow &&
      isHeading(s, words) &&
      (!blocks || (followsBlank(text, span.start) && precedesBlank(text, span.end)))
    ) {
      section = ADVICE_HEADING.test(s) ? "advisory" : ABSENCE_HEADING.test(s) ? "negated" : null;
      carry = section;
      push(judged("heading", idWeightOf(s)));
      continue;
    }
    if (words < MIN_WORDS && !tableRow) {
      push(judged("fragment", idWeightOf(s)));
      continue;
    }
    const own = sentenceContext(s, span.start);
    push(section && own.context === "asserts" ? judged(section) : own);
    // A lead ending in a colon carries its context to the lines under it.
    if (/:\s*$/.test(s) && own.context !== "asserts" && !own.scope) carry = own.context;
    else if (!section) carry = null;
  }
  return out;
}

/** What an id in a heading or a fragment weighs: all of it, unless the line denies or advises ("No T1003"). */
function idWeightOf(s: string): number {
  const own = sentenceContext(s);
  return own.context === "asserts" ? 1 : own.idWeight;
}

/** A sentence's context from its clauses (lower-cased text; `offset` places the scope in the document). */
export function sentenceContext(sentence: string, offset = 0): Judged {
  if (IMPERATIVE.test(sentence)) return judged("advisory");
  // Most sentences hold no cue at all: settled without lower-casing them (the openings are anchored).
  if (!hasCueWord(sentence)) {
    const opening = sentence.slice(0, 48).toLowerCase();
    if (!FRONTED.test(opening) && !CONDITION.test(opening) && !GENERIC.test(opening)) return ASSERTS;
  }
  const lower = sentence.toLowerCase();
  const cued =
    NEGATION.test(lower) ||
    ADVISORY.test(lower) ||
    HYPOTHETICAL.test(lower) ||
    MENTION_ONLY.test(lower) ||
    GENERIC.test(lower) ||
    HABIT.test(lower) ||
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
