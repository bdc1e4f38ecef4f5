/**
 * @module MCP server factory. A new server per request: the endpoint is stateless, and a
 * module-level server would share state between tenants.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Db } from "../db/client";
import type { Caller } from "../tenants/caller";
import { SERVICE_NAME, SERVICE_VERSION } from "../version";
import { registerAdminTools } from "./tools/admin.tools";
import { registerAnalysisTools } from "./tools/analysis.tools";
import { registerAttackTools } from "./tools/attack.tools";
import { registerCoverageTools } from "./tools/coverage.tools";

export interface ToolContext {
  env: Env;
  db: Db;
  caller: Caller;
  requestId: string;
}

const INSTRUCTIONS =
  "TTPscope maps threat intelligence to MITRE ATT&CK. analyze_document maps a report (URL or text) to the " +
  "techniques it describes, with evidence, and stores it; get_report, list_reports, get_analysis_status and " +
  "cancel_analysis follow up. search_techniques finds technique ids for a behaviour, get_technique gives " +
  "details, mitigations and detection strategies, list_tactics the matrix, get_group what a threat group does.";

export function createMcpServer(context: ToolContext): McpServer {
  // The SDK's default (ajv) validator compiles with eval, which workerd forbids.
  const server = new McpServer(
    { name: SERVICE_NAME, version: SERVICE_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator(), instructions: INSTRUCTIONS },
  );
  registerAttackTools(server, context);
  registerAnalysisTools(server, context);
  registerAdminTools(server, context);
  registerCoverageTools(server, context);
  return server;
}
