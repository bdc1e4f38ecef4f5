/**
 * @module A workflow as REST and MCP show it (analyses, ATT&CK refreshes): status, progress and
 * every step attempt, and the mapper from its D1 rows.
 */
import { z } from "@hono/zod-openapi";
import { TASK_STATUSES, WORKFLOW_STATUSES } from "../db/schema";
import type { WorkflowView } from "./launch";

export const StepView = z
  .object({
    step: z.string(),
    attempt: z.number().int(),
    status: z.enum(TASK_STATUSES),
    error: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
  })
  .openapi("WorkflowStep");

/** The answer to starting a workflow (analysis or refresh). */
export const WorkflowStarted = z.object({ workflowId: z.string(), status: z.string() }).openapi("WorkflowStarted");

export const WorkflowStatus = z
  .object({
    workflowId: z.string(),
    status: z.enum(WORKFLOW_STATUSES),
    progress: z.number().min(0).max(1),
    currentStep: z.string().nullable(),
    error: z.string().nullable().describe("why it failed, or the last transient error while retrying"),
    reportId: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    steps: z.array(StepView),
  })
  .openapi("WorkflowStatus");

export type WorkflowStatusT = z.infer<typeof WorkflowStatus>;

export function toWorkflowStatus({ workflow, steps }: WorkflowView): WorkflowStatusT {
  return {
    workflowId: workflow.id,
    status: workflow.status,
    progress: workflow.progress,
    currentStep: workflow.currentStep,
    error: workflow.error,
    reportId: workflow.reportId,
    createdAt: workflow.createdAt,
    startedAt: workflow.startedAt,
    completedAt: workflow.completedAt,
    steps: steps.map((s) => ({
      step: s.step,
      attempt: s.attempt,
      status: s.status,
      error: s.error,
      // Steps store their summary object (workflows/types.ts StepOutcome.result).
      result: (s.result as Record<string, unknown> | null) ?? null,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      durationMs: s.durationMs,
    })),
  };
}
