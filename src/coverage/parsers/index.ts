/**
 * @module Detection rules (Sigma, Splunk, Elastic) to one normalised shape. Pure: the caller passes
 * the file's path and text, so this runs in the Worker as well as in Node tools.
 */
import { describeError } from "../../errors";
import { fail } from "./common";
import { parseElastic } from "./elastic";
import { parseSigma } from "./sigma";
import { parseSplunk } from "./splunk";
import type { ParseResult, RuleFormat } from "./types";

export type { ParsedRule, ParseResult, RuleFormat, RuleLogic, RuleStatus } from "./types";

/** Stored with each parsed rule (`detection_logic.parser_version`): bump when the output changes. */
export const PARSER_VERSION = "1";

/** Real rules are a few kilobytes; a bound keeps a stray large file from costing a Worker's CPU. */
export const MAX_RULE_CHARS = 1_000_000;

const PARSERS: Record<RuleFormat, (path: string, content: string) => ParseResult> = {
  sigma: parseSigma,
  splunk: parseSplunk,
  elastic: parseElastic,
};

/** Parses one rule file. Never throws: anything wrong with the file comes back as `{ok: false, error}`. */
export function parseRule(format: RuleFormat, path: string, content: string): ParseResult {
  const parser = PARSERS[format];
  if (!parser) return fail(`unknown rule format '${String(format)}'`);
  if (content.length > MAX_RULE_CHARS) return fail(`rule file is larger than ${MAX_RULE_CHARS} characters`);
  try {
    // Editors on Windows may leave a byte-order mark; TOML does not allow one.
    return parser(path, content.replace(/^\uFEFF/, ""));
  } catch (e) {
    // The parsers check what they read, so this is a library failure on odd input: still the file's problem.
    return fail(`could not parse ${format} rule: ${describeError(e).split("\n")[0]}`);
  }
}

/**
 * The format a file probably has, from its path: `.toml` is Elastic; `.yml`/`.yaml` is Sigma or
 * Splunk only when a folder says so (`sigma`, `splunk`, `security_content`). Null when unsure:
 * the caller (who knows the repository) decides.
 */
export function detectFormat(path: string): RuleFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith(".toml")) return "elastic";
  if (!lower.endsWith(".yml") && !lower.endsWith(".yaml")) return null;
  const dirs = lower.split(/[\\/]/).slice(0, -1);
  const sigma = dirs.some((d) => d.includes("sigma"));
  const splunk = dirs.some((d) => d.includes("splunk") || d === "security_content");
  return sigma === splunk ? null : sigma ? "sigma" : "splunk";
}
