/**
 * @module /mcp: MCP over Streamable HTTP, stateless, JSON responses. Auth is the same bearer key as REST.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { errorBody } from "../http/errors";
import type { AppEnv } from "../http/types";
import { createMcpServer } from "./server";

export const mcpRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    const server = createMcpServer({ db: c.var.db, caller: c.var.caller });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    const response = await transport.handleRequest(c.req.raw);
    c.executionCtx.waitUntil(server.close());
    return response;
  })
  // Stateless: no server-initiated stream to GET and no session to DELETE.
  .on(["GET", "DELETE"], "/", (c) =>
    c.json(errorBody("method_not_allowed", "this MCP endpoint is stateless: send JSON-RPC with POST"), 405, { Allow: "POST" }),
  );
