/**
 * @module `npm run eval -- --probes [--model FILE] [--probe-dir DIR] [--verbose] [--json]`: the product
 * model on the probe sets of test/fixtures/probes, sentences in our own words (see its README).
 * Per split (tune, heldout): textbook recall and extra techniques, alone and ten to a report;
 * context false-positive rates per class; the controls' recall. `--verbose` lists the tune split's
 * failures; `--json` prints the whole summary, failures of both splits included, as one JSON object.
 */
import path from "node:path";
import { analyzeText, type MatchMethod } from "../../src/analysis/engine";
import type { Model } from "../../src/analysis/model";
import { fail, fileExists, flag, parseArgs } from "./cli";
import { DEFAULT_MODEL, modelFileOrFail, readModel } from "./model-file";
import { checkProbeOverlap, formatOverlap, OVERLAP_WORDS, type Overlap } from "./probe-overlap";
import {
  CONTEXT_CLASSES,
  extrasOf,
  forbiddenAsserted,
  PROBES_DIR,
  probeHit,
  readProbeSets,
  reportGroups,
  SPLITS,
  type ContextProbe,
  type ControlProbe,
  type ProbeSets,
  type Split,
  type TextbookProbe,
} from "./probe-sets";

/** Ids asserted for a text, each with how (explicit id, name, model), as `T1059.001(name)` in failures. */
type Asserted = Map<string, MatchMethod>;

interface Rate {
  probes: number;
  hits: number;
  rate: number;
}

/** One failing probe: what it wanted (or forbade) and what was asserted. */
export interface ProbeFailure {
  id: string;
  kind: "textbook" | "lost_in_report" | "context" | "control";
  class?: string;
  text: string;
  /** Techniques missed (textbook, control) or forbidden and asserted (context). */
  ids: string[];
  asserted: string[];
}

export interface SplitSummary {
  split: Split;
  textbook: Rate & { meanExtras: number; byTactic: Record<string, Rate> };
  reports: Rate & {
    reports: number;
    meanExtrasPerReport: number;
    /** The extras of the same probes analysed alone, summed per report, averaged. */
    meanAloneExtrasPerReport: number;
    /** Probes asserted alone but not in their report, and the reverse. */
    lost: number;
    gained: number;
  };
  /** Per class, `hits` are false positives. */
  context: Record<string, Rate> & { overall: Rate };
  controls: Rate;
  /** Extra techniques asserted for textbook probes alone, most frequent first. */
  topExtras: [string, number][];
  failures: ProbeFailure[];
}

export interface ProbesSummary {
  model: string;
  attackVersion: string;
  counts: { textbook: number; context: number; controls: number };
  overlaps: Overlap[];
  splits: SplitSummary[];
}

function assertedBy(text: string, model: Model): Asserted {
  return new Map(analyzeText(text, model).techniques.map((t) => [t.id, t.method]));
}

const rate = (hits: number, probes: number): Rate => ({ probes, hits, rate: probes ? hits / probes : 0 });
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const shown = (a: Asserted) => [...a].map(([id, method]) => (method === "model" ? id : `${id}(${method})`));

function missing(probe: { techniques: string[]; alsoAccept?: string[] }, asserted: Asserted): string[] {
  const set = new Set(asserted.keys());
  return probe.techniques.filter((t) => !probeHit({ techniques: [t], alsoAccept: probe.alsoAccept }, set));
}

function textbookPart(probes: TextbookProbe[], model: Model, failures: ProbeFailure[]) {
  const alone = new Map<string, { hit: boolean; extras: string[] }>();
  const byTactic: Record<string, Rate> = {};
  const extraCounts = new Map<string, number>();
  for (const p of probes) {
    const asserted = assertedBy(p.text, model);
    const hit = probeHit(p, new Set(asserted.keys()));
    const extras = extrasOf([p], asserted.keys());
    alone.set(p.id, { hit, extras });
    for (const e of extras) extraCounts.set(e, (extraCounts.get(e) ?? 0) + 1);
    const t = (byTactic[p.tactic] ??= rate(0, 0));
    byTactic[p.tactic] = rate(t.hits + (hit ? 1 : 0), t.probes + 1);
    if (!hit)
      failures.push({ id: p.id, kind: "textbook", text: p.text, ids: missing(p, asserted), asserted: shown(asserted) });
  }
  const hits = [...alone.values()].filter((a) => a.hit).length;
  const topExtras = [...extraCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 15);
  return {
    alone,
    topExtras,
    summary: {
      ...rate(hits, probes.length),
      meanExtras: mean([...alone.values()].map((a) => a.extras.length)),
      byTactic,
    },
  };
}

