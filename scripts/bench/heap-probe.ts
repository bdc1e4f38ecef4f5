/**
 * @module Live JS heap of the ATT&CK loader and of the model carry-over, measured in Node with a D1
 * that only counts what it is given (run with --expose-gc: the heap is sampled after a full GC, so
 * it is memory the code holds, not garbage not yet collected). Prints one JSON line.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { adaptModel } from "../../src/analysis/adapt";
import { loadAttackBundle } from "../../src/attack/loader";
import { readAttackCorpus } from "../lib/datasets";
import { readModelData } from "../lib/model-file";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const live = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Enough of D1Database for the loader: statements run and are counted, selects find nothing. */
function countingD1() {
  let statements = 0;
  const result = {
    results: [],
    success: true,
    meta: { changes: 0, duration: 0, last_row_id: 0, rows_read: 0, rows_written: 0, size_after: 0, changed_db: false },
  };
  const statement = {
    bind: () => statement,
    run: () => Promise.resolve(result),
    all: () => Promise.resolve(result),
    raw: () => Promise.resolve([]),
    first: () => Promise.resolve(null),
  };
  return {
    db: {
      prepare: () => statement,
      batch: (list: unknown[]) => {
        statements += list.length;
        return Promise.resolve(list.map(() => result));
      },
      exec: () => Promise.resolve({ count: 0, duration: 0 }),
      dump: () => Promise.resolve(new ArrayBuffer(0)),
      withSession: () => {
        throw new Error("not used");
      },
    } as unknown as D1Database,
    statements: () => statements,
  };
}

const [bundle, model] = process.argv.slice(2) as [string, string];
const base = live();
let peak = base;
const d1 = countingD1();
await loadAttackBundle(d1.db, Readable.toWeb(fs.createReadStream(bundle)) as ReadableStream<Uint8Array>, {
  onProgress: () => {
    peak = Math.max(peak, live());
  },
});
const loaderPeak = peak - base;

const corpus = await readAttackCorpus(bundle);
const modelData = readModelData(model);
const before = live();
const texts = new Map(corpus.techniques.map((t) => [t.id, [t.description]]));
const adapted = adaptModel(modelData, {
  attackVersion: corpus.version,
  techniques: corpus.techniques,
  revoked: corpus.revoked,
  textsOf: (id) => texts.get(id) ?? [],
});
const adaptPeak = live() - before;
console.log(
  JSON.stringify({
    loaderHeapMb: loaderPeak / 1e6,
    statements: d1.statements(),
    adaptHeapMb: adaptPeak / 1e6,
    adaptedTechniques: adapted.model.techniques.length,
  }),
);
