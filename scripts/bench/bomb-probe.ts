/**
 * @module One hostile document (bomb-corpus.ts: its index, and the file the bench wrote it to, so
 * that making it is not measured) through the code the Worker runs on it,
 * in Node, for its memory: the extraction (HTML through html-rewriter-wasm, lol-html as in
 * workerd but without workerd's memory limit), the JSON body as the route parses and validates it,
 * or the Sigma parser. Run with --expose-gc: the heap is measured from a collected baseline and
 * sampled every millisecond (a synchronous stretch is seen at its end); the peak RSS catches what
 * sampling misses. Prints one JSON line.
 */
import fs from "node:fs";
import { HTMLRewriter } from "html-rewriter-wasm";
import { SubmissionJson } from "../../src/analyses/analyses.schemas";
import { jsonShapeCheck } from "../../src/api/json-body";
import { ImportInput } from "../../src/coverage/coverage.schemas";
import { parseRule } from "../../src/coverage/parsers";
import { extractDocument } from "../../src/documents/extract";
import { setHtmlEngine, wasmHtmlEngine } from "../../src/documents/html";
import { AppError, describeError } from "../../src/errors";
import { BOMBS } from "./bomb-corpus";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
setHtmlEngine(wasmHtmlEngine(HTMLRewriter));

const [index, file] = process.argv.slice(2);
const bomb = BOMBS[Number(index)];
if (!bomb || !file) throw new Error("usage: bomb-probe.ts INDEX FILE");
const body = new Uint8Array(fs.readFileSync(file));
const contentType = fs.readFileSync(`${file}.type`, "utf8");

async function run(): Promise<string> {
  if (bomb?.probe === "extract") return `ok, ${(await extractDocument(body, contentType)).text.length} characters`;
  if (bomb?.probe === "json") {
    // The Worker's JSON-body check runs as the bytes arrive, before anything is parsed.
    try {
      jsonShapeCheck()(body);
    } catch (e) {
      return `refused: ${describeError(e).slice(0, 60)}`;
    }
  }
  const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
  if (bomb?.probe === "json") return SubmissionJson.safeParse(parsed).success ? "valid" : "invalid body";
  const input = ImportInput.parse(parsed);
  const results = input.files.map((f) => parseRule(input.format, f.path, f.content));
  return results.map((r) => (r.ok ? "parsed" : `refused: ${r.error.slice(0, 60)}`)).join("; ");
}

gc();
const baseHeap = process.memoryUsage().heapUsed;
const baseRss = process.memoryUsage().rss;
let peakHeap = baseHeap;
const sample = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
const timer = setInterval(sample, 1);
const t0 = performance.now();
let outcome: string;
try {
  outcome = await run();
} catch (e) {
  outcome =
    e instanceof AppError
      ? `${e.status} ${e.code} ${/\((\w+)\)/.exec(e.message)?.[0] ?? ""}`.trim()
      : `threw ${describeError(e).slice(0, 80)}`;
}
sample();
clearInterval(timer);
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    outcome,
    seconds,
    heapMb: (peakHeap - baseHeap) / 1e6,
    rssMb: Math.max(0, process.resourceUsage().maxRSS * 1024 - baseRss) / 1e6,
  }),
);
