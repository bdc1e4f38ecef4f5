/**
 * @module The server instructions an agent reads on connecting, written from the tools registered
 * for its key, so every tool is named and none that it cannot use.
 */
import { TOOL_GROUPS, type Tool, type ToolGroup } from "./define-tool";

const INTRO =
  "TTPscope maps threat intelligence to MITRE ATT&CK and tracks detection coverage against it. " +
  "Every result is scoped to your tenant; expected failures come back as isError results that say what to do. " +
  "Answers are concise: lists are paged (pass nextCursor back as cursor), long texts come from their own tools.";

/** What each group is for and how its tools chain, then the tools themselves. */
const GROUPS: Record<ToolGroup, { title: string; how: string }> = {
  analysis: {
    title: "Analyse documents and work with the stored reports",
    how:
      "analyze_document maps a URL, text or base64 PDF/HTML to techniques and stores a report; get_report lists its " +
      "techniques one row each, get_report_evidence gives the supporting sentences with the matchIds feedback needs.",
  },
  attack: {
    title: "Look up MITRE ATT&CK (read-only)",
    how: "Search techniques by behaviour, read a technique, tactic, group or other ATT&CK object, compare versions.",
  },
  coverage: {
    title: "Detection coverage of your accounts",
    how:
      "Register an account with the ATT&CK platforms it runs (they scope its coverage), import its Sigma, Splunk or " +
      "Elastic rules, then read its coverage, its gaps riskiest " +
      "first, and what a report or an ATT&CK group means for it (report_gap_analysis); export layers, STIX or CSV.",
  },
  admin: { title: "Deployment operations (operator keys)", how: "Load a new ATT&CK release and follow it." },
};

export function buildInstructions(tools: readonly Tool[]): string {
  const lines = [INTRO];
  for (const group of TOOL_GROUPS) {
    const inGroup = tools.filter((t) => t.group === group);
    if (inGroup.length === 0) continue;
    const { title, how } = GROUPS[group];
    lines.push(`${title}. ${how} Tools: ${inGroup.map((t) => `${t.name} (${t.title.toLowerCase()})`).join("; ")}.`);
  }
  return lines.join("\n");
}
