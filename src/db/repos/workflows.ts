/**
 * @module Workflow rows and their step results. A workflow is read tenant-scoped (or, for
 * deployment-wide ones, by admins), its steps once the workflow is found; writes come from the
 * workflow's own Durable Object, which knows its tenant.
 */
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../client";
import { taskResults, workflows, type TaskResult, type Workflow } from "../schema";

export type NewWorkflow = typeof workflows.$inferInsert;

/** Inserts the row; with `ignoreExisting`, a row with the same id is kept. True when this call wrote it. */
export async function insertWorkflow(
  db: Db,
  row: NewWorkflow,
  options: { ignoreExisting?: boolean } = {},
): Promise<boolean> {
  const insert = db.insert(workflows).values(row);
  const written = await (options.ignoreExisting ? insert.onConflictDoNothing() : insert).returning({
    id: workflows.id,
  });
  return written.length > 0;
}

export async function getWorkflow(db: Db, tenantId: string, id: string): Promise<Workflow | null> {
  return (
    (await db
      .select()
      .from(workflows)
      .where(and(eq(workflows.tenantId, tenantId), eq(workflows.id, id)))
      .get()) ?? null
  );
}

/** A workflow by id whatever its tenant: for deployment-wide workflows (refresh), read by admins. */
export async function getWorkflowAnyTenant(db: Db, id: string): Promise<Workflow | null> {
  return (await db.select().from(workflows).where(eq(workflows.id, id)).get()) ?? null;
}

/** Steps of a workflow, in order. Not tenant-scoped: callers check the workflow first. */
export async function listTaskResults(db: Db, workflowId: string): Promise<TaskResult[]> {
  return db.select().from(taskResults).where(eq(taskResults.workflowId, workflowId)).orderBy(asc(taskResults.id));
}

export type WorkflowPatch = Partial<
  Pick<Workflow, "status" | "currentStep" | "progress" | "error" | "startedAt" | "completedAt" | "reportId">
>;

export function updateWorkflowQuery(db: Db, id: string, patch: WorkflowPatch) {
  return db
    .update(workflows)
    .set({ ...patch, updatedAt: new Date().toISOString() })
    .where(eq(workflows.id, id));
}

/**
 * Records a new attempt as running. A row of this workflow still `running` here belongs to an attempt
 * cut off by a restart (one alarm runs at a time per workflow): it is closed as failed in the same
 * batch, so the step list never shows a stale running attempt beside the one that followed it.
 */
export async function startTask(db: Db, workflowId: string, step: string, attempt: number): Promise<number> {
  const [, inserted] = await db.batch([
    db
      .update(taskResults)
      .set({
        status: "failed",
        error: "interrupted: the workflow restarted during this attempt, which was run again",
        finishedAt: new Date().toISOString(),
      })
      .where(and(eq(taskResults.workflowId, workflowId), eq(taskResults.status, "running"))),
    db.insert(taskResults).values({ workflowId, step, attempt, status: "running" }).returning({ id: taskResults.id }),
  ]);
  const row = inserted[0];
  if (!row) throw new Error("task_results insert returned no row");
  return row.id;
}

export async function finishTask(
  db: Db,
  id: number,
  outcome: { status: "succeeded" | "failed"; result?: unknown; error?: string; durationMs: number },
): Promise<void> {
  await db
    .update(taskResults)
    .set({
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      durationMs: outcome.durationMs,
      finishedAt: new Date().toISOString(),
    })
    .where(eq(taskResults.id, id));
}

/** Unfinished workflows not updated since `before`: candidates for the sweeper. */
export async function staleWorkflows(db: Db, before: string, limit = 100): Promise<Workflow[]> {
  return db
    .select()
    .from(workflows)
    .where(and(inArray(workflows.status, ["pending", "running"]), lt(workflows.updatedAt, before)))
    .orderBy(asc(workflows.updatedAt))
    .limit(limit);
}

export async function failWorkflow(db: Db, id: string, error: string): Promise<void> {
  const now = new Date().toISOString();
  await db
    .update(workflows)
    .set({ status: "failed", error, completedAt: now, updatedAt: now })
    .where(and(eq(workflows.id, id), sql`${workflows.status} IN ('pending', 'running')`));
}
