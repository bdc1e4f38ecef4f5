/**
 * @module The analysis engine: text in, ATT&CK techniques out, each with a confidence and the
 * sentences that support it. Pure: no I/O, the model is handed in.
 *
 * Per sentence, the linear model gives a probability per technique; explicit ids and technique
 * names add their own evidence. Per technique, the document score combines its strongest
 * sentences (noisy-or of the top three), and the technique is asserted above its threshold.
 */
import { sentenceContexts, type SentenceContext } from "./context";
import { Tokens } from "./features";
import { termsOf } from "./lexicon";
import { findIdMentions, findNameMentions } from "./mentions";
import type { Model } from "./model";
import { refang } from "./refang";
import { candidateFeatures, stackerProbability, withHead, type CandidateEvidence } from "./stacker";
import { scorerFor, type SentenceScorer } from "./scorer";
import { segmentSentences, type Span } from "./text";

export type MatchMethod = "explicit_id" | "name" | "model";

export interface Evidence {
  text: string;
  start: number;
  end: number;
}

export interface TechniqueMatch {
  id: string;
  name: string;
  confidence: number;
  method: MatchMethod;
  evidence: Evidence[];
  note?: string;
}

export interface AnalysisOptions {
  /** Overrides every per-technique threshold. */
  threshold?: number;
  /** Evidence spans kept per technique. */
  maxEvidence?: number;
  /** Also return techniques below threshold (for evaluation and calibration). */
  includeBelowThreshold?: boolean;
}

export interface AnalysisResult {
  attackVersion: string;
  sentences: number;
  techniques: TechniqueMatch[];
}

/** Evidence weights of explicit mentions, as sentence probabilities. */
const ID_PROBABILITY = 0.98;
/**
 * A technique needs a sentence this likely (or an id, or a concept term) to be asserted: the
 * stacker's prior and offset alone could otherwise assert a common technique on a sentence at
 * 0.01. In cross-validation this cost AnnoCTR 0.003 doc-F1 (0.1 cost 0.017) and TRAM2 nothing.
 */
const MIN_SENTENCE_P = 0.05;
/** Sentences that can support a technique: those that assert, advise or report it, not those that deny or imagine it. */
const SUPPORTING_WEIGHT = 0.5;
/** The confidence left to a technique without that support: shown below threshold, never asserted. */
const UNSUPPORTED_CAP = 0.05;
/** An id mention asserts when its context leaves it at least this weight. */
const ASSERTED_ID = 0.5;
/** Confidence of a technique whose id the report writes out. */
export const EXPLICIT_ID_CONFIDENCE = ID_PROBABILITY;
const NAME_PROBABILITY_MULTIWORD = 0.5;
const NAME_PROBABILITY_SINGLE = 0.3;
/** The strongest sentences per technique that count: their noisy-or, and the stacker's s1–s3. */
const TOP_SENTENCES = 3;
/**
 * The report head reads only sentences where the main model finds one of the head's techniques this
 * likely: about a quarter of them. In cross-validation (mean doc-F1 of both datasets, two fold
 * splits) a gate at 0.2 on any technique did as well as reading every sentence, and one on a head
 * technique as well as that; a gate at 0.3 lost 0.004–0.007.
 */
const HEAD_GATE = 0.2;
/** Model sentences kept per technique: a few more than used, so a mention's sentence is rarely missed. */
const KEEP = 4;

export interface Hit {
  sentence: number;
  p: number;
  kind: MatchMethod;
  note?: string;
}

/** A model's report head, its classes as the model's class indices; made once per model, like its scorer. */
interface HeadLink {
  scorer: SentenceScorer;
  /** Head class → model class (-1: not in the model, e.g. revoked since the head was trained). */
  classOf: Int32Array;
  /** Per model class, 1 when the head has it. */
  member: Uint8Array;
}

const headLinks = new WeakMap<Model, HeadLink>();

