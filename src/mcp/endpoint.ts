/**
 * @module /mcp: MCP over Streamable HTTP, stateless. Requests answer with plain JSON, except a
 * request that carries a progressToken: that one answers as an SSE stream, so progress
 * notifications reach the client while the tool runs. Auth is the same bearer key as REST.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { requireApiKey } from "../api/auth";
import { errorBody } from "../api/errors";
import { DOCUMENT_BODY_BYTES, documentBodyLimit } from "../api/body-limits";
import type { AuthedEnv } from "../api/context";
import { checkRateLimit } from "../api/rate-limit";
import { AppError, badRequest } from "../errors";
import type { ResultFormat } from "./listing";
import { ALL_TOOLS, createMcpServer } from "./server";

const rpcError = (code: number, message: string) => ({ jsonrpc: "2.0", id: null, error: { code, message } });

interface MessageLike {
  method?: unknown;
  params?: { name?: unknown; _meta?: { progressToken?: unknown } };
}

/** The messages of a body. A batch holds messages, never batches: one level, however deep a hostile body nests. */
function messagesOf(body: unknown): MessageLike[] {
  const all: unknown[] = Array.isArray(body) ? body : [body];
  return all.filter((m): m is MessageLike => typeof m === "object" && m !== null && !Array.isArray(m));
}

const wantsProgress = (messages: MessageLike[]) => messages.some((m) => m.params?._meta?.progressToken !== undefined);

const ANALYSIS_TOOLS = new Set(ALL_TOOLS.filter((t) => t.startsAnalysis).map((t) => t.name));

const startsAnalysis = (messages: MessageLike[]) =>
  messages.some(
    (m) => m.method === "tools/call" && typeof m.params?.name === "string" && ANALYSIS_TOOLS.has(m.params.name),
  );

/** `?results=structured` asks for output schemas and structuredContent; anything else is refused, not guessed. */
function resultFormat(value: string | undefined): ResultFormat {
  if (value === undefined || value === "text" || value === "structured") return value ?? "text";
  throw badRequest(`results must be text or structured, not '${value.slice(0, 40)}'`);
}

export const createMcpEndpoint = () =>
  new Hono<AuthedEnv>()
    .use("*", requireApiKey)
    // Documents up to 20 MB can come as tool arguments, JSON-escaped.
    .post("/", documentBodyLimit, async (c) => {
      let parsed: unknown;
      try {
        parsed = await c.req.json();
      } catch (e) {
        // A body the JSON checks refused (not UTF-8, too deep, too many values) says which.
        if (e instanceof AppError) return c.json(rpcError(-32600, e.message), 400);
        parsed = undefined; // the transport answers with a JSON-RPC parse error (-32700)
      }
      // JSON-RPC 2.0: an empty batch is one Invalid Request error (the transport would answer 202).
      if (Array.isArray(parsed) && parsed.length === 0) {
        return c.json(rpcError(-32600, "Invalid Request: empty batch"), 400);
      }
      const messages = messagesOf(parsed);
      if (startsAnalysis(messages)) await checkRateLimit(c.env, "analysis", c.var.caller.keyId);
      const streaming = wantsProgress(messages);
      const server = createMcpServer({
        env: c.env,
        db: c.var.db,
        caller: c.var.caller,
        requestId: c.get("requestId"),
        results: resultFormat(c.req.query("results")),
      });
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: !streaming,
        // Used only for a body that did not parse: under its default (4 MB) the transport would
        // answer a larger one 413 instead of -32700.
        maxRequestBodySize: DOCUMENT_BODY_BYTES,
      });
      await server.connect(transport);
      const response = await transport.handleRequest(
        c.req.raw,
        parsed === undefined ? undefined : { parsedBody: parsed },
      );
      // A JSON answer is complete here; a stream closes itself when its last message is sent.
      if (!streaming) c.executionCtx.waitUntil(server.close());
      return response;
    })
    // Stateless: no server-initiated stream to GET and no session to DELETE.
    .on(["GET", "DELETE"], "/", (c) =>
      c.json(errorBody("method_not_allowed", "this MCP endpoint is stateless: send JSON-RPC with POST"), 405, {
        Allow: "POST",
      }),
    );
