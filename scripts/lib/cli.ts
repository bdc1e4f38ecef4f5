/**
 * @module Helpers every Node-side script uses: project paths, flag parsing, failing with a message.
 * Kept apart from ./wrangler so scripts that never touch D1 do not load miniflare at start-up.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_BUNDLE = path.join(ROOT, "data", "attack", "enterprise-attack-18.1.json.gz");

/** Minimal flag parser: `--name value`, `--flag`, and positional arguments. */
export function parseArgs(argv: string[]): { flags: Record<string, string | true>; positional: string[] } {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags[name] = inline;
      else if (next !== undefined && !next.startsWith("--")) {
        flags[name] = next;
        i++;
      } else flags[name] = true;
    } else positional.push(arg);
  }
  return { flags, positional };
}

export function flag(flags: Record<string, string | true>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

export function fileExists(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isFile();
}
