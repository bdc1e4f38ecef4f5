/**
 * npm run -s model:adapt -- --attack BUNDLE [--model FILE] [--out FILE]
 *
 * Carries a model (default the shipped one) to the ATT&CK version of BUNDLE without retraining,
 * the way the Worker's refresh does: kept techniques keep their weights, revoked ones hand theirs
 * to their successor, new ones get weights from their own texts. For a retrained model use
 * `npm run model:build -- --attack BUNDLE`.
 */
import fs from "node:fs";
import { gzipSync } from "node:zlib";
import { adaptModel } from "../src/analysis/adapt";
import { readAttackCorpus } from "./lib/datasets";
import { DEFAULT_MODEL, modelFileOrFail, readModelData } from "./lib/model-file";
import { fail, flag, parseArgs } from "./lib/cli";

const { flags } = parseArgs(process.argv.slice(2));
const attack =
  flag(flags, "attack") ?? fail("usage: npm run -s model:adapt -- --attack BUNDLE [--model FILE] [--out FILE]");
const corpus = await readAttackCorpus(attack);
const base = modelFileOrFail(flag(flags, "model") ?? DEFAULT_MODEL, readModelData);
const texts = new Map<string, string[]>(corpus.techniques.map((t) => [t.id, [t.description]]));
for (const p of corpus.procedures) texts.get(p.techniqueId)?.push(p.text);
const { model, newTechniques, carried } = adaptModel(base, {
  attackVersion: corpus.version,
  techniques: corpus.techniques.map((t) => ({ id: t.id, name: t.name })),
  revoked: corpus.revoked,
  textsOf: (id) => texts.get(id) ?? [],
});
const out = flag(flags, "out") ?? `model-${corpus.version}.json.gz`;
fs.writeFileSync(out, gzipSync(JSON.stringify(model), { level: 9 }));
console.log(
  `model ${base.attackVersion} → ${corpus.version}: ${newTechniques.length} new techniques, ${carried.length} carried from revoked ones → ${out}`,
);
