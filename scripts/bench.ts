/**
 * npm run bench [-- --runs N]: benchmarks, printed as a table.
 *
 * ATT&CK ingest: the shipped 18.1 bundle into a fresh local D1 (wrangler's own SQLite, through
 * miniflare), each run in its own `attack:load` process so peak RSS is that process's alone.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_BUNDLE, flag, migrateLocal, parseArgs, ROOT, wranglerEnv } from "./lib/wrangler";

interface LoadRun {
  status: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: { node: number; workerd: number | null };
}

const { flags } = parseArgs(process.argv.slice(2));
const runs = Number.parseInt(flag(flags, "runs") ?? "3", 10);

function attackLoad(persistTo: string): LoadRun {
  const r = spawnSync(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    [path.join(ROOT, "scripts", "attack-load.ts"), DEFAULT_BUNDLE, "--persist-to", persistTo, "--json"],
    { cwd: ROOT, env: wranglerEnv(), encoding: "utf8" },
  );
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`attack:load failed:\n${r.stderr}`);
  return JSON.parse(line) as LoadRun;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

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
  process.stderr.write(`run ${i + 1}/${runs}: ${loads.at(-1)?.seconds.toFixed(1)} s\n`);
}

const rows: [string, string, string][] = [
  ["ATT&CK 18.1 ingest, seconds (median of runs)", median(loads.map((l) => l.seconds)).toFixed(1), "≤ 30"],
  ["  fastest / slowest run, seconds", `${Math.min(...loads.map((l) => l.seconds)).toFixed(1)} / ${Math.max(...loads.map((l) => l.seconds)).toFixed(1)}`, ""],
  ["  rows written", String(loads[0]?.rows ?? 0), ""],
  ["  rows per second (median)", Math.round(median(loads.map((l) => l.rowsPerSecond))).toLocaleString("en"), ""],
  ["  peak RSS of the loading process (node), MB", String(Math.max(...loads.map((l) => l.peakRssMb.node))), ""],
  ["  peak RSS of its workerd (local D1), MB", String(Math.max(...loads.map((l) => l.peakRssMb.workerd ?? 0))), ""],
  ["Reload of a loaded version (no-op), seconds", median(reloads.map((l) => l.seconds)).toFixed(2), ""],
];

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`\nTTPscope benchmarks — ${runs} run(s), node ${process.version}, ${os.cpus().length} CPUs\n`);
console.log(`| ${"benchmark".padEnd(width)} | value       | goal  |`);
console.log(`| ${"-".repeat(width)} | ----------- | ----- |`);
for (const [name, value, goal] of rows) console.log(`| ${name.padEnd(width)} | ${value.padEnd(11)} | ${goal.padEnd(5)} |`);
