/**
 * @module Splunk security_content detections (YAML) to the normalised rule shape. Techniques come
 * from `tags.mitre_attack_id`; Splunk gives no tactic ids in the rule file.
 */
import { clip, completeness, type Dict, fail, inDeprecatedDir, isDict, techniqueIds, text, textList, uniqueSorted } from "./common";
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
    text(tags.risk_score) ?? text(doc.risk_score) ?? text(tags.impact) ?? text(doc.impact) ?? text(tags.confidence) ?? text(doc.confidence)
  );
}

export function parseSplunk(path: string, content: string): ParseResult {
  const loaded = loadYamlMapping(content, "Splunk");
  if (!loaded.ok) return loaded;
  const doc = loaded.doc;

  const ruleId = text(doc.id);
  const name = text(doc.name);
  if (!ruleId && !name) return fail("Splunk detection has neither `id` nor `name`");
  if (!ruleId) return fail("Splunk detection has no `id`");
  if (!name) return fail("Splunk detection has no `name`");

  const tagBlock: Dict = isDict(doc.tags) ? doc.tags : {};
  const attackIds = textList(tagBlock.mitre_attack_id);
  const required = tagBlock.required_fields ?? doc.required_fields;
  const entities = uniqueSorted(textList(required));
  const search = text(doc.search);
  const conditions = search ? [clip(search)] : [];
  // A few files spell it `data_sources`.
  const dataSources = textList(doc.data_source ?? doc.data_sources);
  const logsource: Record<string, string> = {};
  if (dataSources.length > 0) logsource.data_source = dataSources.join(", ");
  const datamodel = textList(doc.datamodel);
  if (datamodel.length > 0) logsource.datamodel = datamodel.join(", ");

  const description = text(doc.description);
  const severity = splunkSeverity(doc, tagBlock);
  const author = text(doc.author) ?? (textList(doc.author).join(", ") || null);
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
        dataSources.length > 0 || datamodel.length > 0,
      ]),
    },
  };
}
