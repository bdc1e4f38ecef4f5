/**
 * npm run eval -- --dataset FILE [--with FILE] [--folds 5] [--seed 1] [--attack BUNDLE] [--threshold X] [--train JSON]
 *
 * Report-level k-fold cross-validation of the mapping engine: a report is never in both the
 * training and the test side. The reports of `--dataset` (and of `--with`, trained on alongside)
 * are split into folds; each fold's reports are analysed by a sentence model trained without them;
 * the document-level stacker is fitted on the other folds' candidates. Scores per-document F1 on
 * the dataset's own label space (a sub-technique counts as its parent when only the parent is
 * there), prints micro P/R/F1, a threshold sweep and the techniques with the most errors.
 */
import { STACKER_FEATURES, candidateFeatures, stackerProbability, trainStacker } from "../src/analysis/stacker";
import type { TrainOptions } from "../src/analysis/train";
import { outOfFold, techniquePriors, type Dataset, type OutOfFold } from "./lib/cross-validation";
import { readAttackCorpus, readLabelledReports } from "./lib/datasets";
import { intoLabelSpace, perLabel, score, type DocOutcome } from "./lib/metrics";
import { DEFAULT_BUNDLE, fail, flag, parseArgs } from "./lib/wrangler";

const { flags } = parseArgs(process.argv.slice(2));
const datasetFile = flag(flags, "dataset") ?? fail("usage: npm run eval -- --dataset FILE [--with FILE] [--folds 5]");
const folds = Number.parseInt(flag(flags, "folds") ?? "5", 10);
const seed = Number.parseInt(flag(flags, "seed") ?? "1", 10);
const fixedThreshold = flag(flags, "threshold");
/** Training settings to try, e.g. --train '{"positiveWeight":2}'. */
const overrides = JSON.parse(flag(flags, "train") ?? "{}") as Partial<TrainOptions>;

const corpus = await readAttackCorpus(flag(flags, "attack") ?? DEFAULT_BUNDLE);
const load = (file: string): Dataset => {
  const { kind, reports } = readLabelledReports(file);
  return { name: kind, reports, labelSpace: new Set(reports.flatMap((r) => r.labels)) };
};
const primary = load(datasetFile);
const datasets = [primary, ...(flag(flags, "with") ? [load(flag(flags, "with") as string)] : [])];
for (const d of datasets) console.log(`${d.name}: ${d.reports.length} reports, ${d.labelSpace.size} labels`);
console.log(`ATT&CK ${corpus.version}, ${folds} folds`);

const oof = outOfFold(corpus, datasets, folds, seed, overrides, console.log);
const spaceOf = new Map(datasets.map((d) => [d.name, d.labelSpace]));
const ids = corpus.techniques.map((t) => t.id);

/** Training rows of the stacker for fold k: other folds' candidates within their report's label space. */
function stackerFor(k: number) {
  const training = oof.filter((o) => o.fold !== k);
  const priors = techniquePriors(
    training.map((o) => ({ report: o.report, labelSpace: spaceOf.get(o.dataset) as Set<string> })),
    ids,
  );
  const features = (o: OutOfFold, id: string) => {
    const c = o.candidates.get(id);
    if (!c) throw new Error(`no candidate ${id}`);
    return candidateFeatures(c, o.sentences, priors.get(id) ?? 0, id.includes("."));
  };
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const o of training) {
    const space = spaceOf.get(o.dataset) as Set<string>;
    for (const id of o.candidates.keys()) {
      const label = intoLabelSpace(id, space);
      if (!label) continue; // the report's annotators could not have labelled it
      rows.push(features(o, id));
      labels.push(o.report.labels.includes(label) ? 1 : 0);
    }
  }
  return { stacker: trainStacker(rows, labels), features };
}

type Scored = { gold: Set<string>; noisyOr: Map<string, number>; stacked: Map<string, number> };
const scored = new Map<string, Scored[]>(datasets.map((d) => [d.name, []]));
for (let k = 0; k < folds; k++) {
  const { stacker, features } = stackerFor(k);
  for (const o of oof.filter((x) => x.fold === k)) {
    const space = spaceOf.get(o.dataset) as Set<string>;
    const noisyOr = new Map<string, number>();
    const stacked = new Map<string, number>();
    for (const [id, c] of o.candidates) {
      const label = intoLabelSpace(id, space);
      if (!label) continue;
      const p = Math.max(stackerProbability(stacker, features(o, id)), c.idMentions > 0 ? 0.98 : 0);
      noisyOr.set(label, Math.max(noisyOr.get(label) ?? 0, c.noisyOr));
      stacked.set(label, Math.max(stacked.get(label) ?? 0, p));
    }
    scored.get(o.dataset)?.push({ gold: new Set(o.report.labels.filter((l) => space.has(l))), noisyOr, stacked });
  }
  if (k === folds - 1) {
    console.log(`stacker weights (fold ${k + 1}): ${STACKER_FEATURES.map((f, i) => `${f} ${stacker.weights[i]?.toFixed(2)}`).join(", ")}, bias ${stacker.bias.toFixed(2)}`);
  }
}

const at = (list: Scored[], which: "noisyOr" | "stacked", threshold: number): DocOutcome[] =>
  list.map((s) => ({ gold: s.gold, predicted: new Set([...s[which]].filter(([, c]) => c >= threshold).map(([l]) => l)) }));

for (const d of datasets) {
  const list = scored.get(d.name) as Scored[];
  let best = { threshold: 0.5, docF1: -1 };
  console.log(`\n${d.name}\nthreshold  noisy-or doc-F1 | stacker doc-F1  micro-P  micro-R  micro-F1`);
  for (let t = 0.1; t <= 0.951; t += 0.05) {
    const plain = score(at(list, "noisyOr", t));
    const s = score(at(list, "stacked", t));
    if (s.docF1 > best.docF1) best = { threshold: Math.round(t * 100) / 100, docF1: s.docF1 };
    console.log(`${t.toFixed(2).padStart(9)}  ${plain.docF1.toFixed(3)}           | ${s.docF1.toFixed(3)}           ${s.microP.toFixed(3)}    ${s.microR.toFixed(3)}    ${s.microF1.toFixed(3)}`);
  }
  const chosen = fixedThreshold ? Number(fixedThreshold) : best.threshold;
  const final = score(at(list, "stacked", chosen));
  console.log(`${d.name}: doc-F1 ${final.docF1.toFixed(3)} at threshold ${chosen} over ${final.docs} reports with labels; ` +
    `micro P ${final.microP.toFixed(3)} R ${final.microR.toFixed(3)} F1 ${final.microF1.toFixed(3)}`);
  const worst = [...perLabel(at(list, "stacked", chosen))]
    .map(([label, c]) => ({ label, ...c, errors: c.fp + c.fn, f1: c.tp ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0 }))
    .sort((a, b) => b.errors - a.errors)
    .slice(0, 10);
  console.log("worst techniques (most errors): label  tp  fp  fn  f1");
  for (const w of worst) console.log(`  ${w.label.padEnd(10)} ${String(w.tp).padStart(3)} ${String(w.fp).padStart(3)} ${String(w.fn).padStart(3)}  ${w.f1.toFixed(2)}`);
}
