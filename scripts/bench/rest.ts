/**
 * @module REST latency: POST /api/v1/analyze with a 100 KB report against the Worker served by
 * `wrangler dev` (local D1 with ATT&CK and the model loaded), sequential requests after warm-up.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { migrateLocal, ROOT, WRANGLER, wranglerEnv } from "../lib/wrangler";
import { attackLoad, runScript } from "./attack-ingest";
import { documents, reportTexts } from "./corpus";
import { median, percentile, type Row } from "./table";

const WARMUP = 5;
const REQUESTS = 100;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("wrangler dev did not become healthy");
}

export async function benchRest(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-rest-"));
  const port = await freePort();
  const dev = spawn(WRANGLER, ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", dir, "--show-interactive-dev-session=false"], {
    cwd: ROOT,
    env: wranglerEnv(),
    stdio: "ignore",
  });
  try {
    migrateLocal(dir);
    attackLoad(dir);
    runScript("model-load.ts", ["--persist-to", dir]);
    const key = runScript("key-create.ts", ["--tenant", "bench", "--persist-to", dir]);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base);
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
      [`REST POST /api/v1/analyze, 100 KB report, p50 ms (${REQUESTS} requests)`, median(latencies).toFixed(0), "≤ 100"],
      ["  p99 ms", percentile(latencies, 99).toFixed(0), "≤ 300"],
    ];
  } finally {
    dev.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
