/**
 * @module CLI throughput: `npm run analyze` over ≥ 10 MB of report text in 100 KB files. Steady
 * state subtracts the start-up (process, model load) measured on a one-line file.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/cli";
import { TSX } from "./harness";
import { documents, reportTexts } from "./corpus";
import type { Row } from "./table";

const FILE_CHARS = 100_000;
const TOTAL_CHARS = 10_500_000;

function analyze(files: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", "analyze.ts"), ...files], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

export async function benchCli(): Promise<Row[]> {
  const { texts, source } = await reportTexts();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-cli-"));
  try {
    const files = documents(texts, FILE_CHARS, TOTAL_CHARS).map((doc, i) => {
      const file = path.join(dir, `report-${String(i).padStart(4, "0")}.txt`);
      fs.writeFileSync(file, doc);
      return file;
    });
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const tiny = path.join(dir, "tiny.txt");
    fs.writeFileSync(tiny, "The actor used PowerShell.\n");
    const startup = Math.min(analyze([tiny]), analyze([tiny]));
    const total = analyze(files);
    const mb = bytes / 1e6;
    process.stderr.write(`cli: ${mb.toFixed(1)} MB in ${total.toFixed(2)} s (start-up ${startup.toFixed(2)} s)\n`);
    return [
      [`CLI steady state, MB/s (${files.length} files, ${mb.toFixed(1)} MB of ${source})`, (mb / (total - startup)).toFixed(1), "≥ 10"],
      ["  end to end incl. start-up, MB/s", (mb / total).toFixed(1), ""],
      ["  start-up (node, model load), seconds", startup.toFixed(2), ""],
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
