/**
 * @module MCP tools for deployment administration: the ATT&CK refresh. They answer isError to
 * callers without an admin key.
 */
import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { requireRole } from "../../tenants/caller";
import { toWorkflowStatus, WorkflowStatus } from "../../workflows/workflow.schemas";
import { readRefresh, startRefresh } from "../../attack/refresh.service";
import { auditor } from "../audit";
import type { ToolContext } from "../server";
import { ok, runTool } from "../tool-result";

export function registerAdminTools(server: McpServer, ctx: ToolContext): void {
  const { env, db, caller } = ctx;
  const audited = auditor(ctx);
  server.registerTool(
    "refresh_attack",
    {
      title: "Refresh ATT&CK",
      description:
        "Admin only. Loads the newest Enterprise ATT&CK release (or a given STIX bundle URL) as a new version, computes " +
        "the changes, carries the mapping model over, switches to it and re-evaluates affected reports. Returns the " +
        "workflow id; follow it with get_refresh_status.",
      inputSchema: {
        url: z
          .string()
          .url()
          .max(2048)
          .optional()
          .describe("a STIX bundle URL; default the newest release of the release index"),
        version: z.string().max(20).optional().describe("the version the bundle must be, e.g. 18.1"),
        force: z.boolean().optional().describe("switch even to a version not newer than the active one"),
      },
      outputSchema: { workflowId: z.string(), status: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    (args) =>
      runTool(async () => {
        // Refused callers too, as REST records its 403s.
        const started = await audited(
          "refresh_attack",
          (s) => s?.workflowId ?? args.url ?? null,
          async () => {
            requireRole(caller, "admin");
            return startRefresh(env, db, { via: "mcp", url: args.url, version: args.version, force: args.force });
          },
        );
        return ok(started);
      }),
  );

  server.registerTool(
    "get_refresh_status",
    {
      title: "Get an ATT&CK refresh's status",
      description: "Admin only. Status, current step and per-step results of an ATT&CK refresh.",
      inputSchema: { workflow_id: z.string().uuid().describe("the workflowId refresh_attack returned") },
      outputSchema: WorkflowStatus.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () => {
        requireRole(caller, "admin");
        return ok(toWorkflowStatus(await readRefresh(db, args.workflow_id)));
      }),
  );
}
