/**
 * @module ATT&CK refresh 17.1 → 18.1 in the Worker (`wrangler dev`): the bundle served from a local
 * file over HTTP, then download, load, diff, model carried over, switch, re-evaluation start. Also
 * the peak resident memory of the workerd process running it (an upper bound for the Worker:
 * workerd's own runtime is included).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { DEFAULT_BUNDLE, ROOT } from "../lib/cli";
import { DEFAULT_MODEL } from "../lib/model-file";
import { workerdMemoryMb } from "../lib/rss";
import { attackLoad, freePort, runScript, startDev, type DevServer } from "./harness";
import type { Row } from "./table";

const BUNDLE_171 = path.resolve(ROOT, "..", "shared", "data", "attack", "enterprise-attack-17.1.json.gz");

export async function benchRefresh(): Promise<Row[]> {
  if (!fs.existsSync(BUNDLE_171)) {
    process.stderr.write(
      `refresh bench SKIPPED: ${BUNDLE_171} not found (../shared/data is needed for the 17.1 bundle)\n`,
    );
    return [["ATT&CK refresh 17.1 → 18.1", "skipped: no ../shared/data", "≤ 60 s"]];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-refresh-"));
  const files = http.createServer((req, res) => {
    if (req.url !== "/enterprise-attack-18.1.json.gz") return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/gzip" });
    fs.createReadStream(DEFAULT_BUNDLE).pipe(res);
  });
  const filePort = await freePort();
  await new Promise<void>((resolve) => files.listen(filePort, "127.0.0.1", resolve));
  let dev: DevServer | undefined;
  try {
    attackLoad(dir, BUNDLE_171);
    const model = path.join(dir, "model-17.1.json.gz");
    runScript("model-adapt.ts", ["--attack", BUNDLE_171, "--out", model]);
    runScript("model-load.ts", [model, "--persist-to", dir]);
    const operator = runScript("key-create.ts", ["--tenant", "bench", "--operator", "--persist-to", dir]);
    dev = await startDev(dir, ["--var", "ATTACK_URL_CHECK:false"]);
    const { base, pid } = dev;
    await dev.ready();
    const headers = { authorization: `Bearer ${operator}`, "content-type": "application/json" };
    const before = pid ? (workerdMemoryMb(pid, "VmRSS") ?? 0) : 0;
    const t0 = performance.now();
    const started = await (
      await fetch(`${base}/api/v1/attack/refresh`, {
        method: "POST",
        headers,
        body: JSON.stringify({ url: `http://127.0.0.1:${filePort}/enterprise-attack-18.1.json.gz` }),
      })
    ).json<{ workflowId: string }>();
    let status = {
      status: "pending",
      error: null as string | null,
      steps: [] as { step: string; durationMs: number | null }[],
    };
    while (!["completed", "failed", "cancelled"].includes(status.status)) {
      await new Promise((r) => setTimeout(r, 200));
      status = await (
        await fetch(`${base}/api/v1/attack/refresh/${started.workflowId}`, { headers })
      ).json<typeof status>();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (status.status !== "completed") throw new Error(`refresh ${status.status}: ${status.error}`);
    const peak = pid ? (workerdMemoryMb(pid, "VmHWM") ?? 0) : 0;
    const steps = status.steps.map((s) => `${s.step} ${((s.durationMs ?? 0) / 1000).toFixed(1)}`).join(", ");
    process.stderr.write(`refresh: ${seconds.toFixed(1)} s (${steps})\n`);
    const probe = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        "--import",
        "tsx",
        path.join(ROOT, "scripts", "bench", "heap-probe.ts"),
        DEFAULT_BUNDLE,
        DEFAULT_MODEL,
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    const heap = JSON.parse(probe.stdout.trim().split("\n").at(-1) ?? "{}") as {
      loaderHeapMb?: number;
      adaptHeapMb?: number;
    };
    return [
      ["ATT&CK refresh 17.1 → 18.1 in the Worker, seconds", seconds.toFixed(1), "≤ 60"],
      [
        "  loader's live JS heap while streaming 18.1 (sampled after GC), MB",
        (heap.loaderHeapMb ?? Number.NaN).toFixed(1),
        "≤ 128",
      ],
      ["  carried model kept in memory after adaptation, MB", (heap.adaptHeapMb ?? Number.NaN).toFixed(1), ""],
      [`  steps, seconds: ${steps}`, "", ""],
      [
        "  workerd peak RSS above its RSS before the refresh (loader, model, local D1), MB",
        String(peak - before),
        "≤ 128 (Worker)",
      ],
      ["  workerd peak RSS, whole runtime (V8, local D1, DO storage), MB", String(peak), ""],
    ];
  } finally {
    dev?.stop();
    files.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
