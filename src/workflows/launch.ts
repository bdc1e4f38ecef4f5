/**
 * @module Starting, reading, watching and cancelling workflows of any kind. The D1 row is written
 * first, then the workflow's Durable Object takes over.
 */
import type { Db } from "../db/client";
import { failWorkflow, getWorkflow, insertWorkflow, listTaskResults } from "../db/repos/workflows";
import type { TaskResult, Workflow } from "../db/schema";
import { AppError, describeError, notFound } from "../errors";
import { sha256Hex } from "../lib/bytes";
import { TERMINAL, type StartRequest, type WorkflowState, type WorkflowType } from "./types";

/** The Durable Object that runs workflow `id`. */
export function workflowStub(env: Env, id: string) {
  return env.WORKFLOWS.get(env.WORKFLOWS.idFromName(id));
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

export interface WorkflowView {
  workflow: Workflow;
  steps: TaskResult[];
}

/** The tenant's workflow, or 404 naming it as `label` ("analysis"). */
export async function requireWorkflow(db: Db, tenantId: string, id: string, label = "workflow"): Promise<Workflow> {
  const workflow = await getWorkflow(db, tenantId, id);
  if (!workflow) throw notFound(`no ${label} ${id} for this tenant`);
  return workflow;
}

export async function readWorkflow(db: Db, tenantId: string, id: string, label?: string): Promise<WorkflowView> {
  // Both at once: the steps are only returned once the workflow is known to be the tenant's.
  const [workflow, steps] = await Promise.all([requireWorkflow(db, tenantId, id, label), listTaskResults(db, id)]);
  return { workflow, steps };
}

/** Cancels the tenant's workflow at whatever step it is; one that has ended is returned as it is. */
export async function cancelWorkflow(
  env: Env,
  db: Db,
  tenantId: string,
  id: string,
  label?: string,
): Promise<WorkflowView> {
  const workflow = await requireWorkflow(db, tenantId, id, label);
  if (TERMINAL.has(workflow.status)) return { workflow, steps: await listTaskResults(db, id) };
  await workflowStub(env, id).cancel();
  return readWorkflow(db, tenantId, id, label);
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
