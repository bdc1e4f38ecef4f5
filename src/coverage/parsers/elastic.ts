/**
 * @module Elastic detection-rules (TOML) to the normalised rule shape. Techniques and sub-techniques
 * come from `[[rule.threat]]` entries, tactic ids from their `tactic.id`.
 */
import { parse } from "smol-toml";
import {
  clip,
  completeness,
  type Dict,
  fail,
  firstLine,
  inDeprecatedDir,
  isDict,
  joined,
  kindOf,
  ruleIdAndName,
  tacticIds,
  techniqueIds,
  text,
  textList,
  uniqueSorted,
} from "./common";
import type { ParseResult, RuleStatus } from "./types";

function elasticStatus(maturity: string | null, path: string): RuleStatus {
  const m = maturity?.toLowerCase();
  if (m === "deprecated" || inDeprecatedDir(path)) return "deprecated";
  if (m === "development") return "disabled";
  return "enabled";
}

function dicts(v: unknown): Dict[] {
  return Array.isArray(v) ? v.filter(isDict) : isDict(v) ? [v] : [];
}

/** Technique, sub-technique and tactic ids of the ATT&CK entries (other frameworks, e.g. ATLAS, are skipped). */
function threatIds(threats: Dict[]): { techniques: string[]; tactics: string[] } {
  const techniques: string[] = [];
  const tactics: string[] = [];
  for (const threat of threats) {
    const framework = text(threat.framework);
    if (framework && framework.toUpperCase() !== "MITRE ATT&CK") continue;
    const tacticId = isDict(threat.tactic) ? text(threat.tactic.id) : null;
    if (tacticId) tactics.push(tacticId);
    for (const technique of dicts(threat.technique)) {
      const id = text(technique.id);
      if (id) techniques.push(id);
      for (const sub of dicts(technique.subtechnique)) {
        const subId = text(sub.id);
        if (subId) techniques.push(subId);
      }
    }
  }
  return { techniques: techniqueIds(techniques), tactics: tacticIds(tactics) };
}

/** smol-toml's message names the problem; its position is on the error, its code frame after line one. */
function tomlError(e: unknown): string {
  if (!(e instanceof Error)) return "invalid TOML";
  const where =
    "line" in e && typeof e.line === "number" && "column" in e && typeof e.column === "number"
      ? ` (line ${e.line}, column ${e.column})`
      : "";
  return `invalid TOML: ${firstLine(e.message).replace(/^Invalid TOML document:\s*/i, "")}${where}`;
}

export function parseElastic(path: string, content: string): ParseResult {
  let doc: Dict;
  try {
    doc = parse(content);
  } catch (e) {
    return fail(tomlError(e));
  }
  const rule = doc.rule;
  if (!isDict(rule))
    return fail(
      rule === undefined ? "Elastic rule has no [rule] table" : `Elastic [rule] is not a table (it is ${kindOf(rule)})`,
    );
  const metadata: Dict = isDict(doc.metadata) ? doc.metadata : {};

  const named = ruleIdAndName(rule, "Elastic rule", "rule_id", "name", "[rule] ");
  if (!named.ok) return named;
  const { ruleId, name } = named;

  const threats = dicts(rule.threat);
  const { techniques, tactics } = threatIds(threats);
  const type = text(rule.type);
  const query = text(rule.query);
  const mlJob = joined(rule.machine_learning_job_id);
  const logsource: Record<string, string> = {};
  const index = joined(rule.index);
  if (index) logsource.index = index;
  if (type) logsource.type = type;
  const language = text(rule.language);
  if (language) logsource.language = language;
  // Machine-learning rules have a job instead of a query: the job is their event source.
  if (mlJob) logsource.machine_learning_job_id = mlJob;

  const entities = uniqueSorted(textList(dicts(rule.required_fields).map((f) => f.name)));
  const description = text(rule.description);
  const severity = text(rule.severity);
  const author = joined(rule.author);
  const modified = text(metadata.updated_date) ?? text(metadata.creation_date);
  const maturity = text(metadata.maturity);

  return {
    ok: true,
    rule: {
      ruleId,
      name,
      description: description ?? "",
      status: elasticStatus(maturity, path),
      severity,
      author,
      tags: textList(rule.tags),
      techniqueIds: techniques,
      tacticIds: tactics,
      logic: { entities, conditions: query ? [clip(query)] : [], logsource },
      modified,
      parseConfidence: completeness([
        true, // rule_id and name: required above
        description !== null,
        severity !== null,
        author !== null,
        modified !== null,
        maturity !== null,
        threats.length > 0,
        query !== null || mlJob !== null,
        Object.keys(logsource).length > 0,
      ]),
    },
  };
}
