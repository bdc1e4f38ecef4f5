/**
 * @module The one way to declare an MCP tool. Registration goes through `registerTools`, which
 * keeps the SDK server to itself, so every tool gets the same treatment and none can forget it:
 * - input and output schemas (zod shapes) and honest hints derived from what the tool does;
 * - the role the tool needs: a key without it is not shown the tool at all;
 * - errors mapped: an AppError becomes an `isError` result with its user-safe message, anything
 *   else is logged and reported generically;
 * - the audit: a tool that changes something records one row per call (`mcp:<tool>`), success or
 *   failure, like REST's mutating requests;
 * - the per-call hooks of the context (the agent workspace records every call as an event).
 * Server instructions are written from the registered tools (instructions.ts).
 */
import type { McpServer, ToolCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { recordAudit } from "../audit/audit.service";
import { AppError, describeError } from "../errors";
import { hasRole, type Role } from "../tenants/caller";
import type { ToolContext } from "./context";
import { jsonSchemaOf, type JsonSchema, type ListedTool, type ResultFormat } from "./listing";

type Shape = Record<string, z.ZodType>;
type Args<I extends Shape> = { [K in keyof I]: z.output<I[K]> };
type Output<O extends Shape> = z.output<z.ZodObject<O>>;
export type ToolExtra = Parameters<ToolCallback<Shape>>[1];

/** What a tool does to stored data, from which its hints and its audit follow. */
export type ToolEffect<I extends Shape, O extends Shape> =
  | {
      readOnly: true;
      /** Reaches outside TTPscope (fetches a URL, an upstream release). */
      openWorld?: boolean;
    }
  | {
      readOnly: false;
      /** Removes or ends something (cancel, delete). */
      destructive: boolean;
      /** Calling again with the same arguments changes nothing more. */
      idempotent: boolean;
      openWorld?: boolean;
      /** What the audit row points at: from the arguments, and the result when the call succeeded. */
      auditTarget: (args: Args<I>, out: Output<O> | undefined) => string | null;
    };

/** Tool groups, in the order the server instructions list them. */
export const TOOL_GROUPS = ["analysis", "attack", "coverage", "admin"] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

export interface ToolSpec<I extends Shape, O extends Shape> {
  /** snake_case, as agents call it. */
  name: string;
  title: string;
  description: string;
  group: ToolGroup;
  /** The role a key needs to see and call the tool; member by default. */
  role?: Role;
  /** Each call also counts against the key's analysis limit (the endpoint checks before running it). */
  startsAnalysis?: boolean;
  input: I;
  output: O;
  effect: ToolEffect<I, O>;
  run(args: Args<I>, ctx: ToolContext, extra: ToolExtra): Promise<Output<O>>;
}

/** A declared tool, generic types erased: what the server registers and the instructions read. */
export interface Tool {
  name: string;
  title: string;
  description: string;
  group: ToolGroup;
  role: Role;
  readOnly: boolean;
  startsAnalysis: boolean;
  register(server: McpServer, ctx: ToolContext): void;
  /** The tool as tools/list shows it, in the result format of the connection. */
  listing(results: ResultFormat): ListedTool;
}

/** What every tool call reports to the context's hooks. */
export interface ToolCallEvent {
  tool: string;
  tenantId: string;
  keyPrefix: string;
  requestId: string;
  outcome: "success" | "failure";
  /** The message an isError result carried. */
  error?: string;
  durationMs: number;
}

export function defineTool<I extends Shape, O extends Shape>(spec: ToolSpec<I, O>): Tool {
  const { effect } = spec;
  // The destructive and idempotent hints mean nothing for a read-only tool (MCP spec): not sent.
  const annotations = effect.readOnly
    ? { readOnlyHint: true, openWorldHint: effect.openWorld ?? false }
    : {
        readOnlyHint: false,
        destructiveHint: effect.destructive,
        idempotentHint: effect.idempotent,
        openWorldHint: effect.openWorld ?? false,
      };
  // Written once per isolate, on the first tools/list that shows the tool.
  let schemas: { input: JsonSchema; output: JsonSchema } | undefined;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    group: spec.group,
    role: spec.role ?? "member",
    readOnly: effect.readOnly,
    startsAnalysis: spec.startsAnalysis ?? false,
    register(server, ctx) {
      const callback = async (args: Args<I>, extra: ToolExtra): Promise<CallToolResult> => {
        const started = Date.now();
        let out: Output<O> | undefined;
        let result: CallToolResult;
        try {
          out = await spec.run(args, ctx, extra);
          result = ok(spec.name, out, ctx.results);
        } catch (e) {
          result = failure(e, ctx, spec.name);
        }
        const failed = result.isError === true;
        if (!effect.readOnly) {
          await recordAudit(ctx.db, {
            tenantId: ctx.caller.tenantId,
            keyPrefix: ctx.caller.keyPrefix,
            action: `mcp:${spec.name}`,
            target: effect.auditTarget(args, failed ? undefined : out),
            outcome: failed ? "failure" : "success",
            requestId: ctx.requestId,
          });
        }
        const event: ToolCallEvent = {
          tool: spec.name,
          tenantId: ctx.caller.tenantId,
          keyPrefix: ctx.caller.keyPrefix,
          requestId: ctx.requestId,
          outcome: failed ? "failure" : "success",
          ...(failed ? { error: textOf(result) } : {}),
          durationMs: Date.now() - started,
        };
        for (const hook of ctx.onToolCall ?? []) {
          // A hook that fails must not turn a finished call into an error.
          await Promise.resolve()
            .then(() => hook(event))
            .catch((e: unknown) => console.error(JSON.stringify({ mcpHookError: describeError(e), tool: spec.name })));
        }
        return result;
      };
      // The SDK validates with these; what tools/list shows is `listing` (listing.ts).
      server.registerTool<z.ZodObject, z.ZodObject>(
        spec.name,
        {
          title: spec.title,
          description: spec.description,
          inputSchema: z.object(spec.input),
          // Text results carry no schema: a client would then require structuredContent.
          ...(ctx.results === "structured" ? { outputSchema: z.object(spec.output) } : {}),
          annotations,
        },
        callback as unknown as ToolCallback<z.ZodObject>,
      );
    },
    listing(results) {
      schemas ??= { input: jsonSchemaOf(spec.input, "input"), output: jsonSchemaOf(spec.output, "output") };
      // No title: it repeats the name, and the instructions carry it (an agent pays per byte).
      return {
        name: spec.name,
        description: spec.description,
        inputSchema: schemas.input,
        ...(results === "structured" ? { outputSchema: schemas.output } : {}),
        annotations,
      };
    },
  };
}

