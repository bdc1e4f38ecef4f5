/**
 * @module tools/list as TTPscope writes it. An agent pays for this list on every connection, so it
 * is written here rather than by the SDK: JSON Schema 2020-12 (MCP's default, so no `$schema`),
 * portable (zod writes a nullable primitive as `type: ["string", "null"]`, which some clients
 * refuse; `anyOf` says the same everywhere), without the 190-character pattern zod puts beside
 * `format: "uuid"` and without the ±2^53 bounds it gives every integer; a free-form object's
 * `additionalProperties: {}` is spelled `true`. Strings' `maxLength` is left out too: dozens of
 * them cost an agent's context on every connection and guide no choice it makes; the server still
 * enforces each and a value over it is refused with the bound named.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";

/**
 * How results are sent: `text`, JSON in the text block that every client gives its model (the
 * default); `structured`, output schemas and `structuredContent` for clients that read it (`/mcp?results=structured`).
 */
export type ResultFormat = "text" | "structured";
export type JsonSchema = McpTool["inputSchema"];
export type ListedTool = Pick<
  McpTool,
  "name" | "title" | "description" | "inputSchema" | "outputSchema" | "annotations"
>;

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

export function jsonSchemaOf(shape: Record<string, z.ZodType>, io: "input" | "output"): JsonSchema {
  return portable(z.toJSONSchema(z.object(shape), { target: "draft-2020-12", io })) as JsonSchema;
}

/** A JSON Schema rewritten as the module says. */
function portable<T>(node: T): T {
  if (Array.isArray(node)) return node.map((n: unknown) => portable(n)) as T;
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  const uuid = (node as { format?: unknown }).format === "uuid";
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || (uuid && key === "pattern") || key === "maxLength") continue;
    if ((key === "minimum" || key === "maximum") && SAFE_INTEGER_BOUNDS.has(value as number)) continue;
    if (key === "type" && Array.isArray(value)) out.anyOf = value.map((type: unknown) => ({ type }));
    // `{}` accepts anything, as `true` does; validators warn on the object spelling.
    else if (key === "additionalProperties" && isEmptyObject(value)) out[key] = true;
    else out[key] = portable(value);
  }
  return out as T;
}

const isEmptyObject = (v: unknown) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

/** Answers tools/list with the tools' own listings, in place of the SDK's. */
export function serveToolList(
  server: McpServer,
  tools: readonly { listing(results: ResultFormat): ListedTool }[],
  results: ResultFormat,
): void {
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map((t) => t.listing(results)) }));
}
