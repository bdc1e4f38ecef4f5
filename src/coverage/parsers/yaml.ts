/**
 * @module Loads a YAML rule file (Sigma, Splunk) into a plain mapping, or says why it cannot.
 */
import { parseAllDocuments } from "yaml";
import { type Dict, fail, firstLine, isDict, kindOf } from "./common";
import type { ParseError } from "./types";

export type YamlLoad = { ok: true; doc: Dict } | ParseError;

/**
 * The file's first non-empty document. Multi-document files are old Sigma rule collections
 * (`action: global` first, variants after); the first document carries the shared title, id and
 * tags, which is what coverage needs, so the others are not merged in.
 */
export function loadYamlMapping(content: string, label: string): YamlLoad {
  // YAML 1.2 core schema: dates stay strings as written, ids never become numbers.
  const docs = parseAllDocuments(content, { prettyErrors: true, schema: "core" });
  if (docs.length === 0) return fail(`${label} file is empty`);
  for (const d of docs) {
    const err = d.errors[0];
    if (err) return fail(`invalid YAML: ${firstLine(err.message)}`);
  }
  const first = docs.find((d) => d.contents !== null) ?? docs[0];
  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs"): past it, toJS throws.
    value = first?.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return fail(`invalid YAML: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  if (!isDict(value)) return fail(`${label} file is not a YAML mapping (it is ${kindOf(value)})`);
  return { ok: true, doc: value };
}
