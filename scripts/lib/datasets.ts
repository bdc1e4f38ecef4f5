/**
 * @module Readers for the build and evaluation inputs: an ATT&CK STIX bundle (streamed through the
 * product's own STIX mapping) and the labelled report sets of ../shared/data/eval.
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { JSONParser } from "@streamparser/json";
import type { AttackCorpus } from "../../src/analysis/examples";
import { successor } from "../../src/attack/ids";
import { mitreReference, stripCitations, type StixObject } from "../../src/attack/stix";
import { ROOT } from "./cli";

/** The labelled report sets, next to the project (not shipped with it). */
export const EVAL_DIR = path.resolve(ROOT, "..", "shared", "data", "eval");
/** The training splits that `model:build` learns from and the benchmarks cut text from. */
const DEFAULT_FILES = ["tram2-train.json", "annoctr-devtrain.json"];

/** ATT&CK texts of a bundle: active techniques, revocations and procedure examples. */
export async function readAttackCorpus(file: string): Promise<AttackCorpus> {
  const parser = new JSONParser({ paths: ["$.objects.*"], keepStack: false });
  const techniques = new Map<string, { id: string; name: string; description: string; active: boolean }>();
  const uses: { source: string; target: string; text: string }[] = [];
  const revokedBy: [string, string][] = [];
  // Detection analytics (ATT&CK 18+): strategy → technique, strategy → analytics, analytic texts.
  const detects: { source: string; target: string }[] = [];
  const strategies = new Map<string, { name: string; analytics: string[] }>();
  const analytics = new Map<string, string>();
  let version = "";
  parser.onValue = ({ value }) => {
    const o = value as unknown as StixObject;
    if (o.type === "x-mitre-collection") version = o.x_mitre_version ?? "";
    if (o.type === "attack-pattern") {
      const ref = mitreReference(o);
      if (ref) {
        techniques.set(o.id, {
          id: ref.id,
          name: o.name ?? ref.id,
          description: stripCitations(o.description),
          active: !o.revoked && !o.x_mitre_deprecated,
        });
      }
    }
    if (o.type === "relationship" && o.source_ref && o.target_ref) {
      if (o.relationship_type === "uses" && o.target_ref.startsWith("attack-pattern--") && o.description) {
        uses.push({ source: o.source_ref, target: o.target_ref, text: stripCitations(o.description) });
      }
      if (o.relationship_type === "revoked-by") revokedBy.push([o.source_ref, o.target_ref]);
      if (o.relationship_type === "detects" && o.source_ref.startsWith("x-mitre-detection-strategy--"))
        detects.push({ source: o.source_ref, target: o.target_ref });
    }
    if (o.type === "x-mitre-detection-strategy") {
      const refs = (value as { x_mitre_analytic_refs?: unknown }).x_mitre_analytic_refs;
      strategies.set(o.id, {
        name: o.name ?? "",
        analytics: Array.isArray(refs) ? refs.filter((r): r is string => typeof r === "string") : [],
      });
    }
    if (o.type === "x-mitre-analytic" && o.description) analytics.set(o.id, stripCitations(o.description));
  };
  let input: NodeJS.ReadableStream = fs.createReadStream(file);
  if (file.endsWith(".gz")) input = input.pipe(createGunzip());
  for await (const chunk of Readable.from(input)) parser.write(chunk as Uint8Array);
  const revoked: Record<string, string> = {};
  for (const [from, to] of revokedBy) {
    const a = techniques.get(from);
    const b = techniques.get(to);
    if (a && b) revoked[a.id] = b.id;
  }
  return {
    version,
    techniques: [...techniques.values()]
      .filter((t) => t.active)
      .map(({ active: _, ...t }) => t)
      .sort((a, b) => a.id.localeCompare(b.id)),
    revoked,
    procedures: uses.flatMap((u) => {
      const t = techniques.get(u.target);
      return t?.active ? [{ techniqueId: t.id, text: u.text }] : [];
    }),
    detections: detects.flatMap((d) => {
      const t = techniques.get(d.target);
      const strategy = strategies.get(d.source);
      if (!t?.active || !strategy) return [];
      const texts = [strategy.name, ...strategy.analytics.map((a) => analytics.get(a) ?? "")].filter(Boolean);
      return texts.map((text) => ({ techniqueId: t.id, text }));
    }),
  };
}

