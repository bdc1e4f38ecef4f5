/**
 * npm run eval -- --dataset FILE [--folds 5] [--seed 1] [--attack BUNDLE] [--with FILE] [--threshold X]
 *
 * Report-level k-fold cross-validation of the mapping engine: a report is never in both the
 * training and the test side. Each fold trains a model on ATT&CK's texts plus the training
 * reports (sentence labels of TRAM2-style sets; `--with` adds a whole other set to every fold's
 * training), analyses the held-out reports as the CLI would, and scores per-document F1 on the
 * dataset's own label space. Prints doc-F1, micro P/R/F1, a threshold sweep and the worst techniques.
 */
import { attackExamples } from "../src/analysis/examples";
import { analyzeText } from "../src/analysis/engine";
import { loadModel } from "../src/analysis/model";
import { mulberry32, trainModel, type TrainingExample, type TrainOptions } from "../src/analysis/train";
import { readAttackCorpus, readLabelledReports, type LabelledReport } from "./lib/datasets";
import { intoLabelSpace, perLabel, score, type DocOutcome } from "./lib/metrics";
import { DEFAULT_BUNDLE, fail, flag, parseArgs } from "./lib/wrangler";

const { flags } = parseArgs(process.argv.slice(2));
const datasetFile = flag(flags, "dataset") ?? fail("usage: npm run eval -- --dataset FILE [--folds 5] [--with FILE]");
const folds = Number.parseInt(flag(flags, "folds") ?? "5", 10);
const seed = Number.parseInt(flag(flags, "seed") ?? "1", 10);
const fixedThreshold = flag(flags, "threshold");
/** Training settings to try, e.g. --train '{"pruneBelow":0.1,"maxPostingsPerFeature":32}'. */
const trainOverrides = JSON.parse(flag(flags, "train") ?? "{}") as Partial<TrainOptions>;

const corpus = await readAttackCorpus(flag(flags, "attack") ?? DEFAULT_BUNDLE);
const { kind, reports } = readLabelledReports(datasetFile);
const extra = flag(flags, "with") ? readLabelledReports(flag(flags, "with") as string).reports : [];
const labelSpace = new Set(reports.flatMap((r) => r.labels));
console.log(`${datasetFile}: ${kind}, ${reports.length} reports, ${labelSpace.size} labels; ATT&CK ${corpus.version}, ${folds} folds`);

/** Sentence-labelled reports train as sentences; document-labelled ones are not used for training yet. */
function reportExamples(list: LabelledReport[]): TrainingExample[] {
  return list.flatMap((r) => r.sentences?.map((s) => ({ text: s.text, labels: s.labels })) ?? []);
}

const base = attackExamples(corpus);
const order = reports.map((_, i) => i);
const random = mulberry32(seed);
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j] as number, order[i] as number];
}

/** Every held-out report with all its candidate labels and their confidences. */
const scored: { gold: Set<string>; candidates: Map<string, number> }[] = [];
let analysedChars = 0;
let analysisMs = 0;
for (let k = 0; k < folds; k++) {
  const test = order.filter((_, i) => i % folds === k).map((i) => reports[i] as LabelledReport);
  const train = order.filter((_, i) => i % folds !== k).map((i) => reports[i] as LabelledReport);
  const started = performance.now();
  const model = loadModel(
    trainModel([...base, ...reportExamples(train), ...reportExamples(extra)], {
      attackVersion: corpus.version,
      techniques: corpus.techniques,
      revoked: corpus.revoked,
      seed,
      ...trainOverrides,
    }),
  );
  const trainedMs = performance.now() - started;
  for (const r of test) {
    const t0 = performance.now();
    const result = analyzeText(r.text, model, { includeBelowThreshold: true });
    analysisMs += performance.now() - t0;
    analysedChars += r.text.length;
    const candidates = new Map<string, number>();
    for (const t of result.techniques) {
      const label = intoLabelSpace(t.id, labelSpace);
      if (label) candidates.set(label, Math.max(candidates.get(label) ?? 0, t.confidence));
    }
    scored.push({ gold: new Set(r.labels.filter((l) => labelSpace.has(l))), candidates });
  }
  console.log(`fold ${k + 1}/${folds}: trained in ${(trainedMs / 1000).toFixed(1)} s, ${test.length} reports held out`);
}

const at = (threshold: number): DocOutcome[] =>
  scored.map(({ gold, candidates }) => ({
    gold,
    predicted: new Set([...candidates].filter(([, c]) => c >= threshold).map(([l]) => l)),
  }));

console.log("\nthreshold  doc-F1  micro-P  micro-R  micro-F1");
let best = { threshold: 0.5, docF1: -1 };
for (let t = 0.1; t <= 0.951; t += 0.05) {
  const s = score(at(t));
  if (s.docF1 > best.docF1) best = { threshold: Math.round(t * 100) / 100, docF1: s.docF1 };
  console.log(`${t.toFixed(2).padStart(9)}  ${s.docF1.toFixed(3)}   ${s.microP.toFixed(3)}    ${s.microR.toFixed(3)}    ${s.microF1.toFixed(3)}`);
}
const chosen = fixedThreshold ? Number(fixedThreshold) : best.threshold;
const final = score(at(chosen));
console.log(`\ndoc-F1 ${final.docF1.toFixed(3)} at threshold ${chosen} over ${final.docs} reports with labels; ` +
  `micro P ${final.microP.toFixed(3)} R ${final.microR.toFixed(3)} F1 ${final.microF1.toFixed(3)}`);
console.log(`analysis speed: ${(analysedChars / 1e6 / (analysisMs / 1000)).toFixed(1)} MB/s over ${(analysedChars / 1e6).toFixed(1)} MB`);

const worst = [...perLabel(at(chosen))]
  .map(([label, c]) => ({ label, ...c, errors: c.fp + c.fn, f1: c.tp ? (2 * c.tp) / (2 * c.tp + c.fp + c.fn) : 0 }))
  .sort((a, b) => b.errors - a.errors)
  .slice(0, 15);
console.log("\nworst techniques (most errors): label  tp  fp  fn  f1");
for (const w of worst) console.log(`  ${w.label.padEnd(10)} ${String(w.tp).padStart(3)} ${String(w.fp).padStart(3)} ${String(w.fn).padStart(3)}  ${w.f1.toFixed(2)}`);
