/**
 * @module Workflow bookkeeping. The live state of a workflow is in its Durable Object; these rows
 * are what the API lists and what the sweeper checks for workflows that stopped answering.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, enumCheck, NOW } from "./common";
import { tenants } from "./tenants";

export const WORKFLOW_TYPES = ["analysis", "refresh", "reeval"] as const;
export const WORKFLOW_STATUSES = ["pending", "running", "completed", "failed", "cancelled"] as const;
export const TASK_STATUSES = ["running", "succeeded", "failed"] as const;

export const workflows = sqliteTable(
  "workflows",
  {
    id: text("id").primaryKey(),
    /** Null only for system workflows (the ATT&CK refresh), which belong to no tenant. */
    tenantId: text("tenant_id").references(() => tenants.id, { onDelete: "cascade" }),
    type: text("type", { enum: WORKFLOW_TYPES }).notNull(),
    status: text("status", { enum: WORKFLOW_STATUSES }).notNull().default("pending"),
    currentStep: text("current_step"),
    progress: real("progress").notNull().default(0),
    /** JSON input of the workflow (source reference, options). */
    input: text("input", { mode: "json" }),
    error: text("error"),
    /**
     * The report the workflow produced or found (same document analysed before). A plain column,
     * not a foreign key: reports already reference their workflow, and this way the migration
     * that added it can be rolled back with DROP COLUMN.
     */
    reportId: text("report_id"),
    createdAt: createdAt(),
    startedAt: text("started_at"),
    updatedAt: text("updated_at").notNull().default(NOW),
    completedAt: text("completed_at"),
  },
  (t) => [
    index("workflows_tenant_idx").on(t.tenantId, t.createdAt),
    index("workflows_status_idx").on(t.status, t.updatedAt),
    enumCheck("workflows_type", t.type, WORKFLOW_TYPES),
    enumCheck("workflows_status", t.status, WORKFLOW_STATUSES),
    check("workflows_progress", sql`${t.progress} BETWEEN 0 AND 1`),
    check("workflows_error_when_failed", sql`${t.status} <> 'failed' OR ${t.error} IS NOT NULL`),
  ],
);

export const taskResults = sqliteTable(
  "task_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    step: text("step").notNull(),
    attempt: integer("attempt").notNull().default(1),
    status: text("status", { enum: TASK_STATUSES }).notNull(),
    result: text("result", { mode: "json" }),
    error: text("error"),
    startedAt: text("started_at").notNull().default(NOW),
    finishedAt: text("finished_at"),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    uniqueIndex("task_results_step_attempt").on(t.workflowId, t.step, t.attempt),
    enumCheck("task_results_status", t.status, TASK_STATUSES),
    check("task_results_attempt", sql`${t.attempt} >= 1`),
  ],
);

export type Workflow = typeof workflows.$inferSelect;
export type TaskResult = typeof taskResults.$inferSelect;
