/**
 * npm run model:build [-- --attack BUNDLE] [--eval-dir DIR] [--out FILE] [--no-feedback] [--persist-to DIR] [--char-grams N] [--no-head] [--head-char-grams N]
 *
 * Builds the mapping model the product uses, deterministically (fixed seed: the same inputs give
 * the same bytes):
 *  1. 5-fold cross-validation over the labelled reports of ../shared/data/eval (TRAM2 sentence
 *     labels, AnnoCTR document labels): out-of-fold technique evidence for every report;
 *  2. the document-level stacker, technique priors and per-technique offsets fitted on that
 *     evidence; then the one default threshold and the report head's weight in a head technique's
 *     score that give the best mean held-out doc-F1 over the datasets;
 *  3. the sentence model trained on everything: ATT&CK's technique descriptions and procedure
 *     examples, the reports, and analysts' feedback stored in the local D1; and the report head
 *     (head.ts, words and character 4-grams), trained on the labelled report sentences and the
 *     feedback only.
 * Writes gzipped JSON, by default data/model/model.json.gz. `--no-head` leaves the head out and
 * `--head-char-grams N` sets its n-gram size (0: words only). `--char-grams 4` adds a block of
 * character n-grams to the main model: in cross-validation about +0.005 doc-F1 on TRAM2 and +0.01
 * on AnnoCTR, at about half the analysis speed, so the default leaves it out.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { encodeArray } from "../src/analysis/model";
import type { TrainingExample } from "../src/analysis/train";
import { buildSentenceModel, chooseDecision, fitStacker, outOfFold, type BuildSettings } from "./lib/cross-validation";
import { defaultDatasets, EVAL_DIR, inCurrentIds, readAttackCorpus } from "./lib/datasets";
import { localFeedbackExamples } from "./lib/feedback-source";
import { DEFAULT_MODEL } from "./lib/model-file";
import { DEFAULT_BUNDLE, fail, flag, parseArgs, ROOT } from "./lib/cli";

const SEED = 1;
const FOLDS = 5;

const { flags } = parseArgs(process.argv.slice(2));
const attackFile = flag(flags, "attack") ?? DEFAULT_BUNDLE;
const evalDir = flag(flags, "eval-dir") ?? EVAL_DIR;
const out = flag(flags, "out") ?? DEFAULT_MODEL;
const log = (line: string) => console.error(line);
const gramSize = (name: string) => {
  const size = Number.parseInt(flag(flags, name) ?? "0", 10);
  return size >= 0 && size <= 8 ? size : fail(`--${name}: a size from 1 to 8, or 0 for none`);
};
const charGrams = gramSize("char-grams");
const headCharGrams = flag(flags, "head-char-grams") === undefined ? undefined : gramSize("head-char-grams");
/** What cross-validation chose (see the closing notes of the accuracy work), and the optional n-gram block. */
const withHead = flags["no-head"] !== true;
const SETTINGS: BuildSettings = {
  pseudoLabels: false,
  ...(charGrams ? { train: { charGrams } } : {}),
  ...(withHead ? { head: headCharGrams === undefined ? {} : { charGrams: headCharGrams } } : {}),
};

const started = performance.now();
const corpus = await readAttackCorpus(attackFile);
// Gold ids revoked since annotation train the stacker as their successors, the ids the model predicts.
const datasets = defaultDatasets(evalDir).map((d) => inCurrentIds(d, corpus.revoked));
if (datasets.length === 0)
  log(`warning: no labelled reports in ${evalDir}: building from ATT&CK texts only (a weaker model, no stacker)`);
const feedback: TrainingExample[] = flags["no-feedback"] ? [] : await localFeedbackExamples(flag(flags, "persist-to"));
if (feedback.length) log(`${feedback.length} analyst feedback examples from the local D1`);

const ids = corpus.techniques.map((t) => t.id);
let decision: {
  stacker?: ReturnType<typeof fitStacker>;
  threshold: number;
  headWeight: number;
  heldOutDocF1: Record<string, number>;
} = { threshold: 0.5, headWeight: 0, heldOutDocF1: {} };
if (datasets.length) {
  const oof = outOfFold(corpus, datasets, FOLDS, SEED, SETTINGS, log);
  const spaceOf = new Map(datasets.map((d) => [d.name, d.labelSpace]));
  const chosen = chooseDecision(oof, spaceOf, ids, FOLDS);
  decision = {
    stacker: fitStacker(oof, spaceOf, ids),
    threshold: chosen.threshold,
    headWeight: chosen.headWeight,
    heldOutDocF1: chosen.docF1,
  };
  log(
    `held-out doc-F1 at threshold ${chosen.threshold}${withHead ? ` and head weight ${chosen.headWeight}` : ""}: ${JSON.stringify(chosen.docF1)}`,
  );
}

const reports = datasets.flatMap((d) => d.reports);
const inputs = createHash("sha256");
for (const r of reports) inputs.update(`${r.labels.join(",")}\t${r.text}\n`);
for (const e of feedback) inputs.update(`${e.labels.join(",")}\t${e.text}\n`);
const model = buildSentenceModel(
  corpus,
  reports,
  SEED,
  {
    ...SETTINGS,
    train: {
      ...SETTINGS.train,
      threshold: decision.threshold,
      info: {
        reports: reports.length,
        feedback: feedback.length,
        inputsSha256: inputs.digest("hex"),
        heldOutDocF1: decision.heldOutDocF1,
      },
    },
  },
  feedback,
);
if (decision.stacker) {
  model.stacker = decision.stacker.stacker;
  model.priors = encodeArray(Float32Array.from(model.techniques.map((t) => decision.stacker?.priors.get(t.id) ?? 0)));
  model.offsets = encodeArray(Float32Array.from(model.techniques.map((t) => decision.stacker?.offsets.get(t.id) ?? 0)));
  if (model.head && decision.headWeight > 0) model.headWeight = decision.headWeight;
}
const json = JSON.stringify(model);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, gzipSync(json, { level: 9 }));
console.log(
  `model for ATT&CK ${corpus.version}: ${corpus.techniques.length} techniques, threshold ${decision.threshold}, ${JSON.stringify(model.info)}; ` +
    `${(json.length / 1e6).toFixed(1)} MB JSON, ${(fs.statSync(out).size / 1e6).toFixed(1)} MB gzipped → ${path.relative(ROOT, out)} ` +
    `in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
