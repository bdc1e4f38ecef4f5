/**
 * @module Report-level cross-validation shared by `npm run eval` and `npm run model:build`: the
 * reports of every dataset are split into k folds; fold k's reports are analysed by a sentence
 * model trained without them, giving out-of-fold candidates (technique evidence per report) on
 * which the document-level stacker is fitted and evaluated.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { collectEvidence, documentConfidence, type Candidate, type MatchMethod } from "../../src/analysis/engine";
import { attackExamples, type AttackCorpus } from "../../src/analysis/examples";
import { trainHead, type HeadOptions } from "../../src/analysis/head";
import { mineLexicon, type LexiconOptions } from "../../src/analysis/lexicon";
import { loadModel, type Model, type ModelData } from "../../src/analysis/model";
import { parseModelData } from "../../src/analysis/model-data";
import { pseudoLabelExamples } from "../../src/analysis/pseudo-labels";
import {
  candidateFeatures,
  stackerProbability,
  trainStacker,
  withHead,
  type StackerData,
} from "../../src/analysis/stacker";
import { mulberry32, trainModel, type TrainingExample, type TrainOptions } from "../../src/analysis/train";
import type { Dataset, LabelledReport } from "./datasets";
import { intoLabelSpace, score, type DocOutcome } from "./metrics";

export interface OutOfFold {
  dataset: string;
  fold: number;
  report: LabelledReport;
  sentences: number;
  /** Candidates by technique id. */
  candidates: Map<string, Candidate>;
  /** The evidence sentences of a candidate, where outOfFold was asked to keep them. */
  evidence?: (c: Candidate) => EvidenceLine[];
  /** The report as a PDF or web page, extracted back to text and analysed by the same fold's model. */
  renderings?: Map<Rendering, AnalysedText>;
}

/** A report's forms besides its plain text (renderings.ts makes them). */
export type Rendering = "pdf" | "html";

/** One evidence sentence as analyzeText shows it, with the line of the text it sits in. */
export interface EvidenceLine {
  text: string;
  kind: MatchMethod;
  line: string;
}

export interface AnalysedText {
  sentences: number;
  candidates: Map<string, Candidate>;
  /** The text analysed (the extraction's output). */
  text: string;
  evidence: (c: Candidate) => EvidenceLine[];
}

/** Evidence sentences shown per technique, as analyzeText's default. */
const SHOWN_EVIDENCE = 3;

/** A text analysed by one fold's model, its candidates by technique id. */
export function analyse(text: string, model: Model): AnalysedText {
  const { spans, candidates: list, toOriginal } = collectEvidence(text, model);
  const candidates = new Map<string, Candidate>();
  for (const c of list) candidates.set(model.techniques[c.classIndex]?.id as string, c);
  const evidence = (c: Candidate) =>
    c.ranked.slice(0, SHOWN_EVIDENCE).map((h) => {
      const span = spans[h.sentence] as { start: number; end: number };
      const start = toOriginal(span.start);
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      const lineEnd = text.indexOf("\n", start);
      const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
      return { text: text.slice(start, toOriginal(span.end)), kind: h.kind, line };
    });
  return { sentences: spans.length, candidates, text, evidence };
}

/**
 * Sentence-labelled reports train as sentences, each annotated only for its dataset's label space
 * (when `annotatedFor` is on); document-labelled ones only through the stacker.
 */
function reportExamples(list: LabelledReport[], annotatedFor?: string[]): TrainingExample[] {
  return list.flatMap((r) => r.sentences?.map((s) => ({ text: s.text, labels: s.labels, annotatedFor })) ?? []);
}

function assignFolds(datasets: Dataset[], folds: number, seed: number): Map<LabelledReport, number> {
  const out = new Map<LabelledReport, number>();
  const random = mulberry32(seed);
  for (const d of datasets) {
    const order = d.reports.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    order.forEach((r, i) => out.set(d.reports[r] as LabelledReport, i % folds));
  }
  return out;
}

export interface BuildSettings {
  train?: Partial<TrainOptions>;
  /** Sentence labels supervise only the techniques of their dataset's label space. */
  maskUnannotated?: boolean;
  /** Learn from document-labelled reports through pseudo-labelled sentences (a second training pass). */
  pseudoLabels?: boolean;
  /** Mine concept terms from document-labelled reports (default on; false to leave them out). */
  lexicon?: LexiconOptions | false;
  /** Train the report head (head.ts) with these settings; absent: no head. */
  head?: Partial<HeadOptions>;
}

/**
 * The sentence model for a set of training reports (ATT&CK texts, sentence labels, pseudo-labels),
 * with the concept terms of its document-labelled reports.
 */
