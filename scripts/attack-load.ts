/**
 * npm run -s attack:load -- FILE [--activate auto|always|never] [--persist-to DIR] [--json]
 *
 * Streams an ATT&CK STIX bundle (.json or .json.gz) into the local D1 that `npm start` serves, with
 * the same loader the Worker uses. Progress goes to stderr; the summary to stdout.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { loadAttackBundle, type LoadOptions } from "../src/attack/loader";
import { AppError } from "../src/errors";
import { fail, fileExists, flag, parseArgs } from "./lib/cli";
import { migrateLocal, withLocalDb } from "./lib/wrangler";
import { peakRssMb } from "./lib/rss";

const { flags, positional } = parseArgs(process.argv.slice(2));
const file = positional[0];
if (!file || flags.help)
  fail("usage: npm run -s attack:load -- FILE [--activate auto|always|never] [--persist-to DIR] [--json]");
if (!fileExists(file)) fail(`no such file: ${file}`);
const activate = (flag(flags, "activate") ?? "auto") as NonNullable<LoadOptions["activate"]>;
if (!["auto", "always", "never"].includes(activate)) fail("--activate takes auto, always or never");
const persistTo = flag(flags, "persist-to");

migrateLocal(persistTo);
const size = fs.statSync(file).size;
const started = performance.now();
try {
  const { result, rss } = await withLocalDb(async (db) => {
    const body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
    const loaded = await loadAttackBundle(db, body, {
      activate,
      onProgress: (p) =>
        process.stderr.write(
          `\rloading ${file}: ${p.objects.toLocaleString()} objects, ${p.rows.toLocaleString()} rows, ` +
            `${Math.round((100 * p.bytes) / size)}% read`,
        ),
    });
    // Sampled before miniflare stops: workerd's high-water mark leaves with its process.
    return { result: loaded, rss: peakRssMb() };
  }, persistTo);
  process.stderr.write("\n");
  const seconds = (performance.now() - started) / 1000;
  if (flags.json) {
    console.log(JSON.stringify({ ...result, seconds, rowsPerSecond: result.rows / seconds, peakRssMb: rss }));
  } else {
    const verb = result.status === "loaded" ? "loaded" : "already loaded, nothing changed:";
    console.log(
      `ATT&CK ${result.version} ${verb} ${result.rows.toLocaleString()} rows from ${result.objects.toLocaleString()} objects in ${seconds.toFixed(1)} s` +
        `${result.active ? " (active)" : " (not active)"}; peak RSS ${rss.node} MB (node), ${rss.workerd ?? "?"} MB (workerd)`,
    );
    if (Object.keys(result.skipped).length) console.log(`skipped: ${JSON.stringify(result.skipped)}`);
  }
} catch (e) {
  process.stderr.write("\n");
  if (e instanceof AppError) fail(`${file} was not loaded: ${e.message}`);
  throw e;
}
