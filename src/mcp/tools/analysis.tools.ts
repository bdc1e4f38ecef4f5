/**
 * @module MCP tools for document analysis and reports. analyze_document starts a workflow and, by
 * default, waits for it (sending progress notifications when the client asked for them); the
 * others read, cancel or give feedback.
 */
import { z } from "@hono/zod-openapi";
import {
  ForceField,
  StoreField,
  TextField,
  TitleField,
  UrlField,
  WorkflowIdField,
} from "../../analyses/analyses.schemas";
import { cancelAnalysis, readAnalysis, readAnalysisResult, startAnalysis } from "../../analyses/analyses.service";
import { afterCreated, CursorField, LimitField, nextCreatedCursor } from "../../api/paging";
import { badRequest } from "../../errors";
import { submitFeedback } from "../../reports/feedback.service";
import {
  Feedback,
  FeedbackInput,
  MatchIdField,
  Report,
  ReportIdField,
  ReportSummary,
  SinceField,
  KindFilterField,
  SourceUrlFilterField,
  TechniqueFilterField,
  TechniqueFinding,
} from "../../reports/reports.schemas";
import { listReportPage, readReport } from "../../reports/reports.service";
import { watchWorkflow } from "../../workflows/launch";
import { TERMINAL } from "../../workflows/types";
import { toWorkflowStatus, WorkflowStatus } from "../../workflows/workflow.schemas";
import { defineTool, type Tool } from "../define-tool";

const DEFAULT_WAIT_S = 60;

const analyzeDocument = defineTool({
  name: "analyze_document",
  title: "Analyse a threat report",
  group: "analysis",
  startsAnalysis: true,
  description:
    "Maps a threat-intelligence document (a URL to fetch, or its text) to the MITRE ATT&CK techniques and " +
    "sub-techniques it describes, each with a confidence and the exact supporting text, and stores it as a " +
    "report. Waits for the result (up to wait_seconds; progress notifications if you pass a progressToken), " +
    "otherwise returns the workflow id to follow with get_analysis_status.",
  input: {
    url: UrlField.optional(),
    text: TextField.optional(),
    title: TitleField.optional(),
    force: ForceField.optional(),
    store: StoreField.optional(),
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .optional()
      .describe(`how long to wait for the result, default ${DEFAULT_WAIT_S}; 0 returns at once`),
  },
  output: {
    workflowId: z.string(),
    status: z.string(),
    progress: z.number(),
    reportId: z.string().nullable(),
    attackVersion: z.string().nullable(),
    techniques: z.array(TechniqueFinding),
  },
  effect: {
    readOnly: false,
    destructive: false,
    idempotent: true,
    openWorld: true,
    auditTarget: (args, out) => out?.workflowId ?? args.url ?? null,
  },
  async run(args, { env, db, caller }, extra) {
    if ((args.url === undefined) === (args.text === undefined)) throw badRequest("give exactly one of url or text");
    const submission = args.url !== undefined ? { url: args.url } : { text: args.text ?? "" };
    const started = await startAnalysis(
      env,
      db,
      caller.tenantId,
      { ...submission, title: args.title, force: args.force, store: args.store },
      "mcp",
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
    if (status === "failed") {
      throw badRequest(`analysis ${started.workflowId} failed: ${final?.error ?? "unknown reason"}`);
    }
    if (status === "cancelled") throw badRequest(`analysis ${started.workflowId} was cancelled`);
    if (status === "completed" && args.store === false) {
      // Nothing was stored: the answer is the result the workflow keeps.
      const { attackVersion, techniques } = await readAnalysisResult(env, db, caller.tenantId, started.workflowId);
      return { workflowId: started.workflowId, status, progress: 1, reportId: null, attackVersion, techniques };
    }
    if (status !== "completed" || !final?.reportId) {
      return {
        workflowId: started.workflowId,
        status,
        progress: final?.progress ?? 0,
        reportId: null,
        attackVersion: null,
        techniques: [],
      };
    }
    const report = await readReport(db, caller.tenantId, final.reportId);
    return {
      workflowId: started.workflowId,
      status,
      progress: 1,
      reportId: report.id,
      attackVersion: report.attackVersion,
      techniques: report.techniques,
    };
  },
});

const getReport = defineTool({
  name: "get_report",
  title: "Get a report",
  group: "analysis",
  description:
    "A stored report: its techniques with confidence and evidence, and the same techniques grouped by tactic.",
  input: { report_id: ReportIdField },
  output: Report.shape,
  effect: { readOnly: true },
  run: (args, { db, caller }) => readReport(db, caller.tenantId, args.report_id),
});

const listReports = defineTool({
  name: "list_reports",
  title: "List reports",
  group: "analysis",
  description:
    "The tenant's reports, newest first, optionally only those with a technique, since a date, of a kind (url, text, html, pdf) or whose source URL contains a string.",
  input: {
    technique: TechniqueFilterField.optional(),
    since: SinceField.optional(),
    kind: KindFilterField.optional(),
    source_url: SourceUrlFilterField.optional(),
    limit: LimitField,
    cursor: CursorField.optional(),
  },
  output: {
    items: z.array(ReportSummary),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
  },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { source_url: sourceUrl, cursor, ...rest } = args;
    const after = afterCreated(cursor);
    const { items, hasMore, last } = await listReportPage(db, caller.tenantId, { ...rest, sourceUrl, after });
    return { items, hasMore, nextCursor: nextCreatedCursor(hasMore, last) };
  },
});

