/**
 * @module Load: 50 concurrent clients for a bounded time per target (30 s; `--seconds N` or
 * LOAD_SECONDS) against `wrangler dev` on loopback: a technique GET, MCP `get_technique`, and
 * `POST /api/v1/analyze` with 20 KB of text. Then refused 30 MB chunked uploads, each followed by a
 * GET on a new connection, and a short burst. Errors are counted by where they come from: a 5xx of
 * the Worker, the 503 wrangler's proxy answers when its forward to the Worker fails, and no answer
 * (reset, or none in 60 s); 429s apart. BENCH_VERBOSE shows wrangler's log, BENCH_KEEP keeps it.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { flag, parseArgs } from "../lib/cli";
import { workerdMemoryMb } from "../lib/rss";
import { documents, reportTexts } from "./corpus";
import { attackLoad, runScript, startDev, unlimitedConfig, type DevServer } from "./harness";
import { median, percentile, type Row } from "./table";

const CLIENTS = 50;
const SECONDS = Number(flag(parseArgs(process.argv.slice(2)).flags, "seconds") ?? process.env.LOAD_SECONDS ?? 30);
const BURST_SECONDS = 5;
const REQUEST_TIMEOUT_MS = 60_000;
const UPLOAD_BYTES = 30 * 1024 * 1024;
const UPLOADS = 3;
/** What wrangler dev's proxy (4.86) answers a POST whose forward to the Worker failed, whatever the cause. */
const PROXY_503 = "Your worker restarted mid-request";

interface Tally {
  requests: number;
  /** 5xx from the Worker itself. */
  errors: number;
  /** 503 from wrangler dev's proxy. */
  proxy: number;
  /** No answer: connection reset, or none within REQUEST_TIMEOUT_MS. */
  transport: number;
  limited: number;
  latencies: number[];
  /** The first few failures, for the log. */
  samples: string[];
}

type Send = (i: number) => Promise<Response>;

/** CLIENTS loops sending `send` back to back until `seconds` have passed. */
async function hammer(send: Send, seconds: number): Promise<Tally> {
  const t: Tally = { requests: 0, errors: 0, proxy: 0, transport: 0, limited: 0, latencies: [], samples: [] };
  const sample = (what: string) => void (t.samples.length < 5 && t.samples.push(what));
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        t.requests++;
        try {
          const res = await send(n++);
          const body = await res.text();
          t.latencies.push(performance.now() - t0);
          if (res.status === 429) t.limited++;
          if (res.status < 500) continue;
          if (res.status === 503 && body.startsWith(PROXY_503)) t.proxy++;
          else t.errors++;
          sample(`${res.status} ${body.slice(0, 120)}`);
        } catch (e) {
          t.transport++;
          sample(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
        }
      }
    }),
  );
  return t;
}

function rows(name: string, t: Tally, seconds: number): Row[] {
  if (t.samples.length) console.error(`${name}, failures such as:\n  ${t.samples.join("\n  ")}`);
  const ms = (x: number) => x.toFixed(0);
  return [
    [`${name}: requests (${CLIENTS} clients × ${seconds} s)`, `${t.requests} (${ms(t.requests / seconds)}/s)`, ""],
    ["  errors: 5xx / proxy 503 / no answer", `${t.errors} / ${t.proxy} / ${t.transport}`, "0 / 0 / 0"],
    ["  429s", String(t.limited), "0"],
    [
      "  p50 / p99 / max ms",
      `${ms(median(t.latencies))} / ${ms(percentile(t.latencies, 99))} / ${ms(Math.max(0, ...t.latencies))}`,
      "",
    ],
  ];
}

/** A 30 MB body sent chunked (no Content-Length) on its own connection: the status, or the error. */
function chunkedUpload(base: string, key: string): Promise<string> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  return new Promise((resolve) => {
    const req = http.request(new URL("/api/v1/analyses", base), {
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
    });
    req.on("error", (e) => resolve(e.message));
    let sent = 0;
    const pump = () => {
      while (sent < UPLOAD_BYTES) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

/** Milliseconds to a 200 from `url` on a new connection; REQUEST_TIMEOUT_MS when there is none. */
function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? performance.now() - t0 : REQUEST_TIMEOUT_MS));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(REQUEST_TIMEOUT_MS));
  });
}

export async function benchLoad(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-load-"));
  const log = path.join(dir, "wrangler.log");
  let dev: DevServer | undefined;
  try {
    // Started first: wrangler boots while the data loads.
    dev = await startDev(dir, ["--config", unlimitedConfig(dir)], { verbose: Boolean(process.env.BENCH_VERBOSE), log });
    attackLoad(dir);
    runScript("model-load.ts", ["--persist-to", dir]);
    const key = runScript("key-create.ts", ["--tenant", "bench", "--persist-to", dir]);
    await dev.ready();
    const { base } = dev;
    const [doc = ""] = documents((await reportTexts()).texts, 20_000, 20_000);
    const auth = { authorization: `Bearer ${key}` };
    const signal = () => AbortSignal.timeout(REQUEST_TIMEOUT_MS);

    const getTechnique: Send = () =>
      fetch(`${base}/api/v1/attack/techniques/T1059.001`, { headers: auth, signal: signal() });
    const mcpTechnique: Send = (i) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "get_technique", arguments: { id: "T1059.001" } },
        }),
        signal: signal(),
      });
    const analyze: Send = (i) =>
      fetch(`${base}/api/v1/analyze`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        // A different text each time: every request is analysed and stored as a new report.
        body: JSON.stringify({ text: `${doc}\n\nLoad request ${i}.` }),
        signal: signal(),
      });

    // Warm-up: the isolate started, the model loaded.
    for (const send of [getTechnique, mcpTechnique, analyze]) await (await send(-1)).text();

    const out: Row[] = [
      ...rows("GET /api/v1/attack/techniques/T1059.001", await hammer(getTechnique, SECONDS), SECONDS),
      ...rows("MCP tools/call get_technique", await hammer(mcpTechnique, SECONDS), SECONDS),
      ...rows("POST /api/v1/analyze, 20 KB text", await hammer(analyze, SECONDS), SECONDS),
    ];

    // Refused uploads: 413 each, and the GET right after, alone on a new connection, answered at once.
    const statuses: string[] = [];
    let slowest = 0;
    for (let i = 0; i < UPLOADS; i++) {
      statuses.push(await chunkedUpload(base, key));
      slowest = Math.max(slowest, await timedGet(`${base}/health`));
    }
    out.push([`${UPLOADS} refused 30 MB chunked uploads: statuses`, statuses.join(" "), "413 each"]);
    out.push(["  slowest GET on a new connection after one, ms", slowest.toFixed(0), "≤ 1000"]);
    out.push(...rows("  then GET technique", await hammer(getTechnique, BURST_SECONDS), BURST_SECONDS));

    if (dev.pid) out.push(["largest workerd peak RSS MB", String(workerdMemoryMb(dev.pid) ?? "?"), ""]);
    const reloads = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("Reloading local server").length - 1 : 0;
    if (reloads)
      console.error(`wrangler reloaded the Worker ${reloads} times (files changed): requests in flight got 503`);
    out.push(["wrangler reloads during the run (source edits)", String(reloads), "0"]);
    return out;
  } finally {
    dev?.stop();
    if (process.env.BENCH_KEEP) console.error(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}
