/**
 * @module CLI throughput: `npm run analyze` over ≥ 10 MB of report text in 100 KB files, with its
 * default worker threads (one per CPU) and on one thread (`--jobs 1`). Steady state subtracts the
 * start-up (process, threads, model load) measured the same way on one-line files.
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

function analyze(files: string[], flags: string[] = []): number {
  const t0 = performance.now();
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", "analyze.ts"), ...flags, ...files], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
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
    // As many one-line files as threads, so the start-up includes starting them.
    const threads = os.availableParallelism();
    const tiny = Array.from({ length: threads }, (_, i) => path.join(dir, `tiny-${i}.txt`));
    for (const file of tiny) fs.writeFileSync(file, "The actor used PowerShell.\n");
    const mb = bytes / 1e6;
    const measure = (flags: string[]) => {
      const startup = Math.min(analyze(tiny, flags), analyze(tiny, flags));
      const total = analyze(files, flags);
      process.stderr.write(`cli ${flags.join(" ") || `(${threads} threads)`}: ${mb.toFixed(1)} MB in ${total.toFixed(2)} s (start-up ${startup.toFixed(2)} s)\n`);
      return { steady: mb / (total - startup), total, startup };
    };
    const parallel = measure([]);
    const single = measure(["--jobs", "1"]);
    return [
      [`CLI steady state, MB/s (${files.length} files, ${mb.toFixed(1)} MB of ${source}; ${threads} threads)`, parallel.steady.toFixed(1), "≥ 10"],
      ["  end to end incl. start-up, MB/s", (mb / parallel.total).toFixed(1), ""],
      ["  start-up (node, threads, model load), seconds", parallel.startup.toFixed(2), ""],
      ["  one thread (--jobs 1): steady state, MB/s", single.steady.toFixed(1), ""],
      ["  one thread: end to end incl. start-up, MB/s", (mb / single.total).toFixed(1), ""],
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
