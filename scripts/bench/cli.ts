/**
 * @module CLI throughput: `npm run analyze` over report text in 100 KB files, on one thread per CPU
 * (`--jobs N`, so the figures do not depend on the default) and on one thread (`--jobs 1`).
 * - Steady state: the extra megabytes per extra second between a 10.6 MB run and a run three
 *   times as long. Fixed costs cancel out: start-up, and each thread's warm-up (the JIT compiling
 *   the hot loops, the first fills of its caches).
 * - End to end: the 10.6 MB run, start-up included. Start-up (process, threads, model load) is
 *   measured on as many one-line files as threads; the first 10.6 MB after it include the warm-up.
 * Each run is the best of RUNS: this machine's speed swings from minute to minute.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../lib/cli";
import { documents, reportTexts } from "./corpus";
import type { Row } from "./table";

const FILE_CHARS = 100_000;
const TOTAL_CHARS = 10_500_000;
/** The long run is this many times the short one. */
const LONG = 3;
const RUNS = 3;

/** As `npm run analyze` runs it (scripts/run.mjs, its cached bundle), without npm's own start-up. */
function analyze(files: string[], flags: string[] = []): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "run.mjs"), "analyze", ...flags, ...files], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

export async function benchCli(): Promise<Row[]> {
  const { texts, source } = await reportTexts();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-cli-"));
  try {
    // documents() cuts the texts in turn: the short run's files are the long run's first.
    const long = documents(texts, FILE_CHARS, LONG * TOTAL_CHARS).map((doc, i) => {
      const file = path.join(dir, `report-${String(i).padStart(4, "0")}.txt`);
      fs.writeFileSync(file, doc);
      return file;
    });
    const short = long.slice(0, Math.ceil(long.length / LONG));
    const mbOf = (files: string[]) => files.reduce((n, f) => n + fs.statSync(f).size, 0) / 1e6;
    const [mb, longMb] = [mbOf(short), mbOf(long)];
    // As many one-line files as threads, so the start-up includes starting them.
    const threads = os.availableParallelism();
    const tiny = Array.from({ length: threads }, (_, i) => path.join(dir, `tiny-${i}.txt`));
    for (const file of tiny) fs.writeFileSync(file, "The actor used PowerShell.\n");
    // A first run (re)builds the bundle if the sources changed: not part of any figure.
    analyze(tiny.slice(0, 1));
    const best = (files: string[], flags: string[]) =>
      Math.min(...Array.from({ length: RUNS }, () => analyze(files, flags)));
    const measure = (flags: string[]) => {
      const startup = best(tiny, flags);
      const total = best(short, flags);
      const longTotal = best(long, flags);
      process.stderr.write(
        `cli ${flags.join(" ")}: start-up ${startup.toFixed(2)} s, ${mb.toFixed(1)} MB in ${total.toFixed(2)} s, ${longMb.toFixed(1)} MB in ${longTotal.toFixed(2)} s\n`,
      );
      return { steady: (longMb - mb) / (longTotal - total), first: mb / (total - startup), total, startup };
    };
    // The default depends on the input's size (analyze.ts BYTES_PER_THREAD): ask for every CPU.
    const parallel = measure(["--jobs", String(threads)]);
    const single = measure(["--jobs", "1"]);
    return [
      [
        `CLI steady state, MB/s (${source}, 100 KB files, ${mb.toFixed(1)} → ${longMb.toFixed(1)} MB; ${threads} threads)`,
        parallel.steady.toFixed(1),
        "≥ 10",
      ],
      [
        `  end to end, ${short.length} files (${mb.toFixed(1)} MB) incl. start-up, MB/s`,
        (mb / parallel.total).toFixed(1),
        "",
      ],
      ["  start-up (node, threads, model load), seconds", parallel.startup.toFixed(2), ""],
      [`  the first ${mb.toFixed(1)} MB after start-up (incl. warm-up), MB/s`, parallel.first.toFixed(1), ""],
      ["  one thread (--jobs 1; the default under 8 MB of input): steady state, MB/s", single.steady.toFixed(1), ""],
      ["  one thread: end to end incl. start-up, MB/s", (mb / single.total).toFixed(1), ""],
      [`  one thread: the first ${mb.toFixed(1)} MB after start-up, MB/s`, single.first.toFixed(1), ""],
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