function headLinkOf(model: Model): HeadLink | null {
  const head = model.head;
  if (!head) return null;
  let link = headLinks.get(model);
  if (!link) {
    const classOf = Int32Array.from(head.techniques, (t) => model.indexOf.get(t.id) ?? -1);
    const member = new Uint8Array(model.techniques.length);
    for (const c of classOf) if (c >= 0) member[c] = 1;
    link = { scorer: scorerFor(head), classOf, member };
    headLinks.set(model, link);
  }
  return link;
}

/** All evidence of one technique in a report. */
export interface Candidate extends CandidateEvidence {
  classIndex: number;
  /** Best probability of a sentence that supports it (context weight ≥ 0.5: asserts, advises, reports). */
  assertedP: number;
  /** Best sentences (strongest first), model and mentions merged per sentence. */
  ranked: Hit[];
}

export interface CollectedEvidence {
  text: string;
  toOriginal: (offset: number) => number;
  spans: Span[];
  candidates: Candidate[];
}

/** Scores every sentence and gathers, per technique, the evidence the decision is made from. */
export function collectEvidence(original: string, model: Model): CollectedEvidence {
  const { text, toOriginal } = refang(original);
  const spans = segmentSentences(text);
  // What each sentence does with what it names (asserts, denies, advises …): its weight scales its evidence.
  const contexts = sentenceContexts(text, spans);
  // Model evidence: the best sentences per technique, kept in flat arrays (no object per hit).
  const classes = model.techniques.length;
  const topP = new Float64Array(classes * KEEP);
  const topS = new Int32Array(classes * KEEP).fill(-1);
  const n20 = new Int32Array(classes);
  const n50 = new Int32Array(classes);
  const firstStrong = new Int32Array(classes).fill(-1);
  const assertedP = new Float64Array(classes);
  const hitClasses: number[] = [];
  const insert = (c: number, s: number, p: number) => {
    const base = c * KEEP;
    if (topS[base] === -1) hitClasses.push(c);
    if (p >= 0.2) n20[c] = (n20[c] as number) + 1;
    if (p >= 0.5) {
      n50[c] = (n50[c] as number) + 1;
      if (firstStrong[c] === -1) firstStrong[c] = s;
    }
    if (p <= (topP[base + KEEP - 1] as number) && topS[base + KEEP - 1] !== -1) return;
    let k = KEEP - 1;
    while (k > 0 && (topS[base + k - 1] === -1 || (topP[base + k - 1] as number) < p)) {
      topP[base + k] = topP[base + k - 1] as number;
      topS[base + k] = topS[base + k - 1] as number;
      k--;
    }
    topP[base + k] = p;
    topS[base + k] = s;
  };
  // Mentions (ids, names) are rare: plain objects.
  const mentions = new Map<number, Hit[]>();
  const addMention = (c: number, hit: Hit) => {
    const list = mentions.get(c);
    if (list) list.push(hit);
    else mentions.set(c, [hit]);
  };

  // Concept terms: per technique, the best term precision and the first sentence with one of its terms.
  const terms = termsOf(model);
  const termHits = new Map<number, { precision: number; sentence: number }>();

  // The report head's best sentence per technique (main-model class indices).
  const head = headLinkOf(model);
  const headBest = head ? { p: new Float64Array(classes), sentence: new Int32Array(classes).fill(-1) } : null;

  const scorer = scorerFor(model);
  const tokens = new Tokens();
  for (let s = 0; s < spans.length; s++) {
    const context = contexts[s] as SentenceContext;
    const weight = context.weight;
    // Headings, furniture and fragments are never evidence on their own (ids in them still count, below).
    if (weight === 0) continue;
    const scope = context.scope ?? spans[s];
    if (!scope) continue;
    tokens.read(text, scope.start, scope.end);
    // The main model's strongest technique the head also knows: the head's gate.
    let strongest = 0;
    scorer.score(tokens, (c, raw) => {
      const p = raw * weight;
      insert(c, s, p);
      if (weight >= SUPPORTING_WEIGHT && p > (assertedP[c] as number)) assertedP[c] = p;
      if (p > strongest && (head === null || head.member[c] === 1)) strongest = p;
    });
    if (head && headBest && strongest >= HEAD_GATE) {
      head.scorer.score(tokens, (h, raw) => {
        const c = head.classOf[h] as number;
        const p = raw * weight;
        if (c < 0 || p <= (headBest.p[c] as number)) return;
        headBest.p[c] = p;
        headBest.sentence[c] = s;
      });
    }
    // A concept term is a mention: only an asserting sentence makes its technique a candidate.
    if (terms && context.context === "asserts") {
      for (let i = 0; i < scorer.sentenceFeatures; i++) {
        const f = scorer.sentenceFeature(i);
        if (terms.isTerm[f] === 0) continue;
        for (const e of terms.entries.get(f) ?? []) {
          const seen = termHits.get(e.classIndex);
          if (!seen) termHits.set(e.classIndex, { precision: e.precision, sentence: s });
          else seen.precision = Math.max(seen.precision, e.precision);
        }
      }
    }
    for (const m of findNameMentions(tokens, model)) {
      addMention(m.classIndex, {
        sentence: s,
        p: (m.words > 1 ? NAME_PROBABILITY_MULTIWORD : NAME_PROBABILITY_SINGLE) * weight,
        kind: "name",
      });
    }
  }
  if (spans.length > 0) {
    for (const m of findIdMentions(text, model)) {
      const sentence = sentenceOf(spans, m.start);
      const context = contexts[sentence] as SentenceContext;
      const inScope = context.scope ? m.start >= context.scope.start && m.start < context.scope.end : false;
      addMention(m.classIndex, {
        sentence,
        p: ID_PROBABILITY * (inScope ? 1 : context.idWeight),
        kind: "explicit_id",
        note: m.note,
      });
    }
  }

  // The best evidence from sentences that assert (mentions there, or ids that assert, included): a loop, as below.
  const assertedOf = (c: number): number => {
    let best = assertedP[c] as number;
    const headSentence = headBest?.sentence[c] ?? -1;
    if (headBest && headSentence >= 0 && (contexts[headSentence]?.weight ?? 0) >= SUPPORTING_WEIGHT)
      best = Math.max(best, headBest.p[c] as number);
    for (const h of mentions.get(c) ?? [])
      if ((contexts[h.sentence]?.weight ?? 0) >= SUPPORTING_WEIGHT || h.p >= ASSERTED_ID) best = Math.max(best, h.p);
    return best;
  };
  const candidates: Candidate[] = [];
  const headHits = head && headBest ? [...head.classOf].filter((c) => c >= 0 && headBest.sentence[c] !== -1) : [];
  const mainFound = new Set([...hitClasses, ...mentions.keys(), ...termHits.keys()]);
  for (const c of new Set([...mainFound, ...headHits])) {
    const list: Hit[] = [];
    for (let k = 0; k < KEEP && topS[c * KEEP + k] !== -1; k++)
      list.push({ sentence: topS[c * KEEP + k] as number, p: topP[c * KEEP + k] as number, kind: "model" });
    const found = mentions.get(c) ?? [];
    // A loop, not push(...found): a technique named 100,000s of times would overflow the stack as arguments.
    for (const hit of found) list.push(hit);
    const term = termHits.get(c);
    // A term's sentence is evidence of the mention, not of the behaviour: it adds no probability.
    if (term) list.push({ sentence: term.sentence, p: 0, kind: "model" });
    // The head's best sentence is evidence too; its probability enters the score through withHead, not the noisy-or.
    const headSentence = headBest?.sentence[c] ?? -1;
    if (headSentence !== -1) list.push({ sentence: headSentence, p: 0, kind: "model" });
    // Strongest evidence per sentence, then the best sentences first.
    const best = new Map<number, Hit>();
    for (const h of list) {
      const prev = best.get(h.sentence);
      if (!prev) best.set(h.sentence, { ...h });
      else {
        const p = 1 - (1 - prev.p) * (1 - h.p);
        const kind = rank(h.kind) > rank(prev.kind) ? h.kind : prev.kind;
        best.set(h.sentence, { sentence: h.sentence, p, kind, note: prev.note ?? h.note });
      }
    }
    const ranked = [...best.values()].sort((a, b) => b.p - a.p || a.sentence - b.sentence);
    let miss = 1;
    for (const h of ranked.slice(0, TOP_SENTENCES)) miss *= 1 - h.p;
    candidates.push({
      classIndex: c,
      ranked,
      top: ranked.slice(0, TOP_SENTENCES).map((h) => h.p),
      noisyOr: 1 - miss,
      n20: n20[c] as number,
      n50: n50[c] as number,
      firstStrong: firstStrong[c] as number,
      // Ids the text denies or advises about ("not observed: T1486") are evidence, not assertions.
      idMentions: found.filter((h) => h.kind === "explicit_id" && h.p >= ASSERTED_ID).length,
      nameMentions: found.filter((h) => h.kind === "name").length,
      termPrecision: term?.precision ?? 0,
      assertedP: assertedOf(c),
      headP: headBest?.p[c] ?? 0,
      inHead: head?.member[c] === 1,
      headOnly: !mainFound.has(c),
    });
  }
  return { text, toOriginal, spans, candidates };
}

