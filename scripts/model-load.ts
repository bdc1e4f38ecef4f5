/**
 * npm run -s model:load [-- FILE] [--persist-to DIR]
 *
 * Stores a model artifact (default data/model/model.json.gz, as `npm run model:build` writes it)
 * in the local D1 that `npm start` serves. Loading the same model again changes nothing.
 */
import fs from "node:fs";
import { createDb } from "../src/db/client";
import { describeError } from "../src/errors";
import { importModelArtifact } from "../src/models/models.service";
import { DEFAULT_MODEL } from "./lib/model-file";
import { fail, fileExists, flag, parseArgs } from "./lib/cli";
import { migrateLocal, withLocalDb } from "./lib/wrangler";

const { flags, positional } = parseArgs(process.argv.slice(2));
const file = positional[0] ?? DEFAULT_MODEL;
if (!fileExists(file)) fail(`no such file: ${file}`);
const persistTo = flag(flags, "persist-to");
migrateLocal(persistTo);
const result = await withLocalDb(
  (d1) => importModelArtifact(createDb(d1), new Uint8Array(fs.readFileSync(file))),
  persistTo,
).catch((e: unknown) => fail(describeError(e)));
console.log(`${result.created ? "stored" : "already stored"} model ${result.id} for ATT&CK ${result.attackVersion}`);
