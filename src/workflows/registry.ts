/**
 * @module Every kind of workflow the Durable Object runs.
 */
import { analysisWorkflow } from "./analysis-steps";
import { reevalWorkflow } from "./reeval-steps";
import { refreshWorkflow } from "./refresh-steps";
import type { WorkflowDefinition, WorkflowType } from "./types";

export const WORKFLOWS: Record<WorkflowType, WorkflowDefinition> = {
  analysis: analysisWorkflow,
  refresh: refreshWorkflow,
  reeval: reevalWorkflow,
};
