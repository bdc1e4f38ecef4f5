/**
 * @module What the benchmarks share: running a script in its own process, ATT&CK loads, and a
 * `wrangler dev` on a free port over a given state folder.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { DEFAULT_BUNDLE, ROOT } from "../lib/cli";
import { wranglerEnv, wranglerLive } from "../lib/wrangler";

const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

/** Runs scripts/<name> in its own process and returns the last line it printed. */
export function runScript(name: string, args: string[]): string {
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", name), ...args], {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1) ?? "";
}

/** The `--json` summary of `attack:load`. */
export interface LoadRun {
  status: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: { node: number; workerd: number | null };
}

/** Loads an ATT&CK bundle into `persistTo` (migrating it first) in its own `attack:load` process. */
export function attackLoad(persistTo: string, file = DEFAULT_BUNDLE): LoadRun {
  const line = runScript("attack-load.ts", [file, "--persist-to", persistTo, "--json"]);
  if (!line.startsWith("{")) throw new Error(`attack-load.ts printed no JSON summary; its last line: ${line}`);
  return JSON.parse(line) as LoadRun;
}

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

export interface DevServer {
  base: string;
  /** The wrangler process: its workerd children are what memory figures read. */
  pid: number | undefined;
  /** Resolves once the Worker answers /health. */
  ready: () => Promise<void>;
  stop: () => void;
}

/**
 * Starts `wrangler dev` on a free local port over the state in `dir`, without waiting for it: a
 * bench may load data meanwhile and call `ready()` before its first request. Output is shown only
 * when `verbose`, else written to `log` when given.
 */
export async function startDev(
  dir: string,
  extraArgs: string[] = [],
  options: { verbose?: boolean; log?: string } = {},
): Promise<DevServer> {
  const port = await freePort();
  const output = options.verbose ? "inherit" : options.log ? fs.openSync(options.log, "a") : "ignore";
  const dev = wranglerLive(
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      dir,
      "--show-interactive-dev-session=false",
      ...extraArgs,
    ],
    { stdio: ["ignore", output, output] },
  );
  const base = `http://127.0.0.1:${port}`;
  return { base, pid: dev.pid, ready: () => waitForHealth(base), stop: () => dev.kill("SIGTERM") };
}

/**
 * A copy of wrangler.toml for this run: paths made absolute, and the per-key [[ratelimits]] raised
 * out of reach, so the bench measures the server, not the limits (one key sends thousands of
 * requests a minute). .dev.vars (local secrets) goes along: wrangler reads it beside the config.
 */
export function unlimitedConfig(dir: string): string {
  const toml = parseToml(fs.readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) as {
    main: string;
    d1_databases?: { migrations_dir?: string }[];
    ratelimits?: { simple?: { limit: number } }[];
  };
  toml.main = path.join(ROOT, toml.main);
  for (const db of toml.d1_databases ?? []) {
    if (db.migrations_dir) db.migrations_dir = path.join(ROOT, db.migrations_dir);
  }
  for (const limit of toml.ratelimits ?? []) {
    if (limit.simple) limit.simple.limit = 1_000_000;
  }
  const configDir = fs.mkdtempSync(path.join(dir, "config-"));
  const devVars = path.join(ROOT, ".dev.vars");
  if (fs.existsSync(devVars)) fs.copyFileSync(devVars, path.join(configDir, ".dev.vars"));
  const file = path.join(configDir, "wrangler.toml");
  fs.writeFileSync(file, stringifyToml(toml));
  return file;
}
