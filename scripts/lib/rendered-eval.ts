/**
 * @module The eval's renderings: each labelled report typeset as a PDF and wrapped in a web page
 * (renderings.ts), extracted back to text by the product's extraction (extract-file.ts), analysed
 * by its fold's model and scored by the same held-out stacker as its plain text. Measures what a
 * user loses by sending the PDF or the page instead of clean text.
 */
import { documentConfidence } from "../../src/analysis/engine";
import { withHead } from "../../src/analysis/stacker";
import { fail } from "./cli";
import type { OutOfFold, Rendering } from "./cross-validation";
import type { Dataset, LabelledReport } from "./datasets";
import { extractFile } from "./extract-file";
import { intoLabelSpace } from "./metrics";
import { hashString, pdfUnavailable, renderHtml, renderPdf } from "./renderings";

export const RENDERINGS: readonly Rendering[] = ["pdf", "html"];

/**
 * The renderings asked for: all by default; `--renderings pdf,html` or `--renderings text` (plain
 * text only) to choose, `--no-renderings` for none. PDF is left out, with a message, without its font.
 */
export function chosenRenderings(flags: Record<string, string | true>, log: (line: string) => void): Rendering[] {
  if (flags["no-renderings"] === true) return [];
  const asked = flags["renderings"];
  const names = typeof asked === "string" ? asked.split(",").map((s) => s.trim()) : [...RENDERINGS];
  const unknown = names.filter((n) => n !== "text" && !RENDERINGS.includes(n as Rendering));
  if (unknown.length > 0) fail(`--renderings: unknown ${unknown.join(", ")} (text, pdf, html)`);
  const chosen = RENDERINGS.filter((r) => names.includes(r));
  const missing = chosen.includes("pdf") ? pdfUnavailable() : null;
  if (missing) log(`PDF renderings skipped: ${missing}`);
  return missing ? chosen.filter((r) => r !== "pdf") : chosen;
}

/** Each report rendered once and extracted back to text (an extraction error leaves no text). */
export async function renderAll(
  datasets: Dataset[],
  renderings: readonly Rendering[],
  log: (line: string) => void,
): Promise<Map<LabelledReport, Map<Rendering, string>>> {
  const out = new Map<LabelledReport, Map<Rendering, string>>();
  const time = new Map<Rendering, number>(renderings.map((r) => [r, 0]));
  const failed: string[] = [];
  for (const d of datasets) {
    for (const [i, report] of d.reports.entries()) {
      const texts = new Map<Rendering, string>();
      for (const r of renderings) {
        const started = performance.now();
        try {
          const bytes =
            r === "pdf"
              ? await renderPdf(report.title, report.text)
              : new TextEncoder().encode(renderHtml(report.title, report.text, hashString(`${d.name} ${i}`)));
          texts.set(r, await extractFile(`report.${r}`, bytes));
        } catch (e) {
          failed.push(`${d.name} #${i} ${r}: ${e instanceof Error ? e.message : String(e)}`);
          texts.set(r, "");
        }
        time.set(r, (time.get(r) ?? 0) + performance.now() - started);
      }
      out.set(report, texts);
    }
  }
  const seconds = [...time].map(([r, ms]) => `${r} ${(ms / 1000).toFixed(1)} s`).join(", ");
  log(`renderings made and extracted: ${seconds}${failed.length ? `; failed: ${failed.join("; ")}` : ""}`);
  return out;
}

/** Per report, an entry like it that carries one rendering's analysis in place of the plain text's. */
export function renderedViews(oof: OutOfFold[], rendering: Rendering): Map<OutOfFold, OutOfFold> {
  const out = new Map<OutOfFold, OutOfFold>();
  for (const o of oof) {
    const r = o.renderings?.get(rendering);
    if (!r) continue;
    const { renderings: _, ...plain } = o;
    out.set(o, { ...plain, sentences: r.sentences, candidates: r.candidates, evidence: r.evidence });
  }
  return out;
}

/** A line of a table: tab- or " | "-separated cells. */
const isTableRow = (line: string) => line.includes("\t") || line.includes(" | ");
const EXPLICIT_ID = /\bT\d{4}(\.\d{3})?\b/;
const wordCount = (s: string) => s.split(/\s+/).filter((w) => w !== "").length;

export interface EvidenceStats {
  /** Techniques asserted at the threshold, over all reports. */
  asserted: number;
  /** Evidence sentences shown for them (up to three each). */
  evidence: number;
  /** Of those, shorter than four words, neither an explicit id nor a table row. */
  short: number;
  /** Of those, not found verbatim in the analysed text. */
  notVerbatim: number;
  /** Mean sentences per report. */
  sentences: number;
  examples: { dataset: string; id: string; text: string; line: string }[];
}

/** The evidence the eval's reports would show at `threshold`, as the product scores them. */
export function evidenceStats(
  views: Iterable<OutOfFold>,
  stacked: Map<OutOfFold, Map<string, number>>,
  texts: (o: OutOfFold) => string,
  spaceOf: Map<string, Set<string>>,
  headWeight: number,
  threshold: number,
): EvidenceStats {
  const stats: EvidenceStats = { asserted: 0, evidence: 0, short: 0, notVerbatim: 0, sentences: 0, examples: [] };
  let reports = 0;
  for (const o of views) {
    reports++;
    stats.sentences += o.sentences;
    const text = texts(o);
    const space = spaceOf.get(o.dataset) as Set<string>;
    for (const [id, p] of stacked.get(o) ?? []) {
      const c = o.candidates.get(id);
      if (!c || !intoLabelSpace(id, space) || documentConfidence(withHead(p, c, headWeight), c) < threshold) continue;
      stats.asserted++;
      for (const e of o.evidence?.(c) ?? []) {
        stats.evidence++;
        if (!text.includes(e.text)) stats.notVerbatim++;
        const explicit = e.kind === "explicit_id" || EXPLICIT_ID.test(e.text);
        if (wordCount(e.text) >= 4 || explicit || isTableRow(e.line)) continue;
        stats.short++;
        stats.examples.push({ dataset: o.dataset, id, text: e.text, line: e.line });
      }
    }
  }
  stats.sentences /= Math.max(1, reports);
  return stats;
}
