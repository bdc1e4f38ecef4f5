/**
 * @module Small pure helpers the format parsers share: reading loosely typed YAML/TOML values,
 * technique and tactic ids, status from the path, parse confidence.
 */
import { canonicalTechniqueId } from "../../attack/ids";
import type { ParseError } from "./types";

export type Dict = Record<string, unknown>;

/** Longest query or search kept as a condition: enough to read, bounded for storage. */
export const MAX_CONDITION_CHARS = 2000;

const TACTIC_ID = /^TA\d{4}$/i;

export function isDict(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A scalar as trimmed text; null for missing, empty or structured values. */
export function text(v: unknown): string | null {
  let s: string | null = null;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") s = String(v);
  // TOML dates arrive as Date subclasses whose toISOString keeps the precision written.
  else if (v instanceof Date) s = Number.isNaN(v.getTime()) ? null : v.toISOString();
  s = s?.trim() ?? null;
  return s ? s : null;
}

/** A list of scalars as texts; a lone scalar counts as a list of one (authors write both). */
export function textList(v: unknown): string[] {
  const items = Array.isArray(v) ? v : [v];
  return items.map(text).filter((s): s is string => s !== null);
}

/** The texts of `v` (a list or a lone scalar) joined with ", "; null when there are none. */
export function joined(v: unknown): string | null {
  return textList(v).join(", ") || null;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Upper-cased technique ids among `raw`, de-duplicated and sorted; anything else is dropped. */
export function techniqueIds(raw: Iterable<string>): string[] {
  const ids: string[] = [];
  for (const r of raw) {
    const id = canonicalTechniqueId(r);
    if (id) ids.push(id);
  }
  return uniqueSorted(ids);
}

export function tacticIds(raw: Iterable<string>): string[] {
  const ids: string[] = [];
  for (const r of raw) if (TACTIC_ID.test(r.trim())) ids.push(r.trim().toUpperCase());
  return uniqueSorted(ids);
}

/** Repositories park retired rules in a `deprecated` (Sigma, Splunk) or `_deprecated` (Elastic) folder. */
export function inDeprecatedDir(path: string): boolean {
  return path
    .split(/[\\/]/)
    .slice(0, -1)
    .some((seg) => /^_?deprecated$/i.test(seg));
}

export function clip(s: string, max = MAX_CONDITION_CHARS): string {
  const t = s.trim();
  return t.length > max ? t.slice(0, max) : t;
}

/** Share of the expected fields that were present, to two decimals. */
export function completeness(present: boolean[]): number {
  if (present.length === 0) return 1;
  return Math.round((present.filter(Boolean).length / present.length) * 100) / 100;
}

/** First line of a parser's message: the rest is a code frame that repeats the user's file. */
export function firstLine(message: string): string {
  const line =
    message
      .split("\n")
      .find((l) => l.trim())
      ?.trim() ?? "unknown error";
  return line.replace(/:$/, "");
}

/** The failure every parser (and the YAML loader) returns. */
export function fail(error: string): ParseError {
  return { ok: false, error };
}

/**
 * The rule's id and name from `src[idKey]` and `src[nameKey]`, or the error naming what is missing,
 * e.g. "Elastic rule has no [rule] `rule_id`" (what "Elastic rule", where "[rule] ").
 */
export function ruleIdAndName(
  src: Dict,
  what: string,
  idKey: string,
  nameKey: string,
  where = "",
): { ok: true; ruleId: string; name: string } | ParseError {
  const ruleId = text(src[idKey]);
  const name = text(src[nameKey]);
  if (!ruleId && !name) return fail(`${what} has neither ${where}\`${idKey}\` nor \`${nameKey}\``);
  if (!ruleId) return fail(`${what} has no ${where}\`${idKey}\``);
  if (!name) return fail(`${what} has no ${where}\`${nameKey}\``);
  return { ok: true, ruleId, name };
}

/** What kind of value a document turned out to be, for "is not a mapping" errors. */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "empty";
  if (Array.isArray(v)) return "a list";
  return `a ${typeof v}`;
}
