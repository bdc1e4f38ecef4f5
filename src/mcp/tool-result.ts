/**
 * @module Tool results: structured content plus its JSON text for clients that only read text, and
 * expected failures as `isError` results carrying the same user-safe message REST would send.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AppError, describeError } from "../errors";

export function ok<T extends object>(structured: T): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(structured) }],
    structuredContent: structured as Record<string, unknown>,
  };
}

export function failure(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Runs a tool body; AppErrors become isError results, anything else is logged and reported generically. */
export async function runTool(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof AppError) return failure(e.message);
    console.error(JSON.stringify({ mcpToolError: describeError(e), stack: e instanceof Error ? e.stack : undefined }));
    return failure("internal error while running the tool");
  }
}
