/**
 * @module Wrangler and local D1 for the Node-side scripts: running wrangler offline, and reaching
 * the same local D1 as `wrangler dev` through miniflare.
 */
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";
import { parse as parseToml } from "smol-toml";
import { ROOT } from "./cli";

const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** Environment for every wrangler call: offline, no telemetry, logs kept inside the project. */
export function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? path.join(ROOT, ".wrangler", "config"),
  };
}

/** Runs wrangler to completion; stdout captured when asked, stderr shown. */
export function wrangler(
  args: string[],
  options: { capture?: boolean; quiet?: boolean } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(WRANGLER, args, {
    cwd: ROOT,
    env: wranglerEnv(),
    encoding: "utf8",
    stdio: ["ignore", options.capture ? "pipe" : "inherit", options.quiet ? "pipe" : "inherit"],
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

export function wranglerLive(args: string[], options: SpawnOptions = {}) {
  return spawn(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), stdio: "inherit", ...options });
}

/** `--persist-to DIR` for wrangler (state root) when the caller keeps state somewhere else. */
export function persistArgs(persistTo: string | undefined): string[] {
  return persistTo ? ["--persist-to", persistTo] : [];
}

/** Applies pending migrations to the local D1 (`wrangler d1 migrations apply`). */
export function migrateLocal(persistTo?: string): void {
  const { status } = wrangler(["d1", "migrations", "apply", "DB", "--local", ...persistArgs(persistTo)], {
    capture: true,
  });
  if (status !== 0) throw new Error("wrangler d1 migrations apply failed (see above)");
}

interface WranglerToml {
  compatibility_date: string;
  d1_databases: { binding: string; database_id: string }[];
  vars?: Record<string, unknown>;
}

/** The variables `wrangler dev` gives the Worker: wrangler.toml's [vars], then .dev.vars over them. */
export function localVars(): Record<string, unknown> {
  const toml = parseToml(fs.readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) as unknown as WranglerToml;
  const vars: Record<string, unknown> = { ...toml.vars };
  const devVars = path.join(ROOT, ".dev.vars");
  if (fs.existsSync(devVars)) {
    for (const line of fs.readFileSync(devVars, "utf8").split("\n")) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (m?.[1]) vars[m[1]] = (m[2] ?? "").replace(/^"(.*)"$/, "$1");
    }
  }
  return vars;
}

/** Where miniflare keeps local D1 databases (keyed by database_id) under a wrangler state root. */
export function localD1Dir(persistTo?: string): string {
  return path.resolve(persistTo ?? path.join(ROOT, ".wrangler", "state"), "v3", "d1");
}

/**
 * Runs `fn` with the local D1 binding: the same SQLite file `wrangler dev` and
 * `wrangler d1 ... --local` use (miniflare keys local D1 by database_id under <state>/v3/d1).
 * Miniflare alone, not wrangler's platform proxy: a third of the memory, and no Worker to start.
 */
export async function withLocalDb<T>(fn: (db: D1Database) => Promise<T>, persistTo?: string): Promise<T> {
  const config = parseToml(fs.readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) as unknown as WranglerToml;
  const d1 = config.d1_databases.find((d) => d.binding === "DB");
  if (!d1) throw new Error("wrangler.toml has no D1 binding named DB");
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch: () => new Response(null, { status: 404 }) };",
    compatibilityDate: config.compatibility_date,
    d1Databases: { DB: d1.database_id },
    d1Persist: localD1Dir(persistTo),
  });
  try {
    return await fn(await mf.getD1Database("DB"));
  } finally {
    await mf.dispose();
  }
}
