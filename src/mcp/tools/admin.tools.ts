/**
 * @module MCP tools that change the whole deployment: the ATT&CK refresh. Operator keys only: other
 * keys are not shown them.
 */
import { z } from "@hono/zod-openapi";
import { RefreshRequest } from "../../attack/attack.schemas";
import { readRefresh, startRefresh } from "../../attack/refresh.service";
import { WorkflowIdField } from "../../analyses/analyses.schemas";
import { toWorkflowStatus, WorkflowStatus } from "../../workflows/workflow.schemas";
import { defineTool, type Tool } from "../define-tool";

const refreshAttack = defineTool({
  name: "refresh_attack",
  title: "Refresh ATT&CK",
  group: "admin",
  role: "operator",
  description:
    "Loads the newest Enterprise ATT&CK release (or a given STIX bundle URL) as a new version, computes the " +
    "changes, carries the mapping model over, switches to it, recomputes coverage and re-evaluates affected " +
    "reports. Returns the workflow id; follow it with get_refresh_status.",
  input: RefreshRequest.shape,
  output: { workflowId: z.string(), status: z.string() },
  effect: {
    readOnly: false,
    destructive: false,
    idempotent: true,
    openWorld: true,
    auditTarget: (args, out) => out?.workflowId ?? args.url ?? null,
  },
  run: (args, { env, db }) => startRefresh(env, db, { via: "mcp", ...args }),
});

const getRefreshStatus = defineTool({
  name: "get_refresh_status",
  title: "Get an ATT&CK refresh's status",
  group: "admin",
  role: "operator",
  description: "Status, current step and per-step results of an ATT&CK refresh.",
  input: { workflow_id: WorkflowIdField },
  output: WorkflowStatus.shape,
  effect: { readOnly: true },
  run: async (args, { db }) => toWorkflowStatus(await readRefresh(db, args.workflow_id)),
});

export const adminTools: Tool[] = [refreshAttack, getRefreshStatus];
