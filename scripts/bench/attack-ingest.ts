/**
 * @module ATT&CK ingest: the shipped 18.1 bundle into a fresh local D1 (wrangler's own SQLite,
 * through miniflare), each run in its own `attack:load` process so peak RSS is that process's alone.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { attackLoad, type LoadRun } from "./harness";
import { median, type Row } from "./table";

export function benchAttackIngest(runs: number): Row[] {
  const loads: LoadRun[] = [];
  const reloads: LoadRun[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-bench-"));
    try {
      // attack:load migrates the fresh folder itself, before its timer starts.
      loads.push(attackLoad(dir));
      reloads.push(attackLoad(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    process.stderr.write(`attack ingest run ${i + 1}/${runs}: ${loads.at(-1)?.seconds.toFixed(1)} s\n`);
  }
  const secs = loads.map((l) => l.seconds);
  return [
    ["ATT&CK 18.1 ingest, seconds (median of runs)", median(secs).toFixed(1), "≤ 30"],
    ["  fastest / slowest run, seconds", `${Math.min(...secs).toFixed(1)} / ${Math.max(...secs).toFixed(1)}`, ""],
    ["  rows written", String(loads[0]?.rows ?? 0), ""],
    ["  rows per second (median)", Math.round(median(loads.map((l) => l.rowsPerSecond))).toLocaleString("en"), ""],
    ["  peak RSS of the loading process (node), MB", String(Math.max(...loads.map((l) => l.peakRssMb.node))), ""],
    ["  peak RSS of its workerd (local D1), MB", String(Math.max(...loads.map((l) => l.peakRssMb.workerd ?? 0))), ""],
    ["Reload of a loaded version (no-op), seconds", median(reloads.map((l) => l.seconds)).toFixed(2), ""],
  ];
}
