/**
 * @module The analysis engine: text in, ATT&CK techniques out, each with a confidence and the
 * sentences that support it. Pure: no I/O, the model is handed in.
 *
 * Per sentence, the linear model gives a probability per technique; explicit ids and technique
 * names add their own evidence. Per technique, the document score combines its strongest
 * sentences (noisy-or of the top three), and the technique is asserted above its threshold.
 */
import { forEachFeature } from "./features";
import { findIdMentions, findNameMentions, type Mention } from "./mentions";
import { featureIndex, type Model } from "./model";
import { refang } from "./refang";
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
const NAME_PROBABILITY_MULTIWORD = 0.5;
const NAME_PROBABILITY_SINGLE = 0.3;
/** Sentence probabilities below this are not kept as evidence. */
const FLOOR = 0.05;
const TOP_SENTENCES = 3;

interface Hit {
  sentence: number;
  p: number;
  kind: MatchMethod;
  note?: string;
}

/** Probabilities per technique for one sentence, written into `out` (class → p) above FLOOR. */
export function scoreSpan(model: Model, text: string, span: Span, scratch: Float64Array, touched: number[], out: Map<number, number>): void {
  const counts = new Map<number, number>();
  forEachFeature(text, span.start, span.end, (h) => {
    const f = featureIndex(model, h);
    if (f >= 0) counts.set(f, (counts.get(f) ?? 0) + 1);
  });
  if (counts.size === 0) return;
  let norm = 0;
  for (const [f, n] of counts) {
    const x = (1 + Math.log(n)) * (model.idf[f] as number);
    counts.set(f, x);
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  touched.length = 0;
  for (const [f, x] of counts) {
    const a = model.postingStart[f] as number;
    const b = model.postingStart[f + 1] as number;
    for (let k = a; k < b; k++) {
      const c = model.postingClass[k] as number;
      if (scratch[c] === 0) touched.push(c);
      scratch[c] = (scratch[c] as number) + (x / norm) * (model.postingWeight[k] as number) + 1e-12;
    }
  }
  for (const c of touched) {
    const p = 1 / (1 + Math.exp(-((scratch[c] as number) + (model.bias[c] as number))));
    scratch[c] = 0;
    if (p >= FLOOR) out.set(c, p);
  }
}

export function analyzeText(original: string, model: Model, options: AnalysisOptions = {}): AnalysisResult {
  const { text, toOriginal } = refang(original);
  const spans = segmentSentences(text);
  const hits = new Map<number, Hit[]>();
  const add = (c: number, hit: Hit) => {
    const list = hits.get(c);
    if (list) list.push(hit);
    else hits.set(c, [hit]);
  };

  const scratch = new Float64Array(model.techniques.length);
  const touched: number[] = [];
  const probs = new Map<number, number>();
  spans.forEach((span, s) => {
    probs.clear();
    scoreSpan(model, text, span, scratch, touched, probs);
    for (const [c, p] of probs) add(c, { sentence: s, p, kind: "model" });
  });

  const sentenceOf = (offset: number) => {
    let lo = 0;
    let hi = spans.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((spans[mid] as Span).start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const mention = (m: Mention, p: number, kind: MatchMethod) =>
    spans.length > 0 && add(m.classIndex, { sentence: sentenceOf(m.start), p, kind, note: m.note });
  for (const m of findIdMentions(text, model)) mention(m, ID_PROBABILITY, "explicit_id");
  for (const m of findNameMentions(text, model)) mention(m, m.words > 1 ? NAME_PROBABILITY_MULTIWORD : NAME_PROBABILITY_SINGLE, "name");

  const maxEvidence = options.maxEvidence ?? 3;
  const techniques: TechniqueMatch[] = [];
  for (const [c, list] of hits) {
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
    const confidence = 1 - miss;
    const technique = model.techniques[c];
    if (!technique) continue;
    const threshold = options.threshold ?? technique.threshold;
    if (confidence < threshold && !options.includeBelowThreshold) continue;
    const method = ranked.reduce<MatchMethod>((m, h) => (rank(h.kind) > rank(m) ? h.kind : m), "model");
    const note = ranked.find((h) => h.note)?.note;
    techniques.push({
      id: technique.id,
      name: technique.name,
      confidence: Math.round(confidence * 1000) / 1000,
      method,
      evidence: ranked.slice(0, maxEvidence).map((h) => {
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