function sentenceOf(spans: Span[], offset: number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((spans[mid] as Span).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The document score of a candidate: the stacker's probability when the model has one. */
export function candidateConfidence(model: Model, c: Candidate, sentences: number): number {
  const stacker = model.data.stacker;
  if (!stacker) return c.noisyOr;
  const technique = model.techniques[c.classIndex];
  const prior = model.priors?.[c.classIndex] ?? 0;
  const offset = model.offsets?.[c.classIndex] ?? 0;
  const p = stackerProbability(
    stacker,
    candidateFeatures(c, sentences, prior, technique?.id.includes(".") ?? false),
    offset,
  );
  return withHead(p, c, model.data.headWeight ?? 0);
}

/** The confidence a report gives a technique: its document score, but never below that of an id the text writes out. */
export function documentConfidence(
  score: number,
  c: Pick<Candidate, "idMentions" | "assertedP" | "termPrecision">,
): number {
  if (c.idMentions > 0) return Math.max(score, EXPLICIT_ID_CONFIDENCE);
  // A technique no sentence supports (how often reports carry it is not evidence) is not asserted;
  // a concept term ("ransomware") is support of its own.
  const supported = c.assertedP >= MIN_SENTENCE_P || c.termPrecision > 0;
  return supported ? score : Math.min(score, UNSUPPORTED_CAP);
}

export function analyzeText(original: string, model: Model, options: AnalysisOptions = {}): AnalysisResult {
  const { spans, candidates, toOriginal } = collectEvidence(original, model);
  const maxEvidence = options.maxEvidence ?? 3;
  const techniques: TechniqueMatch[] = [];
  for (const c of candidates) {
    const technique = model.techniques[c.classIndex];
    if (!technique) continue;
    const confidence = documentConfidence(candidateConfidence(model, c, spans.length), c);
    const threshold = options.threshold ?? technique.threshold;
    if (confidence < threshold && !options.includeBelowThreshold) continue;
    const method = c.ranked.reduce<MatchMethod>((m, h) => (rank(h.kind) > rank(m) ? h.kind : m), "model");
    const note = c.ranked.find((h) => h.note)?.note;
    techniques.push({
      id: technique.id,
      name: technique.name,
      confidence: Math.round(confidence * 1000) / 1000,
      method,
      evidence: c.ranked.slice(0, maxEvidence).map((h) => {
        const span = spans[h.sentence] as Span;
        const start = toOriginal(span.start);
        const end = toOriginal(span.end);
        return { text: original.slice(start, end), start, end };
      }),
      ...(note ? { note } : {}),
    });
  }
  techniques.sort((a, b) => b.confidence - a.confidence || a.id.localeCompare(b.id));
  return { attackVersion: model.data.attackVersion, sentences: spans.length, techniques };
}

const rank = (m: MatchMethod) => (m === "explicit_id" ? 2 : m === "name" ? 1 : 0);
