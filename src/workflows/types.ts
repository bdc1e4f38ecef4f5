/**
 * @module Workflow state as a Durable Object keeps it, and the contract of a step.
 */
import type { WORKFLOW_STATUSES, WORKFLOW_TYPES } from "../db/schema";
import type { BlobStore } from "./blobs";

export type WorkflowType = (typeof WORKFLOW_TYPES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export const TERMINAL: ReadonlySet<WorkflowStatus> = new Set(["completed", "failed", "cancelled"]);

/**
 * What a workflow keeps of what started it (flat scalars, so the Durable Object can pass it over RPC): each kind's own shape (analyses/submission.ts,
 * attack/refresh.service.ts, reports/reevaluation.service.ts), read back by its steps.
 */
export type WorkflowInput = { readonly via: string } & Readonly<
  Record<string, string | number | boolean | null | undefined>
>;

export interface StartRequest {
  id: string;
  type: WorkflowType;
  /** Null for deployment-wide workflows (ATT&CK refresh). */
  tenantId: string | null;
  input: WorkflowInput;
  /** Blobs the first step reads (an uploaded document, say), stored before the workflow starts. */
  blobs?: { name: string; bytes: Uint8Array }[];
}

export interface WorkflowState {
  id: string;
  type: WorkflowType;
  tenantId: string | null;
  status: WorkflowStatus;
  /** Names of the steps of this run, in order. */
  steps: string[];
  stepIndex: number;
  /** Attempts made at the current step. */
  attempt: number;
  progress: number;
  input: WorkflowInput;
  error?: string;
  reportId?: string;
  createdAt: string;
  startedAt?: string;
  updatedAt: string;
  completedAt?: string;
  /** Bumped on every change, so watchers can wait for the next one. */
  revision: number;
  /** When the next attempt runs, while waiting to retry. */
  retryAt?: string;
}

export interface StepContext {
  env: Env;
  state: Readonly<WorkflowState>;
  blobs: BlobStore;
}

/** What a step may return: a summary for task_results, and optionally the end of the workflow. */
export interface StepOutcome {
  result?: Record<string, unknown>;
  /** Finish the workflow now, completed, with this report (e.g. the document was analysed before). */
  completeWith?: { reportId?: string };
  /** Run this step again (work done in slices, one per alarm). */
  repeat?: boolean;
}

export interface StepDefinition {
  name: string;
  /** Progress once the step is done, 0–1. */
  progress: number;
  run(ctx: StepContext): Promise<StepOutcome>;
}

/** The steps of a kind of workflow, and what to undo when one ends failed or cancelled. */
export interface WorkflowDefinition {
  steps(state: WorkflowState): StepDefinition[];
  cleanup?(ctx: StepContext): Promise<void>;
  /**
   * Blobs a completed workflow keeps for its caller to read (`WorkflowObject.keptText`), deleted
   * `forMs` after completion; every other blob is deleted when the workflow ends.
   */
  keeps?: { blobs: string[]; forMs: number };
}