export function buildSentenceModel(
  corpus: AttackCorpus,
  train: LabelledReport[],
  seed: number,
  settings: BuildSettings,
  extra: TrainingExample[] = [],
): ModelData {
  const main = trainSentenceModel(corpus, train, seed, settings, extra);
  const head = settings.head
    ? trainHead([...reportExamples(train), ...extra], {
        attackVersion: corpus.version,
        techniques: corpus.techniques,
        revoked: corpus.revoked,
        ...settings.head,
      })
    : null;
  const model = head ? { ...main, head } : main;
  const documentLabelled = train.filter((r) => !r.sentences);
  if (settings.lexicon === false || documentLabelled.length === 0) return model;
  const lexicon = mineLexicon(loadModel(model), documentLabelled, settings.lexicon);
  return { ...model, info: { ...model.info, lexiconTerms: lexicon.length }, lexicon };
}

function trainSentenceModel(
  corpus: AttackCorpus,
  train: LabelledReport[],
  seed: number,
  settings: BuildSettings,
  extra: TrainingExample[],
): ModelData {
  const options = {
    attackVersion: corpus.version,
    techniques: corpus.techniques,
    revoked: corpus.revoked,
    seed,
    ...settings.train,
  };
  // The label space of sentence-labelled reports: what their annotators looked for.
  const space = settings.maskUnannotated
    ? [...new Set(train.flatMap((r) => r.sentences?.flatMap((x) => x.labels) ?? []))]
    : undefined;
  const examples = [...attackExamples(corpus), ...reportExamples(train, space), ...extra];
  const first = trainModel(examples, options);
  const documentLabelled = train.filter((r) => !r.sentences);
  if (!settings.pseudoLabels || documentLabelled.length === 0) return first;
  const pseudo = pseudoLabelExamples(loadModel(first), documentLabelled);
  return trainModel([...examples, ...pseudo], { ...options, info: { ...options.info, pseudoLabelled: pseudo.length } });
}

/**
 * A fold's sentence model, from `TTPSCOPE_FOLD_CACHE` (a directory) when it holds one made with the
 * same settings: for trying decision and context changes without retraining. The cache knows
 * nothing of training code changes: empty it when training changes.
 */
function cachedFoldModel(
  k: number,
  folds: number,
  seed: number,
  settings: BuildSettings,
  datasets: Dataset[],
  build: () => ModelData,
): ModelData {
  const dir = process.env.TTPSCOPE_FOLD_CACHE;
  if (!dir) return build();
  const key = createHash("sha256")
    .update(JSON.stringify({ settings, datasets: datasets.map((d) => [d.name, d.reports.length]) }))
    .digest("hex")
    .slice(0, 16);
  const file = path.join(dir, `fold-${k}-of-${folds}-seed-${seed}-${key}.json.gz`);
  if (fs.existsSync(file)) return parseModelData(gunzipSync(fs.readFileSync(file)).toString("utf8"));
  const data = build();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, gzipSync(JSON.stringify(data)));
  return data;
}

/**
 * Every report analysed by the model of the fold it is held out in. With `renderedTexts`, the
 * report's renderings are analysed by that model too, and evidence is kept for both.
 */
