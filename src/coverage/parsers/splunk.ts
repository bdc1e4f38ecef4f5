/**
 * @module Splunk security_content detections (YAML) to the normalised rule shape. Techniques come
 * from `tags.mitre_attack_id`; Splunk gives no tactic ids in the rule file.
 */
import {
  clip,
  completeness,
  type Dict,
  inDeprecatedDir,
  isDict,
  joined,
  ruleIdAndName,
  techniqueIds,
  text,
  textList,
  uniqueSorted,
} from "./common";
import type { ParseResult, RuleStatus } from "./types";
import { loadYamlMapping } from "./yaml";

/** List-valued `tags` entries that label the rule (the rest are test and RBA settings). */
const LABEL_TAGS = ["analytic_story", "mitre_attack_id", "cve"] as const;

function splunkStatus(status: string | null, path: string): RuleStatus {
  const s = status?.toLowerCase();
  // Newer security_content marks retired detections `removed` as well as `deprecated`.
  if (s === "deprecated" || s === "removed" || inDeprecatedDir(path)) return "deprecated";
  return "enabled";
}

/** The risk score when the rule has one, else impact, else confidence: kept as written, not derived. */
function splunkSeverity(doc: Dict, tags: Dict): string | null {
  return (
    text(tags.risk_score) ??
    text(doc.risk_score) ??
    text(tags.impact) ??
    text(doc.impact) ??
    text(tags.confidence) ??
    text(doc.confidence)
  );
}

export function parseSplunk(path: string, content: string): ParseResult {
  const loaded = loadYamlMapping(content, "Splunk");
  if (!loaded.ok) return loaded;
  const doc = loaded.doc;

  const named = ruleIdAndName(doc, "Splunk detection", "id", "name");
  if (!named.ok) return named;
  const { ruleId, name } = named;

  const tagBlock: Dict = isDict(doc.tags) ? doc.tags : {};
  const attackIds = textList(tagBlock.mitre_attack_id);
  const required = tagBlock.required_fields ?? doc.required_fields;
  const entities = uniqueSorted(textList(required));
  const search = text(doc.search);
  const conditions = search ? [clip(search)] : [];
  // A few files spell it `data_sources`.
  const dataSource = joined(doc.data_source ?? doc.data_sources);
  const datamodel = joined(doc.datamodel);
  const logsource: Record<string, string> = {};
  if (dataSource) logsource.data_source = dataSource;
  if (datamodel) logsource.datamodel = datamodel;

  const description = text(doc.description);
  const severity = splunkSeverity(doc, tagBlock);
  const author = joined(doc.author);
  const modified = text(doc.date);
  const status = text(doc.status);

  return {
    ok: true,
    rule: {
      ruleId,
      name,
      description: description ?? "",
      status: splunkStatus(status, path),
      severity,
      author,
      tags: LABEL_TAGS.flatMap((k) => textList(tagBlock[k])),
      techniqueIds: techniqueIds(attackIds),
      tacticIds: [],
      logic: { entities, conditions, logsource },
      modified,
      parseConfidence: completeness([
        true, // id and name: required above
        description !== null,
        status !== null,
        severity !== null,
        author !== null,
        modified !== null,
        attackIds.length > 0,
        entities.length > 0,
        conditions.length > 0,
        dataSource !== null || datamodel !== null,
      ]),
    },
  };
}
