/**
 * @module The server instructions an agent reads on connecting, written from the tools registered
 * for its key, so every tool is named and none that it cannot use.
 */
import { TOOL_GROUPS, type Tool, type ToolGroup } from "./define-tool";

const INTRO =
  "TTPscope maps threat intelligence to MITRE ATT&CK and tracks detection coverage against it. " +
  "Every result is scoped to your tenant; expected failures come back as isError results that say what to do.";

const GROUPS: Record<ToolGroup, string> = {
  analysis: "Analyse documents and work with the stored reports",
  attack: "Look up MITRE ATT&CK (read-only)",
  coverage: "Detection coverage of your accounts",
  admin: "Deployment operations (operator keys)",
};

export function buildInstructions(tools: readonly Tool[]): string {
  const lines = [INTRO];
  for (const group of TOOL_GROUPS) {
    const inGroup = tools.filter((t) => t.group === group);
    if (inGroup.length === 0) continue;
    lines.push(`${GROUPS[group]}: ${inGroup.map((t) => `${t.name} (${t.title.toLowerCase()})`).join("; ")}.`);
  }
  return lines.join("\n");
}
