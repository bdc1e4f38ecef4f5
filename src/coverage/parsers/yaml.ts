/**
 * @module Loads a YAML rule file (Sigma, Splunk) into a plain mapping, or says why it cannot.
 */
import { parseAllDocuments } from "yaml";
import { type Dict, fail, firstLine, isDict, kindOf } from "./common";
import type { ParseError } from "./types";

export type YamlLoad = { ok: true; doc: Dict } | ParseError;

/**
 * Flow collections nested deeper than this are refused before parsing: the yaml library recurses
 * and allocates per level (an 800 KB file of flow sequences 400,000 deep took ~440 MB in Node, past
 * the Worker's 128 MB). Real rules nest a few levels.
 */
export const MAX_FLOW_DEPTH = 64;

/** Characters after which a quote opens a quoted scalar (else it is a letter of a plain scalar). */
const OPENS_AFTER = new Set(["", "[", "{", ",", ":", "-", "?"]);

/**
 * Depth of `[`/`{` outside quoted scalars. A quote counts as one only where a scalar may start,
 * and for this count it ends at its line's end at the latest: a stray quote can hide at most the
 * rest of one line, whose brackets then sit in a plain scalar, which the parser does not nest.
 */
function nestedTooDeep(content: string): boolean {
  let depth = 0;
  let quote = "";
  let before = ""; // the last non-blank character of the line outside quotes
  for (let i = 0; i < content.length; i++) {
    const ch = content[i] ?? "";
    if (ch === "\n") {
      [quote, before] = ["", ""];
      continue;
    }
    if (quote) {
      if (quote === '"' && ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if ((ch === "'" || ch === '"') && OPENS_AFTER.has(before)) quote = ch;
    else if (ch === "[" || ch === "{") {
      if (++depth > MAX_FLOW_DEPTH) return true;
    } else if ((ch === "]" || ch === "}") && depth > 0) depth--;
    if (ch !== " " && ch !== "\t") before = ch;
  }
  return false;
}

export function loadYamlMapping(content: string, label: string): YamlLoad {
  if (nestedTooDeep(content)) return fail(`${label} file nests flow collections more than ${MAX_FLOW_DEPTH} deep`);
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
