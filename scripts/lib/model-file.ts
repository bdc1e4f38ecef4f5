/**
 * @module Reading the model artifact (gzipped JSON) from disk for the Node tools.
 */
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { loadModel, type Model, type ModelData } from "../../src/analysis/model";
import { ROOT } from "./cli";

export const DEFAULT_MODEL = path.join(ROOT, "data", "model", "model.json.gz");

export function readModelData(file = DEFAULT_MODEL): ModelData {
  const bytes = fs.readFileSync(file);
  const json = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  return JSON.parse(json) as ModelData;
}

export function readModel(file = DEFAULT_MODEL): Model {
  return loadModel(readModelData(file));
}