function reportsPart(
  probes: TextbookProbe[],
  alone: Map<string, { hit: boolean; extras: string[] }>,
  model: Model,
  failures: ProbeFailure[],
): SplitSummary["reports"] {
  const groups = reportGroups(probes);
  let hits = 0;
  let lost = 0;
  let gained = 0;
  const extras: number[] = [];
  const aloneExtras: number[] = [];
  for (const group of groups) {
    const asserted = assertedBy(group.map((p) => p.text).join("\n\n"), model);
    const set = new Set(asserted.keys());
    extras.push(extrasOf(group, set).length);
    aloneExtras.push(group.reduce((n, p) => n + (alone.get(p.id)?.extras.length ?? 0), 0));
    for (const p of group) {
      const hit = probeHit(p, set);
      const wasHit = alone.get(p.id)?.hit ?? false;
      if (hit) hits++;
      if (hit && !wasHit) gained++;
      if (!hit && wasHit) {
        lost++;
        // Only what the probe's own sentence lost: the report's other assertions would drown it.
        failures.push({ id: p.id, kind: "lost_in_report", text: p.text, ids: missing(p, asserted), asserted: [] });
      }
    }
  }
  return {
    ...rate(hits, probes.length),
    reports: groups.length,
    meanExtrasPerReport: mean(extras),
    meanAloneExtrasPerReport: mean(aloneExtras),
    lost,
    gained,
  };
}

function contextPart(probes: ContextProbe[], model: Model, failures: ProbeFailure[]): SplitSummary["context"] {
  const byClass: Record<string, Rate> = {};
  let falsePositives = 0;
  for (const c of CONTEXT_CLASSES) byClass[c] = rate(0, 0);
  for (const p of probes) {
    const asserted = assertedBy(p.text, model);
    const forbidden = forbiddenAsserted(p.mustNot, asserted.keys());
    const r = byClass[p.class] as Rate;
    byClass[p.class] = rate(r.hits + (forbidden.length ? 1 : 0), r.probes + 1);
    if (forbidden.length) {
      falsePositives++;
      failures.push({
        id: p.id,
        kind: "context",
        class: p.class,
        text: p.text,
        ids: forbidden,
        asserted: shown(asserted),
      });
    }
  }
  return { ...byClass, overall: rate(falsePositives, probes.length) };
}

function controlsPart(probes: ControlProbe[], model: Model, failures: ProbeFailure[]): Rate {
  let hits = 0;
  for (const p of probes) {
    const asserted = assertedBy(p.text, model);
    if (probeHit(p, new Set(asserted.keys()))) hits++;
    else
      failures.push({ id: p.id, kind: "control", text: p.text, ids: missing(p, asserted), asserted: shown(asserted) });
  }
  return rate(hits, probes.length);
}

export function evaluateSplit(sets: ProbeSets, split: Split, model: Model): SplitSummary {
  const failures: ProbeFailure[] = [];
  const textbook = sets.textbook.filter((p) => p.split === split);
  const { alone, summary, topExtras } = textbookPart(textbook, model, failures);
  return {
    split,
    textbook: summary,
    reports: reportsPart(textbook, alone, model, failures),
    context: contextPart(
      sets.context.filter((p) => p.split === split),
      model,
      failures,
    ),
    controls: controlsPart(
      sets.controls.filter((p) => p.split === split),
      model,
      failures,
    ),
    topExtras,
    failures,
  };
}

