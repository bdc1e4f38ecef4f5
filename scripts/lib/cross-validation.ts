/**
 * @module Report-level cross-validation shared by `npm run eval` and `npm run model:build`: the
 * reports of every dataset are split into k folds; fold k's reports are analysed by a sentence
 * model trained without them, giving out-of-fold candidates (technique evidence per report) on
 * which the document-level stacker is fitted and evaluated.
 */
import { collectEvidence, type Candidate } from "../../src/analysis/engine";
import { attackExamples, type AttackCorpus } from "../../src/analysis/examples";
import { loadModel } from "../../src/analysis/model";
import { mulberry32, trainModel, type TrainingExample, type TrainOptions } from "../../src/analysis/train";
import type { LabelledReport } from "./datasets";
import { intoLabelSpace } from "./metrics";

export interface Dataset {
  name: string;
  reports: LabelledReport[];
  labelSpace: Set<string>;
}

export interface OutOfFold {
  dataset: string;
  fold: number;
  report: LabelledReport;
  sentences: number;
  /** Candidates by technique id. */
  candidates: Map<string, Candidate>;
}

/** Sentence-labelled reports train as sentences; document-labelled ones only through the stacker. */
export function reportExamples(list: LabelledReport[]): TrainingExample[] {
  return list.flatMap((r) => r.sentences?.map((s) => ({ text: s.text, labels: s.labels })) ?? []);
}

export function assignFolds(datasets: Dataset[], folds: number, seed: number): Map<LabelledReport, number> {
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

export function outOfFold(
  corpus: AttackCorpus,
  datasets: Dataset[],
  folds: number,
  seed: number,
  overrides: Partial<TrainOptions>,
  log: (line: string) => void,
): OutOfFold[] {
  const foldOf = assignFolds(datasets, folds, seed);
  const base = attackExamples(corpus);
  const out: OutOfFold[] = [];
  for (let k = 0; k < folds; k++) {
    const train = datasets.flatMap((d) => d.reports.filter((r) => foldOf.get(r) !== k));
    const started = performance.now();
    const model = loadModel(
      trainModel([...base, ...reportExamples(train)], { attackVersion: corpus.version, techniques: corpus.techniques, revoked: corpus.revoked, seed, ...overrides }),
    );
    for (const d of datasets) {
      for (const report of d.reports.filter((r) => foldOf.get(r) === k)) {
        const evidence = collectEvidence(report.text, model);
        const candidates = new Map<string, Candidate>();
        for (const c of evidence.candidates) candidates.set(model.techniques[c.classIndex]?.id as string, c);
        out.push({ dataset: d.name, fold: k, report, sentences: evidence.spans.length, candidates });
      }
    }
    log(`fold ${k + 1}/${folds}: sentence model trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return out;
}

/**
 * How often each technique is labelled in the given reports, as a smoothed logit: over the reports
 * whose label space can hold it (a TRAM2 report only labels its 50 techniques).
 */
export function techniquePriors(items: { report: LabelledReport; labelSpace: Set<string> }[], techniqueIds: string[]): Map<string, number> {
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
    priors.set(id, Math.log(p / (1 - p)));
  }
  return priors;
}
