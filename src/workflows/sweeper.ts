/**
 * @module The sweeper (cron): no workflow stays unfinished forever. For each workflow whose D1 row
 * has not moved for a while it asks the workflow's Durable Object: no answer or no record → the
 * row is failed with that reason; finished → the row catches up; running too long → failed;
 * otherwise its alarm is re-armed so it carries on.
 */
import { config } from "../config";
import type { Db } from "../db/client";
import { failWorkflow, staleWorkflows, updateWorkflowQuery } from "../db/repos/workflows";
import { describeError } from "../errors";
import { workflowStub } from "./launch";
import { TERMINAL, type WorkflowState } from "./types";

/** An unfinished workflow older than this is given up on. */
const MAX_AGE_MS = 6 * 3600_000;
const ANSWER_TIMEOUT_MS = 10_000;

export interface SweepResult {
  checked: number;
  failed: number;
  synced: number;
  resumed: number;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);
}

export async function sweepWorkflows(env: Env, db: Db, now: Date): Promise<SweepResult> {
  const staleMinutes = config(env).WORKFLOW_STALE_MINUTES;
  const stale = await staleWorkflows(db, new Date(now.getTime() - staleMinutes * 60_000).toISOString());
  const result: SweepResult = { checked: stale.length, failed: 0, synced: 0, resumed: 0 };
  for (const row of stale) {
    let state: WorkflowState | null;
    const stub = workflowStub(env, row.id);
    try {
      state = await within(stub.resume(), ANSWER_TIMEOUT_MS);
    } catch (e) {
      await failWorkflow(db, row.id, `the workflow stopped answering (${describeError(e)}); start the analysis again`);
      result.failed++;
      continue;
    }
    if (!state) {
      await failWorkflow(db, row.id, "the workflow's Durable Object has no record of it; start the analysis again");
      result.failed++;
    } else if (TERMINAL.has(state.status)) {
      await updateWorkflowQuery(db, row.id, {
        status: state.status,
        error: state.error ?? null,
        reportId: state.reportId ?? null,
        progress: state.progress,
        completedAt: state.completedAt ?? now.toISOString(),
        currentStep: null,
      });
      result.synced++;
    } else if (now.getTime() - Date.parse(state.createdAt) > MAX_AGE_MS) {
      await within(
        stub.abandon(`the workflow did not finish within ${MAX_AGE_MS / 3600_000} hours`),
        ANSWER_TIMEOUT_MS,
      ).catch(() =>
        failWorkflow(db, row.id, "the workflow did not finish in time and its Durable Object did not answer"),
      );
      result.failed++;
    } else {
      result.resumed++;
    }
  }
  return result;
}
