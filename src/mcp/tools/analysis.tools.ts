/**
 * @module MCP tools for document analysis and reports. analyze_document starts a workflow and, by
 * default, waits for it (sending progress notifications when the client asked for them); the
 * others read, cancel or give feedback.
 */
import { z } from "@hono/zod-openapi";
import {
  ContentField,
  ContentTypeField,
  ForceField,
  StoreField,
  TextField,
  TitleField,
  UrlField,
  WorkflowIdField,
} from "../../analyses/analyses.schemas";
import { submissionFromJson } from "../../analyses/submission";
import { cancelAnalysis, readAnalysis, readAnalysisResult, startAnalysis } from "../../analyses/analyses.service";
import { afterCreated, CursorField, LimitField, nextCreatedCursor } from "../../api/paging";
import { normalizeTechniqueId } from "../../attack/catalog.service";
import { badRequest, notFound } from "../../errors";
import { submitFeedback } from "../../reports/feedback.service";
import { addTechnique } from "../../reports/manual-techniques.service";
import {
  AddedTechnique,
  AddTechniqueInput,
  Feedback,
  FeedbackInput,
  MatchIdField,
  ReportIdField,
  ReportSummary,
  SinceField,
  KindFilterField,
  SourceUrlFilterField,
  TechniqueFilterField,
} from "../../reports/reports.schemas";
import { listReportPage, readReport, tacticShortnames } from "../../reports/reports.service";
import { watchWorkflow } from "../../workflows/launch";
import { TERMINAL } from "../../workflows/types";
import { toWorkflowStatus, WorkflowStatus } from "../../workflows/workflow.schemas";
import { defineTool, type Tool } from "../define-tool";
import {
  clip,
  DEFAULT_EVIDENCE_SPANS,
  DEFAULT_TECHNIQUE_ROWS,
  EvidencePage,
  evidencePage,
  ReportDigest,
  reportDigest,
  TECHNIQUE_COLUMNS,
  techniqueRow,
  TechniqueRowsField,
} from "../report-views";

const DEFAULT_WAIT_S = 60;

const analyzeDocument = defineTool({
  name: "analyze_document",
  title: "Analyse a threat report",
  group: "analysis",
  startsAnalysis: true,
  description:
    "Maps a threat report (url, text, or base64 PDF/HTML content) to ATT&CK techniques and stores it as a report; waits up to wait_seconds, else follow get_analysis_status.",
  input: {
    url: UrlField.optional(),
    text: TextField.optional(),
    content: ContentField.optional(),
    content_type: ContentTypeField.optional(),
    title: TitleField.optional(),
    force: ForceField.optional(),
    store: StoreField.optional(),
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .optional()
      .describe(`seconds to wait for the result (default ${DEFAULT_WAIT_S}; 0: at once)`),
  },
  output: {
    workflowId: z.string(),
    status: z.string(),
    progress: z.number(),
    reportId: z.string().nullable(),
    attackVersion: z.string().nullable(),
    columns: ReportDigest.shape.columns,
    techniques: ReportDigest.shape.techniques,
    nextCursor: ReportDigest.shape.nextCursor.describe("more techniques: get_report with this cursor"),
    // A reused report (the same document again) may hold rejected matches.
    rejected: ReportDigest.shape.rejected.optional(),
    evidence: z
      .array(z.object({ technique: z.string(), text: z.string() }))
      .optional()
      .describe("with store: false only (nothing is kept to read later): each technique's first supporting text"),
  },
  effect: {
    readOnly: false,
    destructive: false,
    idempotent: true,
    openWorld: true,
    auditTarget: (args, out) => out?.workflowId ?? args.url ?? null,
  },
  async run(args, { env, db, caller }, extra) {
    const { url, text, content, content_type: contentType, title, force } = args;
    if ([url, text, content].filter((x) => x !== undefined).length !== 1)
      throw badRequest("give exactly one of url, text or content (base64 with its content_type)");
    if (content !== undefined && contentType === undefined)
      throw badRequest("content needs its content_type, e.g. application/pdf or text/html");
    const submission = submissionFromJson({ url, text, content, contentType, title, force, store: args.store });
    const started = await startAnalysis(env, db, caller.tenantId, submission, "mcp");
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
      const tactics = await tacticShortnames(
        db,
        attackVersion,
        techniques.map((t) => t.id),
      );
      return {
        workflowId: started.workflowId,
        status,
        progress: 1,
        reportId: null,
        attackVersion,
        columns: [...TECHNIQUE_COLUMNS],
        techniques: techniques.map((t) => techniqueRow(t, tactics.get(t.id) ?? [])),
        nextCursor: null,
        evidence: techniques.map((t) => ({ technique: t.id, text: clip(t.evidence[0]?.text ?? "", 300) })),
      };
    }
    if (status !== "completed" || !final?.reportId) {
      return {
        workflowId: started.workflowId,
        status,
        progress: final?.progress ?? 0,
        reportId: null,
        attackVersion: null,
        columns: [...TECHNIQUE_COLUMNS],
        techniques: [],
        nextCursor: null,
      };
    }
    const digest = reportDigest(await readReport(db, caller.tenantId, final.reportId), {
      limit: DEFAULT_TECHNIQUE_ROWS,
    });
    return {
      workflowId: started.workflowId,
      status,
      progress: 1,
      reportId: digest.id,
      attackVersion: digest.attackVersion,
      columns: digest.columns,
      techniques: digest.techniques,
      nextCursor: digest.nextCursor,
      ...(digest.rejected.length > 0 ? { rejected: digest.rejected } : {}),
    };
  },
});

