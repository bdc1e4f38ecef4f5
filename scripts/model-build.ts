/**
 * npm run model:build [-- --attack BUNDLE] [--eval-dir DIR] [--out FILE]
 *
 * Builds the mapping model the product uses from an ATT&CK bundle (technique descriptions and
 * procedure examples) and the labelled reports of ../shared/data/eval, deterministically (fixed
 * seed: the same inputs give the same model). Writes gzipped JSON, by default data/model/model.json.gz.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { attackExamples } from "../src/analysis/examples";
import { trainModel, type TrainingExample, type TrainOptions } from "../src/analysis/train";
import { readAttackCorpus, readLabelledReports } from "./lib/datasets";
import { DEFAULT_MODEL } from "./lib/model-file";
import { DEFAULT_BUNDLE, flag, parseArgs, ROOT } from "./lib/wrangler";

const { flags } = parseArgs(process.argv.slice(2));
const attackFile = flag(flags, "attack") ?? DEFAULT_BUNDLE;
const evalDir = flag(flags, "eval-dir") ?? path.resolve(ROOT, "..", "shared", "data", "eval");
const out = flag(flags, "out") ?? DEFAULT_MODEL;
/** Training settings to override, as JSON (see TrainOptions), e.g. '{"maxPostingsPerFeature":32}'. */
const overrides = JSON.parse(flag(flags, "train") ?? "{}") as Partial<TrainOptions>;

const started = performance.now();
const corpus = await readAttackCorpus(attackFile);
const examples: TrainingExample[] = attackExamples(corpus);
const sources: Record<string, number> = { attack: examples.length };
const tram2 = path.join(evalDir, "tram2-train.json");
if (fs.existsSync(tram2)) {
  const { reports } = readLabelledReports(tram2);
  const sentences = reports.flatMap((r) => r.sentences ?? []).map((s) => ({ text: s.text, labels: s.labels }));
  examples.push(...sentences);
  sources.tram2 = sentences.length;
} else {
  console.error(`warning: ${tram2} not found: building from ATT&CK texts only (a weaker model)`);
}

const inputs = createHash("sha256");
for (const e of examples) inputs.update(`${e.labels.join(",")}\t${e.text}\n`);
const model = trainModel(examples, {
  attackVersion: corpus.version,
  techniques: corpus.techniques,
  revoked: corpus.revoked,
  info: { sources, inputsSha256: inputs.digest("hex") },
  ...overrides,
});
const json = JSON.stringify(model);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, gzipSync(json, { level: 9 }));
const size = fs.statSync(out).size;
console.log(
  `model for ATT&CK ${corpus.version}: ${corpus.techniques.length} techniques, ${JSON.stringify(model.info)}; ` +
    `${(json.length / 1e6).toFixed(1)} MB JSON, ${(size / 1e6).toFixed(1)} MB gzipped → ${path.relative(ROOT, out)} ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
