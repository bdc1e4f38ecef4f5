/**
 * @module The one shape every detection-rule parser returns, whatever the rule's format. Stored as
 * `detections` + `detection_logic` rows (migration 0005), so the status values match its CHECKs.
 */

export type RuleFormat = "sigma" | "splunk" | "elastic";

export type RuleStatus = "enabled" | "disabled" | "deprecated";

export interface RuleLogic {
  /** Field names the rule reads (Sigma detection fields, Splunk/Elastic required fields). */
  entities: string[];
  /** The rule's condition(s) or query, as written (queries clipped to 2,000 characters). */
  conditions: string[];
  /** Where the events come from (Sigma product/service/category, Splunk data sources, Elastic index/type). */
  logsource: Record<string, string>;
}

export interface ParsedRule {
  /** Sigma `id`, Splunk `id`, Elastic `[rule] rule_id`. */
  ruleId: string;
  name: string;
  description: string;
  status: RuleStatus;
  /** Sigma `level`, Splunk risk score (else impact, else confidence), Elastic `severity`; as written. */
  severity: string | null;
  author: string | null;
  /** The rule's tags as written. */
  tags: string[];
  /**
   * ATT&CK technique ids the rule names, upper-cased, de-duplicated, sorted. Not checked against
   * ATT&CK: the caller maps revoked ids to their successors.
   */
  techniqueIds: string[];
  /** Tactic ids (TA####) only where the rule states them as ids. */
  tacticIds: string[];
  logic: RuleLogic;
  /** Last-modified (or creation) date as written in the rule. */
  modified: string | null;
  /** 0..1: the share of the format's expected fields that were found. */
  parseConfidence: number;
}

/** `error` is safe to show to the user: it names what is wrong with the file. */
export type ParseError = { ok: false; error: string };

export type ParseResult = { ok: true; rule: ParsedRule } | ParseError;