const getReport = defineTool({
  name: "get_report",
  title: "Get a report",
  group: "analysis",
  description:
    "A stored report, concise: one row per technique (id, name, tactics, confidence, evidence count), most confident first.",
  input: { report_id: ReportIdField, limit: TechniqueRowsField, cursor: CursorField.optional() },
  output: ReportDigest.shape,
  effect: { readOnly: true },
  run: async (args, { db, caller }) => reportDigest(await readReport(db, caller.tenantId, args.report_id), args),
});

const getReportEvidence = defineTool({
  name: "get_report_evidence",
  title: "Get a report's evidence",
  group: "analysis",
  description:
    "The exact text supporting a report's techniques, or one technique's: one span per item with its matchId, paged.",
  input: {
    report_id: ReportIdField,
    technique: TechniqueFilterField.optional().describe("only this technique's evidence, e.g. T1059.001"),
    limit: z.number().int().min(1).max(100).default(DEFAULT_EVIDENCE_SPANS).describe("spans per page"),
    cursor: CursorField.optional(),
  },
  output: EvidencePage.shape,
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const report = await readReport(db, caller.tenantId, args.report_id);
    const technique = args.technique === undefined ? undefined : normalizeTechniqueId(args.technique);
    if (technique === null) throw badRequest(`'${args.technique}' is not an ATT&CK technique id, e.g. T1059.001`);
    if (technique !== undefined && !report.techniques.some((t) => t.id === technique))
      throw notFound(`report ${report.id} has no technique ${technique}; get_report lists the ones it has`);
    return evidencePage(report, { ...args, technique });
  },
});

const listReports = defineTool({
  name: "list_reports",
  title: "List reports",
  group: "analysis",
  description:
    "The tenant's reports, newest first; filter by technique, date, kind (url, text, html, pdf) or source URL.",
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
  description: "Status, progress, step, error and per-step attempts of an analysis (analyze_document or REST).",
  input: { workflow_id: WorkflowIdField },
  output: WorkflowStatus.shape,
  effect: { readOnly: true },
  run: async (args, { db, caller }) => toWorkflowStatus(await readAnalysis(db, caller.tenantId, args.workflow_id)),
});

const cancelAnalysisTool = defineTool({
  name: "cancel_analysis",
  title: "Cancel an analysis",
  group: "analysis",
  description: "Stops an analysis; it ends cancelled and stores nothing. No effect on one that has ended.",
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
    "Marks a report's technique right (accept) or wrong (reject), optionally naming the right one; the model learns from it.",
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

const addTechniqueTool = defineTool({
  name: "add_technique",
  title: "Add a technique a report missed",
  group: "analysis",
  description:
    "Adds a technique a report missed, with the exact report text showing it (method manual; the model learns from it).",
  input: {
    report_id: ReportIdField,
    technique_id: AddTechniqueInput.shape.technique,
    evidence: AddTechniqueInput.shape.evidence,
    comment: AddTechniqueInput.shape.comment,
  },
  output: AddedTechnique.shape,
  effect: {
    readOnly: false,
    destructive: false,
    idempotent: false,
    auditTarget: (args, out) => out?.matchId ?? args.report_id,
  },
  run: (args, { db, caller }) =>
    addTechnique(db, caller, args.report_id, {
      technique: args.technique_id,
      evidence: args.evidence,
      comment: args.comment,
    }),
});

export const analysisTools: Tool[] = [
  analyzeDocument,
  getReport,
  getReportEvidence,
  listReports,
  getAnalysisStatus,
  cancelAnalysisTool,
  submitMatchFeedback,
  addTechniqueTool,
];
