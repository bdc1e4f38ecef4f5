/**
 * @module MCP server factory. A new server per request: the endpoint is stateless, and a
 * module-level server would share state between tenants. The tools a caller's key may use are
 * registered (defineTool), and the instructions are written from them.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { hasRole } from "../tenants/caller";
import { SERVICE_NAME, SERVICE_VERSION } from "../version";
import type { ToolContext } from "./context";
import { registerTools, type Tool } from "./define-tool";
import { buildInstructions } from "./instructions";
import { serveToolList } from "./listing";
import { adminTools } from "./tools/admin.tools";
import { analysisTools } from "./tools/analysis.tools";
import { attackTools } from "./tools/attack.tools";
import { coverageTools } from "./tools/coverage.tools";
import { exportTools } from "./tools/export.tools";
import { reportTools } from "./tools/reports.tools";

/** Every tool, in the order tools/list shows them. */
export const ALL_TOOLS: readonly Tool[] = [
  ...analysisTools,
  ...reportTools,
  ...attackTools,
  ...coverageTools,
  ...exportTools,
  ...adminTools,
];

export function createMcpServer(context: ToolContext, tools: readonly Tool[] = ALL_TOOLS): McpServer {
  const visible = tools.filter((t) => hasRole(context.caller, t.role));
  // The SDK's default (ajv) validator compiles with eval, which workerd forbids.
  const server = new McpServer(
    { name: SERVICE_NAME, version: SERVICE_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator(), instructions: buildInstructions(visible) },
  );
  registerTools(server, context, visible);
  if (visible.length > 0) serveToolList(server, visible, context.results);
  return server;
}
