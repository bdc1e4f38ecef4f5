/**
 * @module One Durable Object per workflow. Its storage holds the live state and the blobs passed
 * between steps; its alarm runs one step per invocation, so a workflow resumes where it was after
 * the object is evicted or restarted. Transient failures retry with capped exponential backoff;
 * every run ends completed, failed (with the reason) or cancelled. D1's `workflows` and
 * `task_results` rows mirror what happens, for the API and the sweeper.
 */
import { DurableObject } from "cloudflare:workers";
import { config } from "../config";
import { createDb } from "../db/client";
import { finishTask, startTask, updateWorkflowQuery } from "../db/repos/workflows";
import { AppError, describeError } from "../errors";
import { BlobStore } from "./blobs";
import { WORKFLOWS } from "./registry";
import { TERMINAL, type StartRequest, type StepDefinition, type WorkflowState } from "./types";

const STATE = "state";

interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
}

function stepsOf(state: WorkflowState): StepDefinition[] {
  return WORKFLOWS[state.type].steps(state);
}

export class WorkflowObject extends DurableObject<Env> {
  private readonly blobs = new BlobStore(this.ctx.storage);
  private waiters: (() => void)[] = [];

  private policy(): RetryPolicy {
    const c = config(this.env);
    return { maxAttempts: c.WORKFLOW_MAX_ATTEMPTS, baseMs: c.WORKFLOW_RETRY_BASE_MS, capMs: c.WORKFLOW_RETRY_CAP_MS };
  }

  /** When the next step runs: now, unless configured to pause between steps. */
  private nextStepAt(): number {
    return Date.now() + config(this.env).WORKFLOW_STEP_DELAY_MS;
  }

  /** Starts the workflow; calling it again for the same workflow returns the existing state. */
  async start(request: StartRequest): Promise<WorkflowState> {
    const existing = await this.state();
    if (existing) return existing;
    const now = new Date().toISOString();
    const state: WorkflowState = {
      id: request.id,
      type: request.type,
      tenantId: request.tenantId,
      status: "pending",
      steps: [],
      stepIndex: 0,
      attempt: 0,
      progress: 0,
      input: request.input,
      createdAt: now,
      updatedAt: now,
      revision: 0,
    };
    state.steps = stepsOf(state).map((s) => s.name);
    for (const blob of request.blobs ?? []) await this.blobs.put(blob.name, blob.bytes);
    await this.save(state);
    await this.ctx.storage.setAlarm(this.nextStepAt());
    return state;
  }

  /** The live state, or null when this object holds no workflow. */
  async state(): Promise<WorkflowState | null> {
    return (await this.ctx.storage.get<WorkflowState>(STATE)) ?? null;
  }