const f3 = (x: number) => x.toFixed(3);
const f2 = (x: number) => x.toFixed(2);
const ratio = (r: Rate) => `${f3(r.rate)} (${r.hits}/${r.probes})`;
const clip = (text: string, n = 70) => {
  const one = text.replace(/\s+/g, " ");
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

function printSplit(s: SplitSummary, verbose: boolean): void {
  console.log(`\n== ${s.split} ==`);
  const t = s.textbook;
  console.log(`textbook alone:      recall ${ratio(t)}, extra techniques per probe ${f2(t.meanExtras)}`);
  const tactics = Object.entries(t.byTactic).map(([name, r]) => `${name} ${r.hits}/${r.probes}`);
  console.log(`  by tactic: ${tactics.join(", ")}`);
  const r = s.reports;
  console.log(
    `textbook in reports: recall ${ratio(r)} in ${r.reports} reports of ≤10; extras per report ${f2(r.meanExtrasPerReport)} (same probes alone, summed: ${f2(r.meanAloneExtrasPerReport)}); lost in report ${r.lost}, gained ${r.gained}`,
  );
  const classes = CONTEXT_CLASSES.map((c) => `${c} ${ratio(s.context[c] as Rate)}`);
  console.log(`context false-positive rate: ${classes.join(", ")}`);
  console.log(`  overall ${ratio(s.context.overall)}`);
  console.log(`controls (must assert): recall ${ratio(s.controls)}`);
  console.log(`most frequent extras (alone): ${s.topExtras.map(([id, n]) => `${id}×${n}`).join(", ") || "none"}`);
  if (!verbose) return;
  const labels: Record<ProbeFailure["kind"], string> = {
    textbook: "textbook probes missed alone",
    lost_in_report: "textbook probes asserted alone but lost in their report",
    context: "context probes with a forbidden technique asserted",
    control: "controls missed",
  };
  for (const kind of Object.keys(labels) as ProbeFailure["kind"][]) {
    const list = s.failures.filter((f) => f.kind === kind);
    console.log(`\n${labels[kind]} (${list.length}):`);
    for (const f of list) {
      const what = kind === "context" ? `asserted ${f.ids.join(" ")}` : `missed ${f.ids.join(" ")}`;
      const rest = kind === "lost_in_report" ? "" : `; all asserted: ${f.asserted.join(" ") || "none"}`;
      console.log(`  ${f.id}${f.class ? ` [${f.class}]` : ""} "${clip(f.text)}" — ${what}${rest}`);
    }
  }
}

/** Ids the probes name that are not among the model's techniques. */
function unknownIds(sets: ProbeSets, model: Model): string[] {
  const named = [...sets.textbook, ...sets.controls].flatMap((p) => [...p.techniques, ...(p.alsoAccept ?? [])]);
  named.push(...sets.context.flatMap((p) => p.mustNot.filter((id) => id !== "*")));
  return [...new Set(named)].filter((id) => !model.indexOf.has(id)).sort();
}

/** Runs the probes eval from eval.ts's arguments; returns the exit code. */
export function runProbes(argv: string[]): number {
  const { flags } = parseArgs(argv);
  const modelFile = flag(flags, "model") ?? DEFAULT_MODEL;
  if (!fileExists(modelFile)) fail(`no such model file: ${modelFile}`);
  const sets = readProbeSets(flag(flags, "probe-dir") ?? PROBES_DIR);
  const model = modelFileOrFail(modelFile, readModel);
  const overlaps = checkProbeOverlap([...sets.textbook, ...sets.context, ...sets.controls]);
  const summary: ProbesSummary = {
    model: path.relative(process.cwd(), modelFile) || modelFile,
    attackVersion: model.data.attackVersion,
    counts: { textbook: sets.textbook.length, context: sets.context.length, controls: sets.controls.length },
    overlaps,
    splits: SPLITS.map((split) => evaluateSplit(sets, split, model)),
  };
  if (flags.json === true) {
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  }
  const { counts } = summary;
  console.log(
    `model ${summary.model} (ATT&CK ${summary.attackVersion}); probes: ${counts.textbook} textbook, ${counts.context} context, ${counts.controls} controls`,
  );
  const unknown = unknownIds(sets, model);
  if (unknown.length)
    console.log(`warning: probe ids the model does not know (revoked or mistyped): ${unknown.join(", ")}`);
  const overlapping = new Set(overlaps.map((o) => o.probeId)).size;
  console.log(
    `overlap check: ${overlapping} probes share ${OVERLAP_WORDS}+ consecutive words with ATT&CK texts or eval reports`,
  );
  if (overlapping) {
    console.log(`warning: ${overlapping} probes overlap with ATT&CK or the eval reports; rewrite them:`);
    for (const o of overlaps) console.log(`  ${formatOverlap(o)}`);
  }
  for (const s of summary.splits) printSplit(s, flags.verbose === true && s.split === "tune");
  return 0;
}
