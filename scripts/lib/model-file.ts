/**
 * @module Reading the model artifact (gzipped JSON) from disk for the Node tools.
 */
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { loadModel, type Model, type ModelData } from "../../src/analysis/model";
import { parseModelData } from "../../src/analysis/model-data";
import { describeError } from "../../src/errors";
import { fail, ROOT } from "./cli";

export const DEFAULT_MODEL = path.join(ROOT, "data", "model", "model.json.gz");

export function readModelData(file = DEFAULT_MODEL): ModelData {
  const bytes = fs.readFileSync(file);
  const json = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  return parseModelData(json);
}

export function readModel(file = DEFAULT_MODEL): Model {
  return loadModel(readModelData(file));
}

/** `read(file)` (readModel or readModelData), or one clear error line and exit 1 when the file is missing or not a model. */
export function modelFileOrFail<T>(file: string, read: (file: string) => T): T {
  try {
    return read(file);
  } catch (e) {
    return fail(`${file} is not a readable model: ${describeError(e)}`);
  }
}