  /** Resolves with the state once its revision is past `revision`, or after `timeoutMs`. */
  async waitForChange(revision: number, timeoutMs: number): Promise<WorkflowState | null> {
    const current = await this.state();
    if (!current || current.revision > revision || TERMINAL.has(current.status)) return current;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(timeoutMs, 30_000));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.state();
  }

  async cancel(): Promise<WorkflowState | null> {
    const state = await this.state();
    if (!state || TERMINAL.has(state.status)) return state;
    const now = new Date().toISOString();
    const cancelled: WorkflowState = { ...state, status: "cancelled", completedAt: now, retryAt: undefined };
    await this.ctx.storage.deleteAlarm();
    await this.cleanup(state);
    await this.save(cancelled);
    await updateWorkflowQuery(createDb(this.env.DB), state.id, {
      status: "cancelled",
      completedAt: now,
      currentStep: null,
    });
    await this.blobs.clear();
    return cancelled;
  }

  /** Ends an unfinished workflow as failed (used by the sweeper for workflows that ran too long). */
  async abandon(reason: string): Promise<WorkflowState | null> {
    const state = await this.state();
    if (!state || TERMINAL.has(state.status)) return state;
    await this.ctx.storage.deleteAlarm();
    await this.finish(state, { status: "failed", error: reason });
    return this.state();
  }

  /** Re-arms the alarm of an unfinished workflow that has none (used by the sweeper). */
  async resume(): Promise<WorkflowState | null> {
    const state = await this.state();
    if (state && !TERMINAL.has(state.status) && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now());
    }
    return state;
  }

  /** A blob the workflow kept after completing (its definition's `keeps`), as text; null once expired. */
  async keptText(name: string): Promise<string | null> {
    const state = await this.state();
    if (state?.status !== "completed" || !WORKFLOWS[state.type].keeps?.blobs.includes(name)) return null;
    return this.blobs.getText(name);
  }

  /** Forgets the workflow altogether (state, blobs, alarm): what it produced was deleted. */
  async forget(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const state = await this.state();
    if (!state) return;
    // An ended workflow's alarm is the expiry of what it kept.
    if (TERMINAL.has(state.status)) return this.blobs.clear();
    const step = stepsOf(state)[state.stepIndex];
    if (!step) return this.finish(state, { status: "failed", error: `no step ${state.stepIndex} in ${state.type}` });

    const db = createDb(this.env.DB);
    const attempt = state.attempt + 1;
    const now = new Date().toISOString();
    const running: WorkflowState = {
      ...state,
      status: "running",
      attempt,
      startedAt: state.startedAt ?? now,
      retryAt: undefined,
    };
    await this.save(running);
    await updateWorkflowQuery(db, state.id, {
      status: "running",
      currentStep: step.name,
      startedAt: running.startedAt,
      error: null,
    });
    const taskId = await startTask(db, state.id, step.name, attempt);
    const t0 = Date.now();
    try {
      const outcome = await step.run({ env: this.env, state: running, blobs: this.blobs });
      await finishTask(db, taskId, { status: "succeeded", result: outcome.result, durationMs: Date.now() - t0 });
      // Cancelled while the step ran: its result is dropped.
      const latest = await this.state();
      if (!latest || latest.status === "cancelled") return;
      if (outcome.completeWith)
        return this.finish(latest, { status: "completed", reportId: outcome.completeWith.reportId });
      if (outcome.repeat) {
        await this.save({ ...latest, attempt: 0 });
        await this.ctx.storage.setAlarm(this.nextStepAt());
        return;
      }
      const next = state.stepIndex + 1;
      if (next >= stepsOf(state).length) return this.finish(latest, { status: "completed" });
      await this.save({ ...latest, stepIndex: next, attempt: 0, progress: step.progress });
      await updateWorkflowQuery(db, state.id, {
        progress: step.progress,
        currentStep: stepsOf(state)[next]?.name ?? null,
      });
      await this.ctx.storage.setAlarm(this.nextStepAt());
    } catch (e) {
      const appError = e instanceof AppError ? e : null;
      const message = appError ? appError.message : `internal error in step ${step.name}: ${describeError(e)}`;
      if (!appError) console.error(JSON.stringify({ workflow: state.id, step: step.name, error: describeError(e) }));
      await finishTask(db, taskId, { status: "failed", error: message, durationMs: Date.now() - t0 });
      const latest = await this.state();
      if (!latest || latest.status === "cancelled") return;
      const policy = this.policy();
      if (appError?.retryable && attempt < policy.maxAttempts) {
        const delay = retryDelay(policy, attempt);
        await this.save({ ...latest, retryAt: new Date(Date.now() + delay).toISOString(), error: message });
        await updateWorkflowQuery(db, state.id, {
          error: `attempt ${attempt} of ${step.name} failed, retrying: ${message}`,
        });
        await this.ctx.storage.setAlarm(Date.now() + delay);
        return;
      }
      const reason = appError?.retryable ? `${step.name} failed ${attempt} times; last error: ${message}` : message;
      return this.finish(latest, { status: "failed", error: reason });
    }
  }

  private async finish(
    state: WorkflowState,
    end: { status: "completed" | "failed"; error?: string; reportId?: string },
  ): Promise<void> {
    if (end.status === "failed") await this.cleanup(state);
    const now = new Date().toISOString();
    const done: WorkflowState = {
      ...state,
      status: end.status,
      error: end.error,
      reportId: end.reportId ?? state.reportId,
      progress: end.status === "completed" ? 1 : state.progress,
      completedAt: now,
      retryAt: undefined,
    };
    await this.save(done);
    await updateWorkflowQuery(createDb(this.env.DB), state.id, {
      status: end.status,
      error: end.error ?? null,
      progress: done.progress,
      reportId: done.reportId ?? null,
      currentStep: null,
      completedAt: now,
    });
    const keeps = end.status === "completed" ? WORKFLOWS[state.type].keeps : undefined;
    await this.blobs.clear(keeps?.blobs);
    if (keeps) await this.ctx.storage.setAlarm(Date.now() + keeps.forMs);
  }

  /** Undoes what an unfinished workflow left (e.g. a half-done ATT&CK refresh); never throws. */
  private async cleanup(state: WorkflowState): Promise<void> {
    try {
      await WORKFLOWS[state.type].cleanup?.({ env: this.env, state, blobs: this.blobs });
    } catch (e) {
      console.error(JSON.stringify({ workflow: state.id, cleanup: describeError(e) }));
    }
  }

  private async save(state: WorkflowState): Promise<void> {
    const next = { ...state, revision: state.revision + 1, updatedAt: new Date().toISOString() };
    await this.ctx.storage.put(STATE, next);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
