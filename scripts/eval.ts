/**
 * npm run eval -- --dataset FILE [--with FILE] [--folds 5] [--seed 1] [--attack BUNDLE] [--threshold X] [--train JSON] [--pseudo-labels] [--no-lexicon | --lexicon JSON] [--no-head | --head JSON] [--renderings pdf,html | --no-renderings]
 *
 * Report-level k-fold cross-validation of the mapping engine: a report is never in both the
 * training and the test side. The reports of `--dataset` (and of `--with`, trained on alongside)
 * are split into folds; each fold's reports are analysed by a sentence model trained without them,
 * and scored by the document-level stacker (with its per-technique offsets) fitted without them. Prints per-document F1 on each
 * dataset's own label space (a sub-technique counts as its parent when only the parent is there),
 * micro P/R/F1, a threshold sweep and the techniques with the most errors. Each test report is
 * also rendered as a PDF and as a web page, extracted back to text and scored the same way
 * (rendered-eval.ts): doc-F1 per rendering and the shape of the evidence shown.
 */
import type { HeadOptions } from "../src/analysis/head";
import type { LexiconOptions } from "../src/analysis/lexicon";
import { expectedF1Count } from "./lib/decision";
import { STACKER_FEATURES } from "../src/analysis/stacker";
import type { TrainOptions } from "../src/analysis/train";
import {
  chooseDecision,
  fitStacker,
  heldOutScores,
  heldOutStacked,
  outOfFold,
  predictedAsAnnotated,
  predictedAt,
  THRESHOLDS,
  type OutOfFold,
} from "./lib/cross-validation";
import { inCurrentIds, readAttackCorpus, readDataset } from "./lib/datasets";
import { perLabel, score } from "./lib/metrics";
import { DEFAULT_BUNDLE, fail, flag, parseArgs } from "./lib/cli";
import { runProbes } from "./lib/probes";

// --probes: the product model on our own probe sets (scripts/lib/probes.ts); needs no --dataset.
if (process.argv.includes("--probes")) process.exit(runProbes(process.argv.slice(2)));
import { chosenRenderings, evidenceStats, renderAll, renderedViews } from "./lib/rendered-eval";

const GOLD_SIZES = [
  [1, 2],
  [3, 5],
  [6, 10],
  [11, 20],
  [21, Infinity],
] as const;

const started = performance.now();
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
const renderings = chosenRenderings(flags, console.log);
const rendered = renderings.length > 0 ? await renderAll(datasets, renderings, console.log) : null;

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
  rendered ? (r) => rendered.get(r) : undefined,
);
const spaceOf = new Map(datasets.map((d) => [d.name, d.labelSpace]));
const ids = corpus.techniques.map((t) => t.id);
const annotatedSpaceOf = new Map(
  datasets.flatMap((d) => (d.annotatedSpace ? [[d.name, d.annotatedSpace] as const] : [])),
);
// One held-out stacker per fold scores the plain text and the renderings alike.
const views = new Map(renderings.map((r) => [r, renderedViews(oof, r)]));
const allStacked = heldOutStacked(oof, spaceOf, ids, folds, (o) => [
  o,
  ...renderings.flatMap((r) => views.get(r)?.get(o) ?? []),
]);
const stacked = new Map(oof.map((o) => [o, allStacked.get(o) as Map<string, number>]));
const decision = chooseDecision(oof, spaceOf, ids, folds, annotatedSpaceOf, stacked);
const chosen = fixedThreshold ? Number(fixedThreshold) : decision.threshold;
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
  // The per-report decision that maximises expected F1 instead of one threshold (scripts/lib/decision.ts).
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

if (renderings.length > 0) {
  const columns = ["text", ...renderings] as const;
  const viewsOf = (r: (typeof columns)[number]): OutOfFold[] =>
    r === "text" ? oof : [...(views.get(r)?.values() ?? [])];
  const scoredAs = new Map(
    columns.map((r) => {
      const subset = new Map(viewsOf(r).map((v) => [v, allStacked.get(v) as Map<string, number>]));
      return [r, r === "text" ? scored : heldOutScores(subset, spaceOf, decision.headWeight, annotatedSpaceOf)];
    }),
  );
  const head = `renderings (doc-F1 at threshold ${chosen}):`;
  console.log(`\n${head.padEnd(40)}${columns.map((c) => c.padEnd(7)).join("")}`);
  for (const d of datasets) {
    const cells = columns.map((c) => score(predictedAt(scoredAs.get(c)?.get(d.name) ?? [], "stacked", chosen)).docF1);
    console.log(`${d.name.padEnd(40)}${cells.map((f) => f.toFixed(3).padEnd(7)).join("")}`);
  }
  const textOf = (r: (typeof columns)[number]) => (o: OutOfFold) =>
    r === "text" ? o.report.text : (rendered?.get(o.report)?.get(r) ?? "");
  console.log(
    "\nevidence of the techniques asserted (top 3 sentences each; short: under 4 words, no ATT&CK id, not a table row)",
  );
  console.log("  rendering  sentences/report  asserted  evidence  short          not verbatim");
  const examples: string[] = [];
  for (const r of columns) {
    const s = evidenceStats(viewsOf(r), allStacked, textOf(r), spaceOf, decision.headWeight, chosen);
    const share = `(${((100 * s.short) / Math.max(1, s.evidence)).toFixed(1)}%)`;
    console.log(
      `  ${r.padEnd(9)}  ${s.sentences.toFixed(1).padStart(16)}  ${String(s.asserted).padStart(8)}  ${String(s.evidence).padStart(8)}  ${String(s.short).padStart(5)} ${share.padEnd(8)}  ${String(s.notVerbatim).padStart(12)}`,
    );
    // Spread over the reports rather than the first report's eight.
    const step = Math.ceil(s.examples.length / 8);
    for (const e of s.examples.filter((_, i) => i % step === 0))
      examples.push(
        `  ${r} ${e.dataset} ${e.id}: ${JSON.stringify(e.text.slice(0, 100))} in line ${JSON.stringify(e.line.slice(0, 120))}`,
      );
  }
  if (examples.length > 0) console.log(`short evidence, examples:\n${examples.join("\n")}`);
}
console.log(`\neval ran in ${((performance.now() - started) / 1000).toFixed(0)} s`);