/** A labelled report: its text and the technique ids of its gold set. */
export interface LabelledReport {
  title: string;
  /** Sentences with their labels, where the set labels sentences (TRAM2). */
  sentences?: { text: string; labels: string[] }[];
  text: string;
  labels: string[];
  /** The gold ids as annotated, where some were mapped to their successors (see inCurrentIds). */
  annotated?: string[];
}

type DatasetKind = "tram2" | "annoctr";

/** A labelled report set and the techniques its annotators labelled (its label space). */
export interface Dataset {
  name: string;
  reports: LabelledReport[];
  labelSpace: Set<string>;
  /** The label space as annotated, where ids were mapped to their successors. */
  annotatedSpace?: Set<string>;
}

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;

export function readLabelledReports(file: string): { kind: DatasetKind; reports: LabelledReport[] } {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown[];
  const first = raw[0] as Record<string, unknown> | undefined;
  if (first && Array.isArray(first.cti_report) && Array.isArray(first.label)) {
    const reports = (raw as { doc_title: string; cti_report: string[]; label: string[][] }[]).map((d) => {
      const sentences = d.cti_report.map((text, i) => ({
        text,
        labels: (d.label[i] ?? []).filter((l) => TECHNIQUE.test(l)),
      }));
      return {
        title: d.doc_title,
        sentences,
        // Reports are handed to the engine as one text, as a user would paste them.
        text: d.cti_report.join("\n"),
        labels: [...new Set(sentences.flatMap((s) => s.labels))],
      };
    });
    return { kind: "tram2", reports };
  }
  if (first && typeof first.cti_report === "string" && Array.isArray(first.mitre_ids)) {
    const reports = (raw as { cti_report: string; mitre_ids: string[] }[]).map((d, i) => ({
      title: d.cti_report.split("\n", 1)[0]?.slice(0, 80) ?? `report ${i}`,
      text: d.cti_report,
      labels: [...new Set(d.mitre_ids.filter((l) => TECHNIQUE.test(l)))],
    }));
    return { kind: "annoctr", reports };
  }
  throw new Error(
    `${file}: neither TRAM2 (cti_report: sentences, label) nor AnnoCTR (cti_report: text, mitre_ids) format`,
  );
}

export function readDataset(file: string): Dataset {
  const { kind, reports } = readLabelledReports(file);
  return { name: kind, reports, labelSpace: new Set(reports.flatMap((r) => r.labels)) };
}

/** The default training splits found in `dir`; none when the folder or its files are absent. */
export function defaultDatasets(dir = EVAL_DIR): Dataset[] {
  return DEFAULT_FILES.map((f) => path.join(dir, f))
    .filter((f) => fs.existsSync(f))
    .map(readDataset);
}

/**
 * The dataset with its gold ids in the ATT&CK version being trained for: an id revoked since the
 * annotation (TRAM2's T1574.002, merged into T1574.001 in ATT&CK 17) becomes its successor, so a
 * correct current prediction counts as correct. The ids as annotated are kept for scoring the way
 * an evaluation on the original labels would.
 */
export function inCurrentIds(d: Dataset, revoked: Record<string, string>): Dataset {
  const current = (id: string) => successor(id, (x) => revoked[x]);
  const mapped = (ids: string[]) => [...new Set(ids.map(current))];
  if (![...d.labelSpace].some((id) => current(id) !== id)) return d;
  return {
    name: d.name,
    reports: d.reports.map((r) => ({
      ...r,
      labels: mapped(r.labels),
      annotated: r.labels,
      ...(r.sentences ? { sentences: r.sentences.map((s) => ({ text: s.text, labels: mapped(s.labels) })) } : {}),
    })),
    labelSpace: new Set(mapped([...d.labelSpace])),
    annotatedSpace: d.labelSpace,
  };
}
