/**
 * npm run eval -- --dataset FILE [--with FILE] [--folds 5] [--seed 1] [--attack BUNDLE] [--threshold X] [--train JSON] [--pseudo-labels] [--no-lexicon | --lexicon JSON] [--no-head | --head JSON]
 *
 * Report-level k-fold cross-validation of the mapping engine: a report is never in both the
 * training and the test side. The reports of `--dataset` (and of `--with`, trained on alongside)
 * are split into folds; each fold's reports are analysed by a sentence model trained without them,
 * and scored by the document-level stacker (with its per-technique offsets) fitted without them. Prints per-document F1 on each
 * dataset's own label space (a sub-technique counts as its parent when only the parent is there),
 * micro P/R/F1, a threshold sweep and the techniques with the most errors.
 */
import type { HeadOptions } from "../src/analysis/head";
import type { LexiconOptions } from "../src/analysis/lexicon";
import { expectedF1Count } from "../src/analysis/decision";
import { STACKER_FEATURES } from "../src/analysis/stacker";
import type { TrainOptions } from "../src/analysis/train";
import {
  chooseDecision,
  fitStacker,
  outOfFold,
  predictedAsAnnotated,
  predictedAt,
  THRESHOLDS,
} from "./lib/cross-validation";
import { inCurrentIds, readAttackCorpus, readDataset } from "./lib/datasets";
import { perLabel, score } from "./lib/metrics";
import { DEFAULT_BUNDLE, fail, flag, parseArgs } from "./lib/cli";
import { runProbes } from "./lib/probes";

// --probes: the product model on our own probe sets (scripts/lib/probes.ts); needs no --dataset.
if (process.argv.includes("--probes")) process.exit(runProbes(process.argv.slice(2)));

const GOLD_SIZES = [
  [1, 2],
  [3, 5],
  [6, 10],
  [11, 20],
  [21, Infinity],
] as const;

const { flags } = parseArgs(process.argv.slice(2));
const datasetFile = flag(flags, "dataset") ?? fail("usage: npm run eval -- --dataset FILE [--with FILE] [--folds 5]");
const folds = Number.parseInt(flag(flags, "folds") ?? "5", 10);
const seed = Number.parseInt(flag(flags, "seed") ?? "1", 10);
const fixedThreshold = flag(flags, "threshold");
/** Training settings to try, e.g. --train '{"positiveWeight":2}'. */
const overrides = JSON.parse(flag(flags, "train") ?? "{}") as Partial<TrainOptions>;

const corpus = await readAttackCorpus(flag(flags, "attack") ?? DEFAULT_BUNDLE);
const withFile = flag(flags, "with");
const datasets = [readDataset(datasetFile), ...(withFile ? [readDataset(withFile)] : [])].map((d) =>
  inCurrentIds(d, corpus.revoked),
);
for (const d of datasets) {
  const mapped = d.annotatedSpace ? [...d.annotatedSpace].filter((l) => !d.labelSpace.has(l)) : [];
  console.log(
    `${d.name}: ${d.reports.length} reports, ${d.labelSpace.size} labels${mapped.length ? ` (gold ids revoked since annotation, scored as their successors: ${mapped.join(", ")})` : ""}`,
  );
}
console.log(`ATT&CK ${corpus.version}, ${folds} folds`);

const oof = outOfFold(
  corpus,
  datasets,
  folds,
  seed,
  {
    train: overrides,
    pseudoLabels: flags["pseudo-labels"] === true,
    maskUnannotated: flags["mask-unannotated"] === true,
    // The report head as model:build makes it, unless left out; --head '{"charGrams":0}' tries other settings.
    ...(flags["no-head"] === true ? {} : { head: JSON.parse(flag(flags, "head") ?? "{}") as Partial<HeadOptions> }),
    ...(flags["no-lexicon"] === true
      ? { lexicon: false as const }
      : { lexicon: JSON.parse(flag(flags, "lexicon") ?? "{}") as LexiconOptions }),
  },
  console.log,
);
const spaceOf = new Map(datasets.map((d) => [d.name, d.labelSpace]));
const ids = corpus.techniques.map((t) => t.id);
const annotatedSpaceOf = new Map(
  datasets.flatMap((d) => (d.annotatedSpace ? [[d.name, d.annotatedSpace] as const] : [])),
);
const decision = chooseDecision(oof, spaceOf, ids, folds, annotatedSpaceOf);
const scored = decision.scored;
if (decision.tried.length > 1) {
  console.log(
    `report head weight (mean doc-F1 at its best shared threshold): ${decision.tried.map((t) => `${t.headWeight} ${t.mean.toFixed(3)} at ${t.threshold}`).join(", ")}; chosen ${decision.headWeight}`,
  );
}
const { stacker, offsets } = fitStacker(oof, spaceOf, ids);
console.log(
  `stacker weights (all folds): ${STACKER_FEATURES.map((f, i) => `${f} ${stacker.weights[i]?.toFixed(2)}`).join(", ")}, bias ${stacker.bias.toFixed(2)}`,
);
const byOffset = [...offsets].sort((a, b) => a[1] - b[1]);
const show = (list: [string, number][]) => list.map(([id, b]) => `${id} ${b.toFixed(2)}`).join(", ");
console.log(`technique offsets: lowest ${show(byOffset.slice(0, 8))}; highest ${show(byOffset.slice(-8).reverse())}`);

