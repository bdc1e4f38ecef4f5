/**
 * @module The probe sets of test/fixtures/probes (see its README): their types, reading them with
 * a check of every field, and the matching rules the probes eval scores by.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./cli";

export const PROBES_DIR = path.join(ROOT, "test", "fixtures", "probes");

export const SPLITS = ["tune", "heldout"] as const;
export type Split = (typeof SPLITS)[number];

export const CONTEXT_CLASSES = [
  "negated",
  "advisory",
  "hypothetical",
  "not_observed_list",
  "mention_only",
  "furniture",
] as const;
export type ContextClass = (typeof CONTEXT_CLASSES)[number];

/** A sentence that asserts its techniques. */
export interface TextbookProbe {
  id: string;
  tactic: string;
  text: string;
  techniques: string[];
  /** Also a hit when asserted (with their sub-techniques): where parent/sub or neighbour is ambiguous. */
  alsoAccept?: string[];
  split: Split;
}

/** A text that mentions techniques without asserting them; "*" in mustNot: nothing may be asserted. */
export interface ContextProbe {
  id: string;
  class: ContextClass;
  text: string;
  mustNot: string[];
  split: Split;
}

/** A context-like sentence that does assert (a negation word that negates nothing of the behaviour). */
export interface ControlProbe {
  id: string;
  class: "control";
  text: string;
  techniques: string[];
  alsoAccept?: string[];
  split: Split;
}

export interface ProbeSets {
  textbook: TextbookProbe[];
  context: ContextProbe[];
  controls: ControlProbe[];
}

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;

type Raw = Record<string, unknown>;

function check(ok: boolean, where: string, what: string): void {
  if (!ok) throw new Error(`${where}: ${what}`);
}

function ids(o: Raw, key: string, where: string, allowAny = false): string[] {
  const v = o[key];
  check(Array.isArray(v) && v.length > 0, where, `${key} must be a non-empty array`);
  for (const id of v as unknown[]) {
    check(
      typeof id === "string" && (TECHNIQUE.test(id) || (allowAny && id === "*")),
      where,
      `bad id in ${key}: ${String(id)}`,
    );
  }
  return v as string[];
}

function common(o: Raw, where: string): { id: string; text: string; split: Split } {
  check(typeof o.id === "string" && o.id.length > 0, where, "id must be a string");
  check(typeof o.text === "string" && o.text.trim().length > 0, where, "text must be a non-empty string");
  check(SPLITS.includes(o.split as Split), where, `split must be one of ${SPLITS.join(", ")}`);
  return { id: o.id as string, text: o.text as string, split: o.split as Split };
}

function readArray(file: string): Raw[] {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  check(Array.isArray(raw), file, "must hold a JSON array");
  return raw as Raw[];
}

/** Reads textbook.json and context.json from `dir`; throws on any malformed probe or repeated id. */
export function readProbeSets(dir = PROBES_DIR): ProbeSets {
  const sets: ProbeSets = { textbook: [], context: [], controls: [] };
  const seen = new Set<string>();
  const unique = (id: string, where: string) => {
    check(!seen.has(id), where, `repeated id ${id}`);
    seen.add(id);
  };
  const textbookFile = path.join(dir, "textbook.json");
  readArray(textbookFile).forEach((o, i) => {
    const where = `${textbookFile} [${i}]`;
    const base = common(o, where);
    unique(base.id, where);
    check(typeof o.tactic === "string", where, "tactic must be a string");
    const alsoAccept = o.alsoAccept === undefined ? undefined : ids(o, "alsoAccept", where);
    sets.textbook.push({ ...base, tactic: o.tactic as string, techniques: ids(o, "techniques", where), alsoAccept });
  });
  const contextFile = path.join(dir, "context.json");
  readArray(contextFile).forEach((o, i) => {
    const where = `${contextFile} [${i}]`;
    const base = common(o, where);
    unique(base.id, where);
    if (o.class === "control") {
      const alsoAccept = o.alsoAccept === undefined ? undefined : ids(o, "alsoAccept", where);
      sets.controls.push({ ...base, class: "control", techniques: ids(o, "techniques", where), alsoAccept });
    } else {
      check(CONTEXT_CLASSES.includes(o.class as ContextClass), where, `unknown class ${String(o.class)}`);
      sets.context.push({ ...base, class: o.class as ContextClass, mustNot: ids(o, "mustNot", where, true) });
    }
  });
  return sets;
}

export const parentOf = (id: string): string => id.split(".", 1)[0] as string;

/**
 * Whether `required` counts as asserted: itself, one of its sub-techniques (a parent probe), or an
 * alsoAccept id or one of its subs. A parent asserted for a sub-technique probe counts only through alsoAccept.
 */
export function satisfied(
  required: string,
  asserted: ReadonlySet<string>,
  alsoAccept: readonly string[] = [],
): boolean {
  const covers = (want: string) => asserted.has(want) || [...asserted].some((a) => parentOf(a) === want);
  return covers(required) || alsoAccept.some(covers);
}

/** Whether every technique of the probe is asserted. */
export function probeHit(
  probe: { techniques: string[]; alsoAccept?: string[] },
  asserted: ReadonlySet<string>,
): boolean {
  return probe.techniques.every((t) => satisfied(t, asserted, probe.alsoAccept));
}

/** Asserted ids that are none of the probes' techniques, alsoAccept ids, their parents or their subs. */
export function extrasOf(
  probes: readonly { techniques: string[]; alsoAccept?: string[] }[],
  asserted: Iterable<string>,
): string[] {
  const expected = new Set(probes.flatMap((p) => [...p.techniques, ...(p.alsoAccept ?? [])]));
  const parents = new Set([...expected].map(parentOf));
  return [...asserted].filter((a) => !expected.has(a) && !expected.has(parentOf(a)) && !parents.has(a));
}

/**
 * The asserted ids a context probe forbids: a mustNot id, its parent or one of its subs (a sentence
 * denying LSASS dumping asserts nothing of credential dumping); with "*", every asserted id.
 */
export function forbiddenAsserted(mustNot: readonly string[], asserted: Iterable<string>): string[] {
  if (mustNot.includes("*")) return [...asserted];
  return [...asserted].filter((a) => mustNot.some((m) => a === m || parentOf(a) === m || parentOf(m) === a));
}

/**
 * The probes of one split in groups of at most `size`, the way a report would mix them: probe i goes
 * to group i mod (number of groups), so a group draws on every part of the file (every tactic).
 */
export function reportGroups<T>(probes: readonly T[], size = 10): T[][] {
  const count = Math.ceil(probes.length / size);
  const groups = Array.from({ length: count }, () => [] as T[]);
  probes.forEach((p, i) => groups[i % count]?.push(p));
  return groups;
}
