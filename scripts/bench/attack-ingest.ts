/**
 * @module ATT&CK ingest: the shipped 18.1 bundle into a fresh local D1 (wrangler's own SQLite,
 * through miniflare), each run in its own `attack:load` process so peak RSS is that process's alone.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_BUNDLE, migrateLocal, ROOT, wranglerEnv } from "../lib/wrangler";
import { median, type Row } from "./table";

interface LoadRun {
  status: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: { node: number; workerd: number | null };
}

export const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

/** Runs scripts/<name> in its own process and returns the last line it printed. */
export function runScript(name: string, args: string[]): string {
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", name), ...args], { cwd: ROOT, env: wranglerEnv(), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1) ?? "";
}

export function attackLoad(persistTo: string, file = DEFAULT_BUNDLE): LoadRun {
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", "attack-load.ts"), file, "--persist-to", persistTo, "--json"], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: "utf8",
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`attack:load failed:\n${r.stderr}`);
  return JSON.parse(line) as LoadRun;
}

export function benchAttackIngest(runs: number): Row[] {
  const loads: LoadRun[] = [];
  const reloads: LoadRun[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-bench-"));
    try {
      migrateLocal(dir);
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
