/**
 * @module Starting, reading, watching and cancelling workflows, for REST, MCP and the webhook
 * alike. The D1 row is written first, then the workflow's Durable Object takes over.
 */
import type { Db } from "../db/client";
import { failWorkflow, getWorkflow, insertWorkflow, listTaskResults } from "../db/repos/workflows";
import type { TaskResult, Workflow } from "../db/schema";
import { acceptedMediaType, parseContentType } from "../documents/media-type";
import type { SafeFetchOptions } from "../documents/safe-fetch";
import { checkUrl } from "../documents/url-policy";
import { AppError, describeError, notFound } from "../errors";
import { sha256Hex } from "../lib/bytes";
import { TERMINAL, type AnalysisInput, type WorkflowState, type WorkflowType } from "./types";
import type { StartRequest } from "./workflow-object";

/** The largest document accepted, uploaded or downloaded. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** A document as a caller hands it in, before any workflow exists. */
export type DocumentSubmission =
  | { url: string; title?: string; force?: boolean }
  | { text: string; title?: string; force?: boolean }
  | { bytes: Uint8Array; contentType: string; title?: string; force?: boolean };

export function workflowStub(env: Env, id: string) {
  return env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id));
}

/** safeFetch options for a report URL: the deployment's settings and the caller's size cap. */
export function fetchOptions(env: Env, maxBytes: number): SafeFetchOptions {
  return {
    dnsCheck: env.URL_DNS_CHECK !== "false",
    timeoutMs: Number.parseInt(env.FETCH_TIMEOUT_MS, 10) || undefined,
    maxBytes,
  };
}

/** Checks what can be checked before starting (URL policy, size, media type) and splits input from content. */
export function prepareSubmission(
  s: DocumentSubmission,
  via: string,
): { input: AnalysisInput; document?: StartRequest["document"] } {
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
    throw new AppError(
      415,
      "unsupported_media_type",
      `unsupported content type '${s.contentType}': send HTML, plain text, Markdown or PDF`,
    );
  }
  const source =
    type === "application/pdf" ? "pdf" : type === "text/html" || type === "application/xhtml+xml" ? "html" : "text";
  return {
    input: { ...base, source, contentType: s.contentType },
    document: { bytes: s.bytes, contentType: s.contentType },
  };
}

export function tooLarge(bytes: number): AppError {
  return new AppError(
    413,
    "document_too_large",
    `the document is ${(bytes / 1e6).toFixed(1)} MB; the limit is ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`,
  );
}

/** A UUID-shaped id determined by its inputs (SHA-256 based, version nibble 8: not random). */
export async function derivedId(...parts: string[]): Promise<string> {
  const h = await sha256Hex(parts.join("\u0000"));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const LABELS: Record<WorkflowType, string> = {
  analysis: "the analysis",
  refresh: "the ATT&CK refresh",
  reeval: "the re-evaluation",
};

/**
 * Writes the workflow's D1 row (`row` is the input kept there), then starts its Durable Object.
 * `idempotent`: an existing row with this id is kept, so starting twice is one workflow (the
 * object's start is idempotent too). If the object cannot be reached, a row written here is
 * marked failed, since nothing would run it, and the caller gets a retryable 503.
 */
export async function launchWorkflow(
  env: Env,
  db: Db,
  launch: { request: StartRequest; row: unknown; idempotent?: boolean },
): Promise<WorkflowState> {
  const { id, type, tenantId } = launch.request;
  const inserted = await insertWorkflow(
    db,
    { id, tenantId, type, status: "pending", input: launch.row },
    { ignoreExisting: launch.idempotent },
  );
  try {
    return await workflowStub(env, id).start(launch.request);
  } catch (e) {
    if (inserted) await failWorkflow(db, id, `the workflow could not be started: ${describeError(e)}`);
    throw new AppError(503, "workflow_unavailable", `${LABELS[type]} could not be started; try again`, {
      internal: describeError(e),
      retryable: true,
    });
  }
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
  const row = {
    source: input.source,
    url: input.url ?? null,
    title: input.title ?? null,
    force: input.force ?? false,
    via,
    bytes: document?.bytes.length ?? null,
  };
  const state = await launchWorkflow(env, db, { request: { id, type: "analysis", tenantId, input, document }, row });
  return { workflowId: id, status: state.status };
}

export interface WorkflowView {
  workflow: Workflow;
  steps: TaskResult[];
}

/** The tenant's workflow, or 404. */
export async function requireWorkflow(db: Db, tenantId: string, id: string): Promise<Workflow> {
  const workflow = await getWorkflow(db, tenantId, id);
  if (!workflow) throw notFound(`no analysis ${id} for this tenant`);
  return workflow;
}

export async function readWorkflow(db: Db, tenantId: string, id: string): Promise<WorkflowView> {
  // Both at once: the steps are only returned once the workflow is known to be the tenant's.
  const [workflow, steps] = await Promise.all([requireWorkflow(db, tenantId, id), listTaskResults(db, id)]);
  return { workflow, steps };
}

export async function cancelAnalysis(env: Env, db: Db, tenantId: string, id: string): Promise<WorkflowView> {
  const workflow = await requireWorkflow(db, tenantId, id);
  if (TERMINAL.has(workflow.status)) return { workflow, steps: await listTaskResults(db, id) };
  await workflowStub(env, id).cancel();
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
