/**
 * @module A corpus of report-like text for throughput benchmarks: the labelled reports of
 * ../shared/data/eval where present, else ATT&CK's own descriptions and procedure examples.
 */
import { plainText } from "../../src/analysis/examples";
import { DEFAULT_BUNDLE } from "../lib/cli";
import { defaultDatasets, readAttackCorpus } from "../lib/datasets";

export async function reportTexts(): Promise<{ texts: string[]; source: string }> {
  const datasets = defaultDatasets();
  if (datasets.length) {
    return { texts: datasets.flatMap((d) => d.reports.map((r) => r.text)), source: "TRAM2 + AnnoCTR reports" };
  }
  const corpus = await readAttackCorpus(DEFAULT_BUNDLE);
  const texts = [
    ...corpus.techniques.map((t) => plainText(t.description)),
    ...corpus.procedures.map((p) => plainText(p.text)),
  ];
  return { texts, source: "ATT&CK descriptions and procedure examples" };
}

/** Documents of about `size` characters each, `total` characters in all, cut from the texts in turn. */
export function documents(texts: string[], size: number, total: number): string[] {
  const out: string[] = [];
  let current = "";
  let produced = 0;
  for (let i = 0; produced < total; i = (i + 1) % texts.length) {
    current += `${texts[i]}\n\n`;
    if (current.length >= size) {
      out.push(current.slice(0, size));
      produced += size;
      current = "";
    }
  }
  return out;
}
