/**
 * @module Sigma rules (SigmaHQ YAML) to the normalised rule shape. Techniques come from
 * `attack.tNNNN[.NNN]` tags; Sigma names tactics by shortname, not id, so tacticIds only holds
 * explicit `attack.taNNNN` tags.
 */
import {
  completeness,
  type Dict,
  inDeprecatedDir,
  isDict,
  joined,
  ruleIdAndName,
  tacticIds,
  techniqueIds,
  text,
  textList,
  uniqueSorted,
} from "./common";
import type { ParseResult, RuleStatus } from "./types";
import { loadYamlMapping } from "./yaml";

const LOGSOURCE_KEYS = ["product", "service", "category"] as const;
/** Detection keys that are not selections. */
const NOT_SELECTIONS = new Set(["condition", "timeframe"]);

function sigmaStatus(status: string | null, path: string): RuleStatus {
  const s = status?.toLowerCase();
  if (s === "deprecated" || inDeprecatedDir(path)) return "deprecated";
  if (s === "unsupported") return "disabled";
  return "enabled";
}

/** `Image|endswith` → `Image`; keyword-only selections (`'|all'`) name no field. */
function fieldName(key: string): string | null {
  const name = key.split("|")[0]?.trim();
  return name ? name : null;
}

/** Field names used by the selections: a selection is a mapping, or a list of mappings and keywords. */
function detectionFields(detection: Dict): string[] {
  const fields: string[] = [];
  const addKeys = (m: Dict) => {
    for (const k of Object.keys(m)) {
      const f = fieldName(k);
      if (f) fields.push(f);
    }
  };
  for (const [key, selection] of Object.entries(detection)) {
    if (NOT_SELECTIONS.has(key)) continue;
    if (isDict(selection)) addKeys(selection);
    else if (Array.isArray(selection)) for (const item of selection) if (isDict(item)) addKeys(item);
  }
  return uniqueSorted(fields);
}

/** Tags after `attack.`, e.g. `t1059.001` or `ta0002`. */
function attackSuffixes(tags: string[]): string[] {
  return tags.filter((t) => /^attack\./i.test(t)).map((t) => t.slice("attack.".length));
}

export function parseSigma(path: string, content: string): ParseResult {
  const loaded = loadYamlMapping(content, "Sigma");
  if (!loaded.ok) return loaded;
  const doc = loaded.doc;

  const named = ruleIdAndName(doc, "Sigma rule", "id", "title");
  if (!named.ok) return named;
  const { ruleId, name } = named;

  const tags = textList(doc.tags);
  const attack = attackSuffixes(tags);
  const detection = isDict(doc.detection) ? doc.detection : null;
  const conditions = detection ? textList(detection.condition) : [];
  const logsource: Record<string, string> = {};
  if (isDict(doc.logsource)) {
    for (const k of LOGSOURCE_KEYS) {
      const v = text(doc.logsource[k]);
      if (v) logsource[k] = v;
    }
  }
  const description = text(doc.description);
  const severity = text(doc.level);
  const author = joined(doc.author);
  const modified = text(doc.modified) ?? text(doc.date);
  const status = text(doc.status);

  return {
    ok: true,
    rule: {
      ruleId,
      name,
      description: description ?? "",
      status: sigmaStatus(status, path),
      severity,
      author,
      tags,
      techniqueIds: techniqueIds(attack),
      tacticIds: tacticIds(attack),
      logic: { entities: detection ? detectionFields(detection) : [], conditions, logsource },
      modified,
      parseConfidence: completeness([
        true, // id and title: required above
        description !== null,
        status !== null,
        severity !== null,
        author !== null,
        modified !== null,
        tags.length > 0,
        Object.keys(logsource).length > 0,
        conditions.length > 0,
      ]),
    },
  };
}
