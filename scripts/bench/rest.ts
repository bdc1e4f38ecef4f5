/**
 * @module REST latency: POST /api/v1/analyze with a 100 KB report against the Worker served by
 * `wrangler dev` (local D1 with ATT&CK and the model loaded), sequential requests after warm-up.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { documents, reportTexts } from "./corpus";
import { attackLoad, runScript, startDev, unlimitedConfig } from "./harness";
import { median, percentile, type Row } from "./table";

const WARMUP = 5;
const REQUESTS = 100;

export async function benchRest(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-rest-"));
  // Started first: wrangler boots while the data loads.
  // Limits raised out of reach: a hundred analyses a minute from one key is the point here.
  const dev = await startDev(dir, ["--config", unlimitedConfig(dir)]);
  const { base } = dev;
  try {
    attackLoad(dir);
    runScript("model-load.ts", ["--persist-to", dir]);
    const key = runScript("key-create.ts", ["--tenant", "bench", "--persist-to", dir]);
    await dev.ready();
    const { texts } = await reportTexts();
    const [doc] = documents(texts, 100_000, 100_000);
    const post = async (i: number) => {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/analyze`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        // A different text each time: every request is analysed and stored as a new report.
        body: JSON.stringify({ text: `${doc}\n\nBenchmark request ${i}.` }),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`POST /api/v1/analyze → ${res.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < WARMUP; i++) await post(-i - 1);
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) latencies.push(await post(i));
    return [
      [
        `REST POST /api/v1/analyze, 100 KB report, p50 ms (${REQUESTS} requests)`,
        median(latencies).toFixed(0),
        "≤ 100",
      ],
      ["  p99 ms", percentile(latencies, 99).toFixed(0), "≤ 300"],
    ];
  } finally {
    dev.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