export function outOfFold(
  corpus: AttackCorpus,
  datasets: Dataset[],
  folds: number,
  seed: number,
  settings: BuildSettings,
  log: (line: string) => void,
  renderedTexts?: (report: LabelledReport) => ReadonlyMap<Rendering, string> | undefined,
): OutOfFold[] {
  const foldOf = assignFolds(datasets, folds, seed);
  const out: OutOfFold[] = [];
  for (let k = 0; k < folds; k++) {
    const train = datasets.flatMap((d) => d.reports.filter((r) => foldOf.get(r) !== k));
    const started = performance.now();
    const model = loadModel(
      cachedFoldModel(k, folds, seed, settings, datasets, () => buildSentenceModel(corpus, train, seed, settings)),
    );
    for (const d of datasets) {
      for (const report of d.reports.filter((r) => foldOf.get(r) === k)) {
        const { sentences, candidates, evidence } = analyse(report.text, model);
        const entry: OutOfFold = { dataset: d.name, fold: k, report, sentences, candidates };
        if (renderedTexts) {
          entry.evidence = evidence;
          const texts = renderedTexts(report) ?? new Map<Rendering, string>();
          entry.renderings = new Map([...texts].map(([r, text]) => [r, analyse(text, model)]));
        }
        out.push(entry);
      }
    }
    log(`fold ${k + 1}/${folds}: sentence model trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return out;
}

/**
 * The lowest prior logit a technique gets (a rate of about 5 %): how rarely the labelled reports
 * carry a technique says little about users' reports, which cover all of ATT&CK, so the decision
 * must not bury a rare technique that a sentence states plainly. In cross-validation a floor at
 * -3.0 or -3.9 changed doc-F1 by at most ±0.002 (TRAM2 / AnnoCTR).
 */
const PRIOR_FLOOR = -3;

/**
 * How often each technique is labelled in the given reports, as a smoothed logit: over the reports
 * whose label space can hold it (a TRAM2 report only labels its 50 techniques).
 */
function techniquePriors(
  items: { report: LabelledReport; labelSpace: Set<string> }[],
  techniqueIds: string[],
): Map<string, number> {
  const PSEUDO = 2;
  const BASE = 0.02;
  const priors = new Map<string, number>();
  for (const id of techniqueIds) {
    let seen = 0;
    let labelled = 0;
    for (const { report, labelSpace } of items) {
      const label = intoLabelSpace(id, labelSpace);
      if (!label) continue;
      seen++;
      if (report.labels.includes(label)) labelled++;
    }
    const p = (labelled + PSEUDO * BASE) / (seen + PSEUDO);
    priors.set(id, Math.max(PRIOR_FLOOR, Math.log(p / (1 - p))));
  }
  return priors;
}

export interface StackerFit {
  stacker: StackerData;
  priors: Map<string, number>;
  /** Per-technique calibration of the stacker's logit. */
  offsets: Map<string, number>;
  features: (o: OutOfFold, id: string) => number[];
}

/** The stacker and priors fitted on the candidates of every fold but `heldOut` (all folds when undefined). */
export function fitStacker(
  oof: OutOfFold[],
  spaceOf: Map<string, Set<string>>,
  techniqueIds: string[],
  heldOut?: number,
): StackerFit {
  const training = oof.filter((o) => o.fold !== heldOut);
  const priors = techniquePriors(
    training.map((o) => ({ report: o.report, labelSpace: spaceOf.get(o.dataset) as Set<string> })),
    techniqueIds,
  );
  const features = (o: OutOfFold, id: string) => {
    const c = o.candidates.get(id);
    if (!c) throw new Error(`no candidate ${id}`);
    return candidateFeatures(c, o.sentences, priors.get(id) ?? 0, id.includes("."));
  };
  const rows: number[][] = [];
  const labels: number[] = [];
  const groups: string[] = [];
  for (const o of training) {
    const space = spaceOf.get(o.dataset) as Set<string>;
    for (const [id, c] of o.candidates) {
      const label = intoLabelSpace(id, space);
      if (!label) continue; // the report's annotators could not have labelled it
      if (c.headOnly) continue; // scored by the head alone (withHead), never by the stacker
      rows.push(features(o, id));
      labels.push(o.report.labels.includes(label) ? 1 : 0);
      groups.push(id);
    }
  }
  return { ...trainStacker(rows, labels, groups), priors, features };
}

/** A held-out report with its label-space candidates scored by noisy-or and by the stacker. */
export interface Scored {
  gold: Set<string>;
  noisyOr: Map<string, number>;
  stacked: Map<string, number>;
  /** The gold set and label space as annotated, where ids were mapped to their successors. */
  annotated?: { gold: Set<string>; space: Set<string> };
}

/** Per out-of-fold report, each candidate's probability from the stacker fitted without the report's fold. */
export function heldOutStacked(
  oof: OutOfFold[],
  spaceOf: Map<string, Set<string>>,
  techniqueIds: string[],
  folds: number,
  /** What to score per report: itself, and e.g. its renderings (scored, never trained on). */
  views: (o: OutOfFold) => OutOfFold[] = (o) => [o],
): Map<OutOfFold, Map<string, number>> {
  const out = new Map<OutOfFold, Map<string, number>>();
  for (let k = 0; k < folds; k++) {
    const { stacker, features, offsets } = fitStacker(oof, spaceOf, techniqueIds, k);
    for (const o of oof.filter((x) => x.fold === k).flatMap(views)) {
      const space = spaceOf.get(o.dataset) as Set<string>;
      const probabilities = new Map<string, number>();
      for (const id of o.candidates.keys())
        if (intoLabelSpace(id, space))
          probabilities.set(id, stackerProbability(stacker, features(o, id), offsets.get(id)));
      out.set(o, probabilities);
    }
  }
  return out;
}

/**
 * Every report scored as the product scores it, from held-out stacker probabilities (`heldOutStacked`)
 * with the report head mixed in at `headWeight`: honest held-out document scores.
 */
export function heldOutScores(
  stacked: Map<OutOfFold, Map<string, number>>,
  spaceOf: Map<string, Set<string>>,
  headWeight: number,
  annotatedSpaceOf = new Map<string, Set<string>>(),
): Map<string, Scored[]> {
  const out = new Map<string, Scored[]>([...spaceOf.keys()].map((name) => [name, []]));
  for (const [o, probabilities] of stacked) {
    const space = spaceOf.get(o.dataset) as Set<string>;
    const noisyOr = new Map<string, number>();
    const scores = new Map<string, number>();
    for (const [id, p] of probabilities) {
      const c = o.candidates.get(id) as Candidate;
      const label = intoLabelSpace(id, space) as string;
      noisyOr.set(label, Math.max(noisyOr.get(label) ?? 0, c.noisyOr));
      scores.set(label, Math.max(scores.get(label) ?? 0, documentConfidence(withHead(p, c, headWeight), c)));
    }
    const annotatedSpace = annotatedSpaceOf.get(o.dataset);
    const annotated =
      o.report.annotated && annotatedSpace
        ? { gold: new Set(o.report.annotated.filter((l) => annotatedSpace.has(l))), space: annotatedSpace }
        : undefined;
    out.get(o.dataset)?.push({
      gold: new Set(o.report.labels.filter((l) => space.has(l))),
      noisyOr,
      stacked: scores,
      ...(annotated ? { annotated } : {}),
    });
  }
  return out;
}

/** Head weights cross-validation chooses from (with the threshold), when the model has a head. */
export const HEAD_WEIGHTS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];

export interface Decision {
  headWeight: number;
  threshold: number;
  /** Held-out doc-F1 per dataset at this head weight and threshold. */
  docF1: Record<string, number>;
  scored: Map<string, Scored[]>;
  /** Each head weight tried, with its best shared threshold and mean doc-F1 over the datasets. */
  tried: { headWeight: number; threshold: number; mean: number }[];
}

/**
 * The product's decision settings, chosen on held-out scores: the one default threshold and, when
 * the model has a report head, how much of a head technique's score is the head's.
 */
export function chooseDecision(
  oof: OutOfFold[],
  spaceOf: Map<string, Set<string>>,
  techniqueIds: string[],
  folds: number,
  annotatedSpaceOf?: Map<string, Set<string>>,
  stacked = heldOutStacked(oof, spaceOf, techniqueIds, folds),
): Decision {
  const hasHead = oof.some((o) => [...o.candidates.values()].some((c) => c.inHead));
  const results = (hasHead ? HEAD_WEIGHTS : [0]).map((headWeight) => {
    const scored = heldOutScores(stacked, spaceOf, headWeight, annotatedSpaceOf);
    return { headWeight, scored, ...sharedThreshold(scored, "stacked") };
  });
  // The first of equals wins, as the threshold's does: the smaller weight.
  const best = results.reduce((a, b) => (b.mean > a.mean ? b : a));
  return { ...best, tried: results.map(({ headWeight, threshold, mean }) => ({ headWeight, threshold, mean })) };
}

export const predictedAt = (list: Scored[], which: "noisyOr" | "stacked", threshold: number): DocOutcome[] =>
  list.map((s) => ({
    gold: s.gold,
    predicted: new Set([...s[which]].filter(([, c]) => c >= threshold).map(([l]) => l)),
  }));

/** Outcomes against the gold ids as annotated: a prediction outside the annotated label space is not scored. */
export const predictedAsAnnotated = (list: Scored[], threshold: number): DocOutcome[] =>
  list.map((s) => {
    const { gold, space } = s.annotated ?? { gold: s.gold, space: null };
    return {
      gold,
      predicted: new Set([...s.stacked].filter(([l, c]) => c >= threshold && (!space || space.has(l))).map(([l]) => l)),
    };
  });

export const THRESHOLDS = Array.from({ length: 18 }, (_, i) => Math.round((0.1 + i * 0.05) * 100) / 100);

/** The one threshold (the product has one default) with the best mean doc-F1 over the datasets. */
export function sharedThreshold(
  scored: Map<string, Scored[]>,
  which: "noisyOr" | "stacked",
): { threshold: number; mean: number; docF1: Record<string, number> } {
  let best = { threshold: 0.5, mean: -1, docF1: {} as Record<string, number> };
  for (const t of THRESHOLDS) {
    const docF1 = Object.fromEntries(
      [...scored].map(([name, list]) => [name, score(predictedAt(list, which, t)).docF1]),
    );
    const values = Object.values(docF1);
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    if (mean > best.mean) best = { threshold: t, mean, docF1 };
  }
  return best;
}