/**
 * The result, sent once: as JSON text (what every client hands its model), or, for clients that
 * asked for structured results, as `structuredContent` with a one-line summary beside it.
 */
function ok(tool: string, out: object, results: ResultFormat): CallToolResult {
  if (results === "text") return { content: [{ type: "text", text: JSON.stringify(out) }] };
  return {
    content: [{ type: "text", text: summaryOf(tool, out) }],
    structuredContent: out as Record<string, unknown>,
  };
}

/** "get_report: 120 techniques, nextCursor …; the result is in structuredContent". */
export function summaryOf(tool: string, out: object): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(out)) {
    if (Array.isArray(value)) parts.push(`${value.length} ${key}`);
    else if (key === "nextCursor" && typeof value === "string") parts.push("more on the next page (nextCursor)");
  }
  return `${tool}: ${parts.length > 0 ? `${parts.join(", ")}; ` : ""}the result is in structuredContent`;
}

/** Expected failures (AppError) carry the same user-safe message REST would send; anything else is logged. */
function failure(e: unknown, ctx: ToolContext, tool: string): CallToolResult {
  if (e instanceof AppError) return { content: [{ type: "text", text: e.message }], isError: true };
  console.error(
    JSON.stringify({
      requestId: ctx.requestId,
      tool,
      mcpToolError: describeError(e),
      stack: e instanceof Error ? e.stack : undefined,
    }),
  );
  return { content: [{ type: "text", text: "internal error while running the tool" }], isError: true };
}

function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}

/** Registers the tools the caller's role may use; the others are not listed to it. */
export function registerTools(server: McpServer, ctx: ToolContext, tools: readonly Tool[]): Tool[] {
  const allowed = tools.filter((t) => hasRole(ctx.caller, t.role));
  for (const tool of allowed) tool.register(server, ctx);
  return allowed;
}
