/**
 * @module Analysing documents, for REST, MCP and the webhook alike: start the pipeline as a
 * workflow, run it at once for a small document, and read or cancel an analysis.
 */
import type { Db } from "../db/client";
import type { ExtractOptions } from "../documents/extract";
import { EXTRACT_LIMITS } from "../documents/limits";
import { AppError, notFound } from "../errors";
import { readReport } from "../reports/reports.service";
import {
  cancelWorkflow,
  launchWorkflow,
  readWorkflow,
  requireWorkflow,
  workflowStub,
  type WorkflowView,
} from "../workflows/launch";
import type { WorkflowState } from "../workflows/types";
import type { AnalysisOutputT } from "./analyses.schemas";
import { initialBlobs, RESULT_BLOB, RESULT_KEPT_MS } from "./analysis.workflow";
import { runPipeline, type UnstoredAnalysis } from "./pipeline";
import { prepareSubmission, type DocumentSubmission } from "./submission";

/** The synchronous route's limit: larger documents go through a workflow. */
export const MAX_SYNC_BYTES = 1024 * 1024;

/**
 * Extraction caps of the synchronous route: no more text than it takes as text, and 20 s to read
 * it, leaving time within the request to analyse and store it.
 */
const SYNC_EXTRACT: Pick<ExtractOptions, "limits" | "largerLimitsHint"> = {
  limits: { ...EXTRACT_LIMITS, maxChars: MAX_SYNC_BYTES, maxMs: 20_000 },
  largerLimitsHint: "send it to POST /api/v1/analyses",
};

export async function startAnalysis(
  env: Env,
  db: Db,
  tenantId: string,
  submission: DocumentSubmission,
  via: string,
): Promise<{ workflowId: string; status: WorkflowState["status"] }> {
  const { input, document } = prepareSubmission(submission, via);
  const id = crypto.randomUUID();
  const row = {
    source: input.source,
    url: input.url ?? null,
    title: input.title ?? null,
    force: input.force ?? false,
    store: input.store ?? true,
    via,
    bytes: document?.bytes.length ?? null,
  };
  const blobs = document ? initialBlobs(document) : [];
  const state = await launchWorkflow(env, db, { request: { id, type: "analysis", tenantId, input, blobs }, row });
  return { workflowId: id, status: state.status };
}

/**
 * Runs the whole pipeline in this request (≤ 1 MB) and answers with the stored report's techniques:
 * the new report's, or, when the text was analysed before under this ATT&CK version, the existing
 * one's (nothing is analysed again).
 */
export async function analyzeNow(
  env: Env,
  db: Db,
  tenantId: string,
  submission: DocumentSubmission,
  via: string,
): Promise<AnalysisOutputT> {
  const { input, document } = prepareSubmission(submission, via);
  if (document && document.bytes.length > MAX_SYNC_BYTES) throw tooLargeForSync(document.bytes.length);
  const run = await runPipeline(
    { env, db, tenantId, input, maxBytes: MAX_SYNC_BYTES, extract: SYNC_EXTRACT },
    document ? { raw: document } : {},
  );
  if (run.unstored) return { reportId: null, duplicate: false, ...run.unstored };
  const { reportId, duplicate, stored } = run;
  // A new report is answered from what was just stored; an existing one is read back.
  if (stored) {
    return {
      reportId,
      duplicate: false,
      attackVersion: stored.attackVersion,
      techniques: stored.techniques,
    };
  }
  return answerFromReport(db, tenantId, reportId, duplicate === true);
}

async function answerFromReport(db: Db, tenantId: string, reportId: string, duplicate: boolean) {
  const report = await readReport(db, tenantId, reportId);
  return { reportId, duplicate, attackVersion: report.attackVersion, techniques: report.techniques };
}

/**
 * The result of a completed analysis: its report's techniques, or, for one that stored nothing,
 * the result its workflow keeps for 24 hours (a 404 after that).
 */
export async function readAnalysisResult(env: Env, db: Db, tenantId: string, id: string): Promise<AnalysisOutputT> {
  const workflow = await requireAnalysis(db, tenantId, id);
  if (workflow.status !== "completed") {
    throw new AppError(409, "not_completed", `analysis ${id} is ${workflow.status}: it has no result`);
  }
  if (workflow.reportId) return answerFromReport(db, tenantId, workflow.reportId, false);
  const kept = await workflowStub(env, id).keptText(RESULT_BLOB);
  if (kept === null) {
    throw notFound(`analysis ${id} stored nothing and its result is gone (kept ${RESULT_KEPT_MS / 3600_000} h)`);
  }
  return { reportId: null, duplicate: false, ...(JSON.parse(kept) as UnstoredAnalysis) };
}

const tooLargeForSync = (bytes: number) =>
  new AppError(
    413,
    "document_too_large",
    `synchronous analysis takes up to 1 MB (this is ${(bytes / 1e6).toFixed(1)} MB): use POST /api/v1/analyses`,
  );

export const readAnalysis = (db: Db, tenantId: string, id: string): Promise<WorkflowView> =>
  readWorkflow(db, tenantId, id, "analysis");

export const requireAnalysis = (db: Db, tenantId: string, id: string) => requireWorkflow(db, tenantId, id, "analysis");

export const cancelAnalysis = (env: Env, db: Db, tenantId: string, id: string): Promise<WorkflowView> =>
  cancelWorkflow(env, db, tenantId, id, "analysis");
