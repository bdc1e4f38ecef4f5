/**
 * @module /api/v1/analyses (asynchronous workflows) and /api/v1/analyze (synchronous, ≤ 1 MB).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { AnalysisOutput, SubmissionJson, SubmissionQuery, WorkflowIdField } from "../../analyses/analyses.schemas";
import {
  analyzeNow,
  cancelAnalysis,
  readAnalysis,
  readAnalysisResult,
  requireAnalysis,
  startAnalysis,
} from "../../analyses/analyses.service";
import { watchWorkflow } from "../../workflows/launch";
import { toWorkflowStatus, WorkflowStarted, WorkflowStatus } from "../../workflows/workflow.schemas";
import { TERMINAL } from "../../workflows/types";
import { documentBodyLimit, documentBodyLimitOf } from "../../api/body-limits";
import { analysisRateLimit } from "../../api/rate-limit";
import { readSubmission } from "../submission";
import { authErrors, bearer, errorContent, json, pathParams, router } from "../openapi";

const WorkflowParams = pathParams({ workflowId: WorkflowIdField });

const documentBody = {
  required: false,
  content: {
    "application/json": { schema: SubmissionJson },
    "text/plain": { schema: z.string() },
    "text/html": { schema: z.string() },
    "text/markdown": { schema: z.string() },
    "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
  },
  description:
    "JSON ({url} | {text} | {content, contentType}), or the document itself with its Content-Type (title, force and store as query parameters)",
};

const documentErrors = {
  413: errorContent("Document over the size limit"),
  415: errorContent("Unsupported media type"),
  422: errorContent("Unusable document (empty, unreadable)"),
};

const startRoute = createRoute({
  method: "post",
  path: "/analyses",
  tags: ["Analysis"],
  summary: "Start the analysis of a document (URL, text, HTML or PDF up to 20 MB)",
  security: bearer,
  middleware: [analysisRateLimit, documentBodyLimit] as const,
  request: { query: SubmissionQuery, body: documentBody },
  responses: {
    202: json(WorkflowStarted, "Started; follow it at /analyses/{workflowId}"),
    ...authErrors,
    ...documentErrors,
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/analyses/{workflowId}",
  tags: ["Analysis"],
  summary: "Status, progress and steps of an analysis",
  security: bearer,
  request: { params: WorkflowParams },
  responses: {
    200: json(WorkflowStatus, "The analysis"),
    ...authErrors,
    404: errorContent("No such analysis for this tenant"),
  },
});

const resultRoute = createRoute({
  method: "get",
  path: "/analyses/{workflowId}/result",
  tags: ["Analysis"],
  summary:
    "The techniques a completed analysis found: its report's, or, with store false, the result kept for 24 hours",
  security: bearer,
  request: { params: WorkflowParams },
  responses: {
    200: json(AnalysisOutput, "The techniques (reportId null when nothing was stored)"),
    ...authErrors,
    404: errorContent("No such analysis for this tenant, or its unstored result has expired"),
    409: errorContent("The analysis has not completed"),
  },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/analyses/{workflowId}/events",
  tags: ["Analysis"],
  summary:
    "Server-Sent Events: `progress` whenever status, progress, step or error changes, then `done` with the final status",
  security: bearer,
  request: { params: WorkflowParams },
  responses: {
    200: { description: "text/event-stream", content: { "text/event-stream": { schema: z.string() } } },
    ...authErrors,
    404: errorContent("No such analysis for this tenant"),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/analyses/{workflowId}/cancel",
  tags: ["Analysis"],
  summary: "Cancel an analysis at whatever step it is",
  security: bearer,
  request: { params: WorkflowParams },
  responses: {
    200: json(WorkflowStatus, "The analysis, cancelled unless it had already ended"),
    ...authErrors,
    404: errorContent("No such analysis"),
  },
});

const analyzeRoute = createRoute({
  method: "post",
  path: "/analyze",
  tags: ["Analysis"],
  summary: "Analyse a document of up to 1 MB and answer with the techniques (stored as a report unless store is false)",
  security: bearer,
  middleware: [
    analysisRateLimit,
    documentBodyLimitOf(2 * 1024 * 1024, "synchronous analysis takes up to 1 MB of text: use POST /api/v1/analyses"),
  ] as const,
  request: { query: SubmissionQuery, body: documentBody },
  responses: {
    200: json(AnalysisOutput, "Techniques found, with evidence, and the report id"),
    ...authErrors,
    ...documentErrors,
  },
});

/** How long one SSE connection follows a workflow before the client should reconnect. */
const SSE_DEADLINE_MS = 10 * 60_000;

export const analysisRoutes = router()
  .openapi(startRoute, async (c) => {
    const submission = await readSubmission(c.req);
    const started = await startAnalysis(c.env, c.var.db, c.var.caller.tenantId, submission, "rest");
    return c.json(started, 202, { Location: `/api/v1/analyses/${started.workflowId}` });
  })
  .openapi(statusRoute, async (c) => {
    return c.json(
      toWorkflowStatus(await readAnalysis(c.var.db, c.var.caller.tenantId, c.req.valid("param").workflowId)),
      200,
    );
  })
  .openapi(resultRoute, async (c) =>
    c.json(await readAnalysisResult(c.env, c.var.db, c.var.caller.tenantId, c.req.valid("param").workflowId), 200),
  )
  .openapi(eventsRoute, async (c) => {
    const { workflowId: id } = c.req.valid("param");
    const { db, caller } = c.var;
    await requireAnalysis(db, caller.tenantId, id); // 404 before the stream opens
    return streamSSE(c, async (stream) => {
      // A revision can change what the event does not say (attempts, timings): only news is sent.
      let last = "";
      const final = await watchWorkflow(c.env, id, Date.now() + SSE_DEADLINE_MS, async (state) => {
        const data = JSON.stringify({
          status: state.status,
          progress: state.progress,
          step: state.steps[state.stepIndex] ?? null,
          error: state.error ?? null,
        });
        if (data === last) return;
        last = data;
        await stream.writeSSE({ event: "progress", id: String(state.revision), data });
      });
      if (final && TERMINAL.has(final.status)) {
        await stream.writeSSE({
          event: "done",
          data: JSON.stringify(toWorkflowStatus(await readAnalysis(db, caller.tenantId, id))),
        });
      } else {
        await stream.writeSSE({
          event: "timeout",
          data: JSON.stringify({ message: "still running: reconnect to keep following" }),
        });
      }
    });
  })
  .openapi(cancelRoute, async (c) => {
    return c.json(
      toWorkflowStatus(await cancelAnalysis(c.env, c.var.db, c.var.caller.tenantId, c.req.valid("param").workflowId)),
      200,
    );
  })
  .openapi(analyzeRoute, async (c) => {
    const submission = await readSubmission(c.req);
    return c.json(await analyzeNow(c.env, c.var.db, c.var.caller.tenantId, submission, "rest"), 200);
  });
