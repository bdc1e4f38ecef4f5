/**
 * @module MCP tools for document analysis and reports. analyze_document starts a workflow and,
 * by default, waits for it (sending progress notifications when the client asked for them);
 * the others read or cancel. Tools that change something are recorded in the audit log.
 */
import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { FEEDBACK_VERDICTS } from "../../db/schema";
import { badRequest } from "../../errors";
import { Feedback, submitFeedback } from "../../reports/feedback.service";
import { Report, ReportSummary, TechniqueFinding } from "../../reports/reports.schemas";
import { toWorkflowStatus, WorkflowStatus } from "../../workflows/workflow.schemas";
import { cancelAnalysis, readAnalysis, startAnalysis } from "../../analyses/analyses.service";
import { listReportPage, readReport } from "../../reports/reports.service";
import { watchWorkflow } from "../../workflows/launch";
import { TERMINAL } from "../../workflows/types";
import { auditor } from "../audit";
import type { ToolContext } from "../server";
import { failure, ok, runTool } from "../tool-result";

const DEFAULT_WAIT_S = 60;

export function registerAnalysisTools(server: McpServer, ctx: ToolContext): void {
  const { env, db, caller } = ctx;
  const audited = auditor(ctx);

  server.registerTool(
    "analyze_document",
    {
      title: "Analyse a threat report",
      description:
        "Maps a threat-intelligence document (a URL to fetch, or its text) to the MITRE ATT&CK techniques and " +
        "sub-techniques it describes, each with a confidence and the exact supporting text, and stores it as a " +
        "report. Waits for the result (up to wait_seconds; progress notifications if you pass a progressToken), " +
        "otherwise returns the workflow id to follow with get_analysis_status.",
      inputSchema: {
        url: z.string().max(2048).optional().describe("http(s) URL of the report (HTML, PDF or text)"),
        text: z.string().optional().describe("the report's text, when you have it rather than a URL"),
        title: z.string().max(500).optional().describe("a title for the stored report"),
        force: z.boolean().optional().describe("analyse again even if the same text was analysed before"),
        wait_seconds: z
          .number()
          .int()
          .min(0)
          .max(300)
          .optional()
          .describe(`how long to wait for the result, default ${DEFAULT_WAIT_S}; 0 returns at once`),
      },
      outputSchema: {
        workflowId: z.string(),
        status: z.string(),
        progress: z.number(),
        reportId: z.string().nullable(),
        attackVersion: z.string().nullable(),
        techniques: z.array(TechniqueFinding),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    (args, extra) =>
      runTool(async () => {
        if ((args.url === undefined) === (args.text === undefined)) throw badRequest("give exactly one of url or text");
        const submission = args.url !== undefined ? { url: args.url } : { text: args.text as string };
        const started = await audited(
          "analyze_document",
          (s) => s?.workflowId ?? args.url ?? null,
          () => startAnalysis(env, db, caller.tenantId, { ...submission, title: args.title, force: args.force }, "mcp"),
        );
        const token = extra._meta?.progressToken;
        const deadline = Date.now() + (args.wait_seconds ?? DEFAULT_WAIT_S) * 1000;
        const final = await watchWorkflow(env, started.workflowId, deadline, async (state) => {
          if (token === undefined) return;
          await extra.sendNotification({
            method: "notifications/progress",
            params: {
              progressToken: token,
              progress: Math.round(state.progress * 100),
              total: 100,
              message: `analysis ${state.id} ${state.status}${TERMINAL.has(state.status) ? "" : `, step ${state.steps[state.stepIndex] ?? "?"}`}`,
            },
          });
        });
        const status = final?.status ?? started.status;
        if (status === "failed")
          return failure(`analysis ${started.workflowId} failed: ${final?.error ?? "unknown reason"}`);
        if (status === "cancelled") return failure(`analysis ${started.workflowId} was cancelled`);
        if (status !== "completed" || !final?.reportId) {
          return ok({
            workflowId: started.workflowId,
            status,
            progress: final?.progress ?? 0,
            reportId: null,
            attackVersion: null,
            techniques: [],
          });
        }
        const report = await readReport(db, caller.tenantId, final.reportId);
        return ok({
          workflowId: started.workflowId,
          status,
          progress: 1,
          reportId: report.id,
          attackVersion: report.attackVersion,
          techniques: report.techniques,
        });
      }),
  );

  server.registerTool(
    "get_report",
    {
      title: "Get a report",
      description:
        "A stored report: its techniques with confidence and evidence, and the same techniques grouped by tactic.",
      inputSchema: { report_id: z.string().uuid().describe("report id, from analyze_document or list_reports") },
      outputSchema: Report.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => ok(await readReport(db, caller.tenantId, args.report_id))),
  );

  server.registerTool(
    "list_reports",
    {
      title: "List reports",
      description:
        "The tenant's reports, newest first, optionally only those with a technique, since a date, or from a source.",
      inputSchema: {
        technique: z.string().max(20).optional().describe("ATT&CK id; a parent also finds its sub-techniques"),
        since: z.string().max(40).optional().describe("ISO date: reports created at or after"),
        source: z.string().max(200).optional().describe("url, text, html, pdf, or part of the source URL"),
        limit: z.number().int().min(1).max(100).optional().describe("page size, default 20"),
      },
      outputSchema: { items: z.array(ReportSummary), hasMore: z.boolean() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () => {
        const { items, hasMore } = await listReportPage(db, caller.tenantId, {
          technique: args.technique,
          since: args.since,
          source: args.source,
          limit: args.limit ?? 20,
        });
        return ok({ items, hasMore });
      }),
  );

  server.registerTool(
    "get_analysis_status",
    {
      title: "Get an analysis's status",
      description:
        "Status, progress, current step, error and per-step attempts of an analysis started by analyze_document or REST.",
      inputSchema: { workflow_id: z.string().uuid().describe("the workflowId analyze_document returned") },
      outputSchema: WorkflowStatus.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => ok(toWorkflowStatus(await readAnalysis(db, caller.tenantId, args.workflow_id)))),
  );

  server.registerTool(
    "cancel_analysis",
    {
      title: "Cancel an analysis",
      description:
        "Stops an analysis at whatever step it is; it ends 'cancelled' and stores no report. No effect on one that has ended.",
      inputSchema: { workflow_id: z.string().uuid().describe("the workflowId to cancel") },
      outputSchema: WorkflowStatus.shape,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () =>
        ok(
          toWorkflowStatus(
            await audited("cancel_analysis", args.workflow_id, () =>
              cancelAnalysis(env, db, caller.tenantId, args.workflow_id),
            ),
          ),
        ),
      ),
  );

  server.registerTool(
    "submit_match_feedback",
    {
      title: "Give feedback on a match",
      description:
        "Tell TTPscope whether a technique it found in a report is right (accept) or wrong (reject), optionally " +
        "with the technique the evidence really shows. The model learns from feedback at its next build.",
      inputSchema: {
        report_id: z.string().uuid().describe("the report"),
        match_id: z.string().uuid().describe("the match (matchId in get_report's techniques)"),
        verdict: z.enum(FEEDBACK_VERDICTS).describe("accept: the match is right; reject: it is wrong"),
        correct_technique: z
          .string()
          .max(20)
          .optional()
          .describe("with reject: the right technique id, e.g. T1059.003"),
        comment: z.string().max(2000).optional().describe("why, for the record"),
      },
      outputSchema: Feedback.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () =>
        ok(
          await audited("submit_match_feedback", args.match_id, () =>
            submitFeedback(db, caller, args.report_id, args.match_id, {
              verdict: args.verdict,
              correctTechnique: args.correct_technique,
              comment: args.comment,
            }),
          ),
        ),
      ),
  );
}
