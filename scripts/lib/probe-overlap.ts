/**
 * @module Overlap check for the probe sets of test/fixtures/probes: a probe must be our own wording,
 * so none may share a run of OVERLAP_WORDS consecutive words (lower-cased, punctuation dropped) with
 * ATT&CK's texts (every object's name, description and detection text, and every relationship's
 * description: the procedure examples) or with the labelled eval reports. A shared run means the
 * probe measures recall of text the model may have been trained on, or was copied; rewrite it.
 *
 * Used by `npm run eval -- --probes`, and runnable on its own (exit code 1 when any probe overlaps):
 *   npx tsx scripts/lib/probe-overlap.ts [--attack BUNDLE[,BUNDLE...]] [--eval DIR] [--probe-dir DIR]
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { plainText } from "../../src/analysis/examples";
import { stripCitations } from "../../src/attack/stix";
import { DEFAULT_BUNDLE, flag, parseArgs, ROOT } from "./cli";
import { EVAL_DIR, readLabelledReports } from "./datasets";
import { PROBES_DIR, readProbeSets } from "./probe-sets";

export const OVERLAP_WORDS = 8;
/** The ATT&CK bundles next to the project: older releases still carry detection text (18 moved it to analytics). */
const SHARED_ATTACK_DIR = path.resolve(ROOT, "..", "shared", "data", "attack");

/** Lower-cased words, punctuation dropped: "vssadmin.exe" reads as "vssadmin exe" on both sides. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export interface Overlap {
  probeId: string;
  /** The shared run of words. */
  words: string;
  /** Where it occurs: bundle and object, or eval file and report title. */
  source: string;
}

export interface SourceText {
  source: string;
  text: string;
}

/** Every window of OVERLAP_WORDS words of each probe → the probes that contain it. */
function probeWindows(probes: { id: string; text: string }[]): Map<string, string[]> {
  const windows = new Map<string, string[]>();
  for (const p of probes) {
    const w = words(p.text);
    for (let i = 0; i + OVERLAP_WORDS <= w.length; i++) {
      const key = w.slice(i, i + OVERLAP_WORDS).join(" ");
      const ids = windows.get(key) ?? [];
      if (!ids.includes(p.id)) ids.push(p.id);
      windows.set(key, ids);
    }
  }
  return windows;
}

/** The probes sharing a window with any of the texts: one entry per probe and longest shared run of a text. */
export function findOverlaps(probes: { id: string; text: string }[], texts: Iterable<SourceText>): Overlap[] {
  const windows = probeWindows(probes);
  // Most source windows start with a word no probe window starts with: skip those without joining.
  const firstWords = new Set([...windows.keys()].map((k) => k.slice(0, k.indexOf(" "))));
  const found: Overlap[] = [];
  for (const { source, text } of texts) {
    const w = words(text);
    // Per probe, its run in this text still growing: the entry and the window start it ends at.
    const open = new Map<string, { overlap: Overlap; at: number }>();
    for (let i = 0; i + OVERLAP_WORDS <= w.length; i++) {
      if (!firstWords.has(w[i] as string)) continue;
      const key = w.slice(i, i + OVERLAP_WORDS).join(" ");
      for (const probeId of windows.get(key) ?? []) {
        const run = open.get(probeId);
        if (run && run.at === i - 1) {
          run.overlap.words += ` ${w[i + OVERLAP_WORDS - 1] as string}`;
          run.at = i;
        } else {
          const overlap = { probeId, words: key, source };
          found.push(overlap);
          open.set(probeId, { overlap, at: i });
        }
      }
    }
  }
  return found.sort((a, b) => a.probeId.localeCompare(b.probeId));
}

interface BundleObject {
  type?: string;
  name?: string;
  description?: string;
  x_mitre_detection?: string;
  external_references?: { source_name?: string; external_id?: string }[];
}

/** The texts of one ATT&CK bundle (.json or .json.gz), each text once across calls sharing `seen`. */
export function attackTexts(file: string, seen = new Set<string>()): SourceText[] {
  const bytes = fs.readFileSync(file);
  const json = file.endsWith(".gz") ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  const { objects = [] } = JSON.parse(json) as { objects?: BundleObject[] };
  const bundle = path.basename(file);
  const out: SourceText[] = [];
  for (const o of objects) {
    const ref = o.external_references?.find((r) => r.source_name?.startsWith("mitre") && r.external_id)?.external_id;
    const source = `${bundle} ${o.type ?? "object"}${ref ? ` ${ref}` : o.name ? ` "${o.name}"` : ""}`;
    for (const field of [o.name, o.description, o.x_mitre_detection]) {
      if (!field) continue;
      const text = plainText(stripCitations(field));
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ source, text });
    }
  }
  return out;
}

/** The report texts of every labelled set (.json) in `dir`. */
export function evalTexts(dir = EVAL_DIR): SourceText[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) =>
      readLabelledReports(path.join(dir, f)).reports.map((r) => ({ source: `${f}: ${r.title}`, text: r.text })),
    );
}

/** The product's bundle and every Enterprise bundle in ../shared/data/attack. */
export function defaultBundles(): string[] {
  const shared = fs.existsSync(SHARED_ATTACK_DIR)
    ? fs
        .readdirSync(SHARED_ATTACK_DIR)
        .filter((f) => /^enterprise-attack-.*\.json(\.gz)?$/.test(f))
        .sort()
        .map((f) => path.join(SHARED_ATTACK_DIR, f))
    : [];
  return [DEFAULT_BUNDLE, ...shared].filter((f) => fs.existsSync(f));
}

export interface OverlapOptions {
  bundles?: string[];
  evalDir?: string;
}

/** Checks the probes against the bundles' texts and the eval reports (bundles read one at a time). */
export function checkProbeOverlap(probes: { id: string; text: string }[], options: OverlapOptions = {}): Overlap[] {
  const seen = new Set<string>();
  const overlaps: Overlap[] = [];
  for (const bundle of options.bundles ?? defaultBundles())
    overlaps.push(...findOverlaps(probes, attackTexts(bundle, seen)));
  overlaps.push(...findOverlaps(probes, evalTexts(options.evalDir)));
  return overlaps;
}

export function formatOverlap(o: Overlap): string {
  return `${o.probeId}: "${o.words}" (${o.source})`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { flags } = parseArgs(process.argv.slice(2));
  const { textbook, context, controls } = readProbeSets(flag(flags, "probe-dir") ?? PROBES_DIR);
  const bundles = flag(flags, "attack")?.split(",");
  const overlaps = checkProbeOverlap([...textbook, ...context, ...controls], { bundles, evalDir: flag(flags, "eval") });
  for (const o of overlaps) console.log(formatOverlap(o));
  const probes = new Set(overlaps.map((o) => o.probeId)).size;
  console.log(
    `${probes} of ${textbook.length + context.length + controls.length} probes share ${OVERLAP_WORDS}+ words with ATT&CK or the eval reports`,
  );
  process.exitCode = overlaps.length ? 1 : 0;
}