for (const d of datasets) {
  const list = scored.get(d.name) ?? [];
  console.log(`\n${d.name}\nthreshold  noisy-or doc-F1 | stacker doc-F1  micro-P  micro-R  micro-F1`);
  let best = { threshold: 0.5, docF1: -1 };
  for (const t of THRESHOLDS) {
    const plain = score(predictedAt(list, "noisyOr", t));
    const s = score(predictedAt(list, "stacked", t));
    if (s.docF1 > best.docF1) best = { threshold: t, docF1: s.docF1 };
    console.log(
      `${t.toFixed(2).padStart(9)}  ${plain.docF1.toFixed(3)}           | ${s.docF1.toFixed(3)}           ${s.microP.toFixed(3)}    ${s.microR.toFixed(3)}    ${s.microF1.toFixed(3)}`,
    );
  }
  const chosen = fixedThreshold ? Number(fixedThreshold) : decision.threshold;
  const outcomes = predictedAt(list, "stacked", chosen);
  const final = score(outcomes);
  console.log(
    `${d.name}: doc-F1 ${final.docF1.toFixed(3)} at threshold ${chosen} (${fixedThreshold ? "given" : "shared by the datasets"}; ` +
      `its own best: ${best.docF1.toFixed(3)} at ${best.threshold}) over ${final.docs} reports with labels; ` +
      `micro P ${final.microP.toFixed(3)} R ${final.microR.toFixed(3)} F1 ${final.microF1.toFixed(3)}`,
  );
  if (d.annotatedSpace) {
    const asAnnotated = score(predictedAsAnnotated(list, chosen));
    console.log(
      `${d.name}: doc-F1 ${asAnnotated.docF1.toFixed(3)} against the ids as annotated (a revoked id's successor predicted does not count)`,
    );
  }
  // The per-report decision that maximises expected F1 instead of one threshold (src/analysis/decision.ts).
  const byExpectedF1 = list.map((x) => {
    const ranked = [...x.stacked].sort((p, q) => q[1] - p[1]);
    const k = expectedF1Count(ranked.map(([, c]) => c));
    return { gold: x.gold, predicted: new Set(ranked.slice(0, k).map(([l]) => l)) };
  });
  console.log(`${d.name}: doc-F1 ${score(byExpectedF1).docF1.toFixed(3)} deciding per report by expected F1`);
  const worst = [...perLabel(outcomes)]
    .map(([label, c]) => ({ label, ...c, errors: c.fp + c.fn, f1: c.tp ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0 }))
    .sort((a, b) => b.errors - a.errors)
    .slice(0, 10);
  console.log("worst techniques (most errors): label  tp  fp  fn  f1");
  for (const w of worst)
    console.log(
      `  ${w.label.padEnd(10)} ${String(w.tp).padStart(3)} ${String(w.fp).padStart(3)} ${String(w.fn).padStart(3)}  ${w.f1.toFixed(2)}`,
    );
  // Doc-F1 weighs a report with one label like one with thirty: show where the loss sits.
  console.log("by gold labels per report: labels  reports  doc-F1  predicted  gold (means per report)");
  for (const [lo, hi] of GOLD_SIZES) {
    const group = outcomes.filter((o) => o.gold.size >= lo && o.gold.size <= hi);
    if (group.length === 0) continue;
    const mean = (f: (o: (typeof group)[number]) => number) =>
      (group.reduce((s, o) => s + f(o), 0) / group.length).toFixed(1);
    const range = hi === Infinity ? `${lo}+` : `${lo}-${hi}`;
    console.log(
      `  ${range.padEnd(6)} ${String(group.length).padStart(8)}  ${score(group).docF1.toFixed(3)}  ${mean((o) => o.predicted.size).padStart(9)}  ${mean((o) => o.gold.size).padStart(5)}`,
    );
  }
}
