/**
 * @module Starting, reading, watching and cancelling analysis workflows, for REST, MCP and the
 * webhook alike. The D1 row is written first, then the workflow's Durable Object takes over.
 */
import type { Db } from "../db/client";
import { failWorkflow, getWorkflow, insertWorkflow, listTaskResults, listTaskResultsOf } from "../db/repos/workflows";
import type { TaskResult, Workflow } from "../db/schema";
import { acceptedMediaType, parseContentType } from "../documents/media-type";
import { checkUrl } from "../documents/url-policy";
import { AppError, describeError, notFound } from "../errors";
import { TERMINAL, type AnalysisInput, type WorkflowState } from "./types";
import type { StartRequest } from "./workflow-object";

export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** A document as a caller hands it in, before any workflow exists. */
export type DocumentSubmission =
  | { url: string; title?: string; force?: boolean }
  | { text: string; title?: string; force?: boolean }
  | { bytes: Uint8Array; contentType: string; title?: string; force?: boolean };

export function workflowStub(env: Env, id: string) {
  return env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id));
}

/** Checks what can be checked before starting (URL policy, size, media type) and splits input from content. */
export function prepareSubmission(s: DocumentSubmission, via: string): { input: AnalysisInput; document?: StartRequest["document"] } {
  const base = { title: s.title, force: s.force, via };
  if ("url" in s) {
    checkUrl(s.url);
    return { input: { ...base, source: "url", url: s.url } };
  }
  if ("text" in s) {
    const bytes = new TextEncoder().encode(s.text);
    if (s.text.trim() === "") throw new AppError(422, "empty_document", "the document has no text to analyse");
    if (bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(bytes.length);
    return { input: { ...base, source: "text" }, document: { bytes, contentType: "text/plain; charset=utf-8" } };
  }
  if (s.bytes.length === 0) throw new AppError(422, "empty_document", "the document is empty");
  if (s.bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(s.bytes.length);
  const type = acceptedMediaType(parseContentType(s.contentType).type ?? "");
  if (!type) {
    throw new AppError(415, "unsupported_media_type", `unsupported content type '${s.contentType}': send HTML, plain text, Markdown or PDF`);
  }
  const source = type === "application/pdf" ? "pdf" : type === "text/html" || type === "application/xhtml+xml" ? "html" : "text";
  return { input: { ...base, source, contentType: s.contentType }, document: { bytes: s.bytes, contentType: s.contentType } };
}

export function tooLarge(bytes: number): AppError {
  return new AppError(413, "document_too_large", `the document is ${(bytes / 1e6).toFixed(1)} MB; the limit is ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`);
}

export async function startAnalysis(
  env: Env,
  db: Db,
  tenantId: string,
  submission: DocumentSubmission,
  via: string,
): Promise<{ workflowId: string; status: WorkflowState["status"] }> {
  const { input, document } = prepareSubmission(submission, via);
  const id = crypto.randomUUID();
  await insertWorkflow(db, {
    id,
    tenantId,
    type: "analysis",
    status: "pending",
    input: { source: input.source, url: input.url ?? null, title: input.title ?? null, force: input.force ?? false, via, bytes: document?.bytes.length ?? null },
  });
  try {
    const state = await workflowStub(env, id).start({ id, type: "analysis", tenantId, input, document });
    return { workflowId: id, status: state.status };
  } catch (e) {
    // Nothing will run this workflow: say so rather than leave it pending.
    await failWorkflow(db, id, `the workflow could not be started: ${describeError(e)}`);
    throw new AppError(503, "workflow_unavailable", "the analysis could not be started; try again", { internal: describeError(e), retryable: true });
  }
}

export interface WorkflowView {
  workflow: Workflow;
  steps: TaskResult[];
}

export async function readWorkflow(db: Db, tenantId: string, id: string): Promise<WorkflowView> {
  const workflow = await getWorkflow(db, tenantId, id);
  if (!workflow) throw notFound(`no analysis ${id} for this tenant`);
  return { workflow, steps: await listTaskResults(db, tenantId, id) };
}

/** Steps of a workflow the caller is already allowed to see. */
export const readWorkflowSteps = listTaskResultsOf;

export async function cancelAnalysis(env: Env, db: Db, tenantId: string, id: string): Promise<WorkflowView> {
  const { workflow } = await readWorkflow(db, tenantId, id);
  if (!TERMINAL.has(workflow.status)) await workflowStub(env, id).cancel();
  return readWorkflow(db, tenantId, id);
}

/**
 * Follows a workflow until it ends or `deadline` passes, calling `onChange` with every new state.
 * Changes come from the Durable Object as they happen (no polling of D1).
 */
export async function watchWorkflow(
  env: Env,
  id: string,
  deadline: number,
  onChange: (state: WorkflowState) => Promise<void> | void,
): Promise<WorkflowState | null> {
  const stub = workflowStub(env, id);
  let revision = -1;
  let state: WorkflowState | null = null;
  while (Date.now() < deadline) {
    state = await stub.waitForChange(revision, Math.max(1, deadline - Date.now()));
    if (!state) return null;
    if (state.revision !== revision) {
      revision = state.revision;
      await onChange(state);
    }
    if (TERMINAL.has(state.status)) return state;
  }
  return state;
}
