/**
 * @module Analysing documents, for REST, MCP and the webhook alike: start the pipeline as a
 * workflow, run it at once for a small document, and read or cancel an analysis.
 */
import type { Db } from "../db/client";
import type { ExtractOptions } from "../documents/extract";
import { EXTRACT_LIMITS } from "../documents/limits";
import { AppError } from "../errors";
import { readReport } from "../reports/reports.service";
import { cancelWorkflow, launchWorkflow, readWorkflow, requireWorkflow, type WorkflowView } from "../workflows/launch";
import type { WorkflowState } from "../workflows/types";
import type { AnalysisOutputT } from "./analyses.schemas";
import { initialBlobs } from "./analysis.workflow";
import { runPipeline } from "./pipeline";
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
  const { reportId, duplicate, stored } = await runPipeline(
    { env, db, tenantId, input, maxBytes: MAX_SYNC_BYTES, extract: SYNC_EXTRACT },
    document ? { raw: document } : {},
  );
  // A new report is answered from what was just stored; an existing one is read back.
  if (stored) {
    return {
      reportId,
      duplicate: false,
      attackVersion: stored.attackVersion,
      techniques: stored.techniques,
    };
  }
  const report = await readReport(db, tenantId, reportId);
  return {
    reportId,
    duplicate: duplicate === true,
    attackVersion: report.attackVersion,
    techniques: report.techniques,
  };
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