const getAnalysisStatus = defineTool({
  name: "get_analysis_status",
  title: "Get an analysis's status",
  group: "analysis",
  description:
    "Status, progress, current step, error and per-step attempts of an analysis started by analyze_document or REST.",
  input: { workflow_id: WorkflowIdField },
  output: WorkflowStatus.shape,
  effect: { readOnly: true },
  run: async (args, { db, caller }) => toWorkflowStatus(await readAnalysis(db, caller.tenantId, args.workflow_id)),
});

const cancelAnalysisTool = defineTool({
  name: "cancel_analysis",
  title: "Cancel an analysis",
  group: "analysis",
  description:
    "Stops an analysis at whatever step it is; it ends 'cancelled' and stores no report. No effect on one that has ended.",
  input: { workflow_id: WorkflowIdField },
  output: WorkflowStatus.shape,
  effect: { readOnly: false, destructive: true, idempotent: true, auditTarget: (args) => args.workflow_id },
  run: async (args, { env, db, caller }) =>
    toWorkflowStatus(await cancelAnalysis(env, db, caller.tenantId, args.workflow_id)),
});

const submitMatchFeedback = defineTool({
  name: "submit_match_feedback",
  title: "Give feedback on a match",
  group: "analysis",
  description:
    "Tell TTPscope whether a technique it found in a report is right (accept) or wrong (reject), optionally " +
    "with the technique the evidence really shows. The model learns from feedback at its next build.",
  input: {
    report_id: ReportIdField,
    match_id: MatchIdField,
    verdict: FeedbackInput.shape.verdict,
    correct_technique: FeedbackInput.shape.correctTechnique,
    comment: FeedbackInput.shape.comment,
  },
  output: Feedback.shape,
  effect: { readOnly: false, destructive: false, idempotent: true, auditTarget: (args) => args.match_id },
  run: (args, { db, caller }) =>
    submitFeedback(db, caller, args.report_id, args.match_id, {
      verdict: args.verdict,
      correctTechnique: args.correct_technique,
      comment: args.comment,
    }),
});

export const analysisTools: Tool[] = [
  analyzeDocument,
  getReport,
  listReports,
  getAnalysisStatus,
  cancelAnalysisTool,
  submitMatchFeedback,
];
