/**
 * npm run db:migrate | db:status | db:down  [-- --remote] [--persist-to DIR]
 *
 * up:     applies pending migrations (wrangler d1 migrations apply).
 * status: lists every migration in migrations/ as applied (with its time) or pending.
 * down:   reverts the last applied migration with migrations/down/<name>.sql and removes its row
 *         from wrangler's migrations table, in one batch.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unstable_splitSqlQuery } from "wrangler";
import { MIGRATIONS_TABLE, rollbackStatements } from "../src/db/rollback";
import { fail, flag, parseArgs, ROOT } from "./lib/cli";
import { persistArgs, wrangler } from "./lib/wrangler";

const { flags, positional } = parseArgs(process.argv.slice(2));
const command = positional[0];
const target = flags.remote ? ["--remote"] : ["--local", ...persistArgs(flag(flags, "persist-to"))];
const MIGRATIONS = path.join(ROOT, "migrations");

const available = () =>
  fs
    .readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));

function applied(): { name: string; applied_at: string }[] {
  const { status, stdout, stderr } = wrangler(
    [
      "d1",
      "execute",
      "DB",
      ...target,
      "--json",
      "--command",
      `SELECT name, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY id`,
    ],
    { capture: true, quiet: true },
  );
  // A database never migrated has no migrations table yet: nothing is applied.
  if (status !== 0 && /no such table/.test(stdout + stderr)) return [];
  if (status !== 0) fail(`could not read ${MIGRATIONS_TABLE}:\n${stderr || stdout}`);
  const [result] = JSON.parse(stdout) as { results: { name: string; applied_at: string }[] }[];
  return result?.results ?? [];
}

function status(): void {
  const done = new Map(applied().map((m) => [m.name, m.applied_at]));
  const names = available();
  for (const name of names) {
    const down = fs.existsSync(path.join(MIGRATIONS, "down", name)) ? "" : "  (no down script!)";
    console.log(
      `${done.has(name) ? "applied" : "pending"}  ${name}${done.has(name) ? `  ${done.get(name)}` : ""}${down}`,
    );
  }
  const unknown = [...done.keys()].filter((n) => !names.includes(n));
  for (const name of unknown) console.log(`applied  ${name}  (not in migrations/: applied from another checkout?)`);
  const pending = names.filter((n) => !done.has(n)).length;
  console.log(`${done.size} applied, ${pending} pending, ${names.length} available`);
}

function down(): void {
  const last = applied().at(-1);
  if (!last) fail("no migration is applied");
  const file = path.join(MIGRATIONS, "down", last.name);
  if (!fs.existsSync(file)) fail(`no down script for ${last.name} (expected ${path.relative(ROOT, file)})`);
  const statements = rollbackStatements(last.name, unstable_splitSqlQuery(fs.readFileSync(file, "utf8")));
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-down-")), last.name);
  fs.writeFileSync(tmp, statements.map((s) => s.replace(/;\s*$/, "")).join(";\n") + ";\n");
  const { status: code } = wrangler(["d1", "execute", "DB", ...target, "--yes", "--file", tmp], { capture: true });
  if (code !== 0) fail(`rolling back ${last.name} failed (see above); nothing was changed`);
  console.log(`reverted ${last.name}`);
}

switch (command) {
  case "up": {
    const { status: code } = wrangler(["d1", "migrations", "apply", "DB", ...target]);
    process.exit(code);
    break;
  }
  case "status":
    status();
    break;
  case "down":
    down();
    break;
  default:
    fail("usage: tsx scripts/db.ts up|status|down [--remote] [--persist-to DIR]");
}
