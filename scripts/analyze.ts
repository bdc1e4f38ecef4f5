/**
 * npm run -s analyze -- [--threshold X] [--model FILE] [--jobs N] FILE...
 *
 * Maps each file (.txt, .md, .html, .htm, .pdf, or - for standard input) to ATT&CK techniques
 * with the product's engine and model, printing one JSON line per file, in order:
 *   {"file","attackVersion","techniques":[{"id","name","confidence","evidence":[{"text","start","end"}]}]}
 * A file that cannot be read or parsed gives {"file","error"}; the exit code is then 1, after
 * every other file has been done. Files are analysed on `--jobs` threads: this one and worker
 * threads, each with its own copy of the model, at most one per file. By default, one per 8 MB of
 * input, up to one per CPU and at most 4; `--jobs 1` stays on this thread.
 */
import fs from "node:fs";
import os from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { analyzeText } from "../src/analysis/engine";
import type { Model } from "../src/analysis/model";
import { describeError } from "../src/errors";
import { extractFile } from "./lib/extract-file";
import { DEFAULT_MODEL, modelFileOrFail, readModel } from "./lib/model-file";
import { fail, fileExists, flag, parseArgs } from "./lib/cli";

const DEFAULT_MAX_JOBS = 4;
/**
 * Input per thread, by default: a thread's start-up and warm-up (the JIT, its caches) cost a few
 * tenths of a second, which a smaller share does not win back. Measured on a 2-CPU machine, run
 * from the bundle (scripts/run.mjs): 5.3 MB ran faster on one thread (0.95–1.21 s against
 * 1.01–1.37), 10.6 MB mostly on two (1.48–1.83 s against 1.43–2.03).
 */
const BYTES_PER_THREAD = 8_000_000;

interface Settings {
  modelFile: string;
  threshold: number | undefined;
}

/** One file's output line, and whether it failed. */
async function analyzeFile(
  file: string,
  model: Model,
  threshold: number | undefined,
): Promise<{ line: string; failed: boolean }> {
  try {
    const bytes = file === "-" ? fs.readFileSync(0) : fs.readFileSync(file);
    const text = await extractFile(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const result = analyzeText(text, model, { threshold });
    const techniques = result.techniques.map((t) => ({
      id: t.id,
      name: t.name,
      confidence: t.confidence,
      evidence: t.evidence,
      ...(t.note ? { note: t.note } : {}),
    }));
    return { line: JSON.stringify({ file, attackVersion: result.attackVersion, techniques }), failed: false };
  } catch (e) {
    return { line: JSON.stringify({ file, error: describeError(e) }), failed: true };
  }
}

/** Worker thread: loads the model, then analyses each file the main thread sends ({ index, file }). */
function serve(settings: Settings): void {
  const port = parentPort;
  if (!port) return;
  const model = modelFileOrFail(settings.modelFile, readModel);
  // analyzeFile reports its own failures as a line, so the promise never rejects.
  port.on("message", ({ index, file }: { index: number; file: string }) => {
    void analyzeFile(file, model, settings.threshold).then((result) => port.postMessage({ index, ...result }));
  });
  port.postMessage({ ready: true });
}

/**
 * A worker runs this file too: as it is, when this is the bundle scripts/run.mjs made (`npm run
 * analyze`), or through the TypeScript loader (tsx) when run from its source.
 */
const WORKER_BOOT = import.meta.url.endsWith(".ts")
  ? `(async () => {
  const { register } = await import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))});
  register();
  await import(${JSON.stringify(import.meta.url)});
})();`
  : `import(${JSON.stringify(import.meta.url)});`;

/** Files a worker holds at once: one to work on and one waiting, so it never idles for the next. */
const WORKER_QUEUE = 2;

/**
 * Analyses the files on `threads` threads, printing their lines in input order; returns how many
 * failed. This thread and `threads` − 1 workers share the files: workers take them as they free
 * up, this thread between the workers' messages (it has loaded its model while they start).
 */
async function analyzeAll(files: string[], threads: number, settings: Settings): Promise<number> {
  const lines = new Array<string | undefined>(files.length);
  let next = 0;
  let printed = 0;
  let failures = 0;
  const finished = (index: number, result: { line: string; failed: boolean }) => {
    lines[index] = result.line;
    if (result.failed) failures++;
    while (printed < files.length && lines[printed] !== undefined) {
      process.stdout.write(`${lines[printed]}\n`);
      lines[printed++] = "";
    }
  };
  const workers = Array.from(
    { length: threads - 1 },
    () => new Worker(WORKER_BOOT, { eval: true, workerData: settings }),
  );
  try {
    const workersDone = Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let held = 0;
            const feed = () => {
              while (held < WORKER_QUEUE && next < files.length) {
                worker.postMessage({ index: next, file: files[next++] });
                held++;
              }
              if (held === 0) resolve();
            };
            worker.on("error", reject);
            worker.on("exit", (code) => reject(new Error(`an analysis thread stopped (exit code ${code})`)));
            worker.on("message", (m: { ready: true } | { index: number; line: string; failed: boolean }) => {
              if ("index" in m) {
                held--;
                finished(m.index, m);
              }
              feed();
            });
          }),
      ),
    );
    // Awaited below, once this thread is out of files; a worker failing before then must not go unhandled.
    workersDone.catch(() => undefined);
    const model = modelFileOrFail(settings.modelFile, readModel);
    while (next < files.length) {
      const index = next++;
      finished(index, await analyzeFile(files[index] as string, model, settings.threshold));
      // Let the workers' messages in between files.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await workersDone;
  } finally {
    for (const worker of workers) {
      worker.removeAllListeners("exit");
      void worker.terminate();
    }
  }
  return failures;
}

/** Threads worth starting for these files by default: one per BYTES_PER_THREAD of input (a file that cannot be read counts nothing). */
function threadsFor(files: string[]): number {
  let bytes = 0;
  for (const file of files) {
    try {
      if (file !== "-") bytes += fs.statSync(file).size;
    } catch {
      // Reported in its own output line.
    }
  }
  return Math.max(1, Math.ceil(bytes / BYTES_PER_THREAD));
}

if (!isMainThread) serve(workerData as Settings);
else {
  // Output piped into a reader that stops early (`| head`): stop quietly, as other CLIs do.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(process.exitCode ?? 0);
  });
  const { flags, positional } = parseArgs(process.argv.slice(2));
  if (positional.length === 0 || flags.help)
    fail("usage: npm run -s analyze -- [--threshold X] [--model FILE] [--jobs N] FILE... (- reads stdin)");
  const thresholdFlag = flag(flags, "threshold");
  const threshold = thresholdFlag === undefined ? undefined : Number(thresholdFlag);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
    fail("--threshold takes a number between 0 and 1");
  const jobsFlag = flag(flags, "jobs");
  // Each thread holds a model: a many-core machine should not hold dozens by default.
  const jobs =
    jobsFlag === undefined
      ? Math.min(os.availableParallelism(), DEFAULT_MAX_JOBS, threadsFor(positional))
      : Number(jobsFlag);
  if (!Number.isInteger(jobs) || jobs < 1) fail("--jobs takes a whole number of at least 1");
  const settings: Settings = { modelFile: flag(flags, "model") ?? DEFAULT_MODEL, threshold };
  if (!fileExists(settings.modelFile)) fail(`no such model file: ${settings.modelFile}`);
  // Standard input is read by this thread; one file gains nothing from a second thread.
  const threads = positional.includes("-") ? 1 : Math.min(jobs, positional.length);
  process.exitCode = (await analyzeAll(positional, threads, settings)) ? 1 : 0;
}
