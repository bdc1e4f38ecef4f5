/**
 * @module The one pipeline that analyses a document: fetch (URLs only) → extract → analyze →
 * persist. Each stage takes the state the previous stages left and returns the next; a stage may
 * end the run with a report (the text was analysed before under this ATT&CK version). With `store:
 * false` the last stage stores nothing and ends the run with the analysis itself. Two runners
 * share it: the analysis workflow (a stage per Durable Object alarm, the state kept in blobs) and
 * the synchronous route (every stage at once, in memory).
 */
import { analyzeText, type AnalysisResult } from "../analysis/engine";
import { resolveVersion } from "../attack/catalog.service";
import { config } from "../config";
import type { Db } from "../db/client";
import { findReportByHash } from "../db/repos/reports";
import { extractDocument, type ExtractOptions } from "../documents/extract";
import { safeFetch } from "../documents/safe-fetch";
import { AppError } from "../errors";
import { sha256Hex } from "../lib/bytes";
import { modelFor } from "../models/model-cache";
import { storeReport, type StoredReport } from "../reports/report-store";
import type { AnalysisInput, RawDocument } from "./submission";

/** The extracted text and what it is analysed under. */
export interface PreparedDocument {
  kind: string;
  title: string | null;
  text: string;
  contentHash: string;
  attackVersion: string;
  sourceUrl: string | null;
}

/** What the stages hand on. A stage drops what no later stage needs (the raw bytes after extraction). */
export interface AnalysisState {
  raw?: RawDocument;
  doc?: PreparedDocument;
  analysis?: { modelId: string; result: AnalysisResult };
}

export interface StageContext {
  env: Env;
  db: Db;
  tenantId: string;
  input: AnalysisInput;
  /** Set when a workflow runs the pipeline: its row completes in the report's batch. */
  workflowId?: string;
  /** The largest document this run takes (the synchronous route takes less than a workflow). */
  maxBytes: number;
  /** Extraction caps lowered for this run (the synchronous route's); default the workflow's. */
  extract?: Pick<ExtractOptions, "limits" | "largerLimitsHint">;
}

export interface StageOutcome {
  /** The whole state after the stage (what it leaves out is dropped). */
  state: AnalysisState;
  /** For the step's record (task_results). */
  summary: Record<string, unknown>;
  /** Ends the run with this report. */
  reportId?: string;
  /** The report existed already: nothing new was stored. */
  duplicate?: boolean;
  /** A new report: what it holds, so a caller that answers with it need not read it back. */
  stored?: StoredReport & { attackVersion: string };
  /** Ends the run with this analysis, stored nowhere (`store: false`). */
  unstored?: UnstoredAnalysis;
}

/** What an analysis with `store: false` answers with. */
export interface UnstoredAnalysis {
  attackVersion: string;
  techniques: AnalysisResult["techniques"];
}

export interface Stage {
  name: "fetch" | "extract" | "analyze" | "persist";
  /** Progress once the stage is done, 0–1. */
  progress: number;
  /** The parts of the state the stage reads. */
  needs: (keyof AnalysisState)[];
  run(ctx: StageContext, state: AnalysisState): Promise<StageOutcome>;
}

const lost = (what: string) =>
  new AppError(500, "workflow_state_lost", `the analysis lost its ${what}; start the analysis again`);

const fetchStage: Stage = {
  name: "fetch",
  progress: 0.25,
  needs: [],
  async run({ env, input, maxBytes }) {
    if (!input.url) throw lost("URL");
    const c = config(env);
    const doc = await safeFetch(input.url, { dnsCheck: c.URL_DNS_CHECK, timeoutMs: c.FETCH_TIMEOUT_MS, maxBytes });
    const raw: RawDocument = {
      bytes: doc.bytes,
      contentType: doc.contentType,
      charset: doc.charset,
      finalUrl: doc.finalUrl,
    };
    return {
      state: { raw },
      summary: { finalUrl: doc.finalUrl, status: doc.status, contentType: doc.contentType, bytes: doc.bytes.length },
    };
  },
};

