/**
 * @module Every kind of workflow the Durable Object runs.
 */
import { analysisWorkflow } from "../analyses/analysis.workflow";
import { reevalWorkflow } from "../reports/reevaluation.workflow";
import { refreshWorkflow } from "../attack/refresh.workflow";
import type { WorkflowDefinition, WorkflowType } from "./types";

export const WORKFLOWS: Record<WorkflowType, WorkflowDefinition> = {
  analysis: analysisWorkflow,
  refresh: refreshWorkflow,
  reeval: reevalWorkflow,
};
