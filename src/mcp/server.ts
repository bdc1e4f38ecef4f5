/**
 * @module MCP server factory. A new server per request: the endpoint is stateless, and a
 * module-level server would share state between tenants.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Db } from "../db/client";
import type { Caller } from "../http/types";
import { SERVICE_NAME, SERVICE_VERSION } from "../version";
import { registerAttackTools } from "./attack.tools";

export interface ToolContext {
  db: Db;
  caller: Caller;
}

const INSTRUCTIONS =
  "TTPscope maps threat intelligence to MITRE ATT&CK. Use search_techniques to find technique ids for a " +
  "behaviour, get_technique for details, mitigations and detection strategies, list_tactics for the matrix, " +
  "get_group for what a threat group does.";

export function createMcpServer(context: ToolContext): McpServer {
  // The SDK's default (ajv) validator compiles with eval, which workerd forbids.
  const server = new McpServer(
    { name: SERVICE_NAME, version: SERVICE_VERSION },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator(), instructions: INSTRUCTIONS },
  );
  registerAttackTools(server, context);
  return server;
}
