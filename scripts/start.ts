/**
 * npm start: migrate the local D1, load the shipped ATT&CK bundle when no version is active and
 * the shipped mapping model when the active version has none, then serve the Worker with
 * `wrangler dev` on $PORT (default 8787). Works offline.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import { loadAttackBundle } from "../src/attack/loader";
import { parseConfig } from "../src/config";
import { describeError } from "../src/errors";
import { createDb } from "../src/db/client";
import { getActiveVersion } from "../src/db/repos/attack";
import { latestModel } from "../src/db/repos/models";
import { importModelArtifact } from "../src/models/models.service";
import { DEFAULT_MODEL } from "./lib/model-file";
import { DEFAULT_BUNDLE } from "./lib/cli";
import { newKeyringValue } from "../src/secrets/secret-box";
import { ensureLocalSecrets, localVars, migrateLocal, withLocalDb, wranglerLive } from "./lib/wrangler";

const port = process.env.PORT ?? "8787";
if (!/^\d{1,5}$/.test(port)) {
  console.error(`PORT must be a port number, not '${port}'`);
  process.exit(1);
}

// Secrets declared in wrangler.toml get local values once (kept in .dev.vars, which git ignores).
for (const name of ensureLocalSecrets({ SECRET_KEYS: () => newKeyringValue() })) {
  console.error(`${name}: a local value was generated into .dev.vars`);
}

// The Worker parses its settings on its first request; a bad one is refused here, before anything starts.
try {
  parseConfig(localVars());
} catch (e) {
  console.error(`wrangler.toml [vars] / .dev.vars: ${describeError(e)}`);
  process.exit(1);
}

console.error("applying migrations to the local D1 …");
migrateLocal();
await withLocalDb(async (d1) => {
  const db = createDb(d1);
  let active = await getActiveVersion(db);
  if (active) console.error(`ATT&CK ${active.version} is active`);
  else {
    console.error(`no ATT&CK version is active: loading ${DEFAULT_BUNDLE} …`);
    const body = Readable.toWeb(fs.createReadStream(DEFAULT_BUNDLE)) as ReadableStream<Uint8Array>;
    const result = await loadAttackBundle(d1, body, {
      onProgress: (p) =>
        process.stderr.write(`\r  ${p.objects.toLocaleString()} objects, ${p.rows.toLocaleString()} rows`),
    });
    console.error(
      `\nATT&CK ${result.version}: ${result.rows.toLocaleString()} rows in ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    active = await getActiveVersion(db);
  }
  if (!active || (await latestModel(db, active.version))) return;
  const stored = await importModelArtifact(db, new Uint8Array(fs.readFileSync(DEFAULT_MODEL)));
  console.error(`mapping model ${stored.id} stored for ATT&CK ${stored.attackVersion}`);
  if (stored.attackVersion !== active.version) {
    console.error(
      `warning: the shipped model is for ATT&CK ${stored.attackVersion} but ${active.version} is active: run npm run model:build -- --attack BUNDLE`,
    );
  }
});

console.error(`serving on http://localhost:${port} — create an API key with: npm run -s key:create -- --tenant NAME`);
const dev = wranglerLive(["dev", "--port", port, "--show-interactive-dev-session=false"]);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