const extractStage: Stage = {
  name: "extract",
  progress: 0.5,
  needs: ["raw"],
  async run({ db, tenantId, input, extract }, { raw }) {
    if (!raw) throw lost("document");
    const extracted = await extractDocument(raw.bytes, raw.contentType, raw.charset, extract);
    const doc: PreparedDocument = {
      kind: extracted.kind,
      title: input.title ?? extracted.title,
      text: extracted.text,
      contentHash: await sha256Hex(extracted.text),
      attackVersion: await resolveVersion(db, undefined),
      sourceUrl: raw.finalUrl ?? input.url ?? null,
    };
    const summary = { kind: doc.kind, chars: doc.text.length };
    // Before any analysis: a text already analysed under this version is answered by its report
    // (not when storing nothing: that answer would have no report).
    const reuse = !input.force && input.store !== false;
    const existing = reuse ? await findReportByHash(db, tenantId, doc.contentHash, doc.attackVersion) : null;
    if (existing)
      return { state: {}, summary: { ...summary, duplicateOf: existing.id }, reportId: existing.id, duplicate: true };
    return { state: { doc }, summary: { ...summary, title: doc.title, attackVersion: doc.attackVersion } };
  },
};

const analyzeStage: Stage = {
  name: "analyze",
  progress: 0.75,
  needs: ["doc"],
  async run({ db }, { doc }) {
    if (!doc) throw lost("extracted text");
    const { id: modelId, model } = await modelFor(db, doc.attackVersion);
    const result = analyzeText(doc.text, model);
    return {
      state: { doc, analysis: { modelId, result } },
      summary: { techniques: result.techniques.length, sentences: result.sentences, modelId },
    };
  },
};

const persistStage: Stage = {
  name: "persist",
  progress: 1,
  needs: ["doc", "analysis"],
  async run({ db, tenantId, input, workflowId }, { doc, analysis }) {
    if (!doc || !analysis) throw lost("analysis");
    if (input.store === false) {
      const unstored = { attackVersion: doc.attackVersion, techniques: analysis.result.techniques };
      return { state: {}, summary: { stored: false, techniques: unstored.techniques.length }, unstored };
    }
    const stored = await storeReport(db, {
      tenantId,
      workflowId,
      source: input.source,
      sourceUrl: doc.sourceUrl,
      title: doc.title,
      text: doc.text,
      contentHash: doc.contentHash,
      attackVersion: doc.attackVersion,
      modelId: analysis.modelId,
      kind: doc.kind,
      result: analysis.result,
    });
    return {
      state: {},
      summary: { reportId: stored.id, matches: stored.techniques.length },
      reportId: stored.id,
      stored: { ...stored, attackVersion: doc.attackVersion },
    };
  },
};

/** The stages for a submission: a URL is fetched first; uploads and text start with their bytes. */
export function stagesFor(input: AnalysisInput): Stage[] {
  const rest = [extractStage, analyzeStage, persistStage];
  return input.source === "url" ? [fetchStage, ...rest] : rest;
}

/**
 * Runs every stage in memory: the synchronous route. Ends with the stored (or existing) report, or
 * with the analysis alone when nothing is stored.
 */
export async function runPipeline(
  ctx: StageContext,
  initial: AnalysisState,
): Promise<
  | (Pick<StageOutcome, "duplicate" | "stored"> & { reportId: string; unstored?: undefined })
  | { reportId: null; unstored: UnstoredAnalysis }
> {
  let state = initial;
  for (const stage of stagesFor(ctx.input)) {
    const outcome = await stage.run(ctx, state);
    if (outcome.unstored) return { reportId: null, unstored: outcome.unstored };
    if (outcome.reportId) return { reportId: outcome.reportId, duplicate: outcome.duplicate, stored: outcome.stored };
    state = outcome.state;
  }
  throw new AppError(500, "pipeline_incomplete", "the analysis ended without a report");
}
