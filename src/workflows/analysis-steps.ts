/**
 * @module The steps of an analysis workflow: fetch (URLs only) → extract → analyze → persist.
 * Each step reads what the previous one left in the workflow's blob store and writes its own.
 */
import { analyzeText, type AnalysisResult } from "../analysis/engine";
import { resolveVersion } from "../attack/catalog";
import { createDb } from "../db/client";
import { findReportByHash } from "../db/repos/reports";
import { extractDocument } from "../documents/extract";
import { safeFetch } from "../documents/safe-fetch";
import { AppError } from "../errors";
import { sha256Hex } from "../lib/bytes";
import { modelFor } from "./model-cache";
import { storeReport } from "./reporting";
import { fetchOptions, MAX_DOCUMENT_BYTES } from "./service";
import type { AnalysisInput, StepContext, StepDefinition, WorkflowDefinition } from "./types";

interface RawMeta {
  contentType: string;
  charset?: string;
  finalUrl?: string;
}

interface DocMeta {
  kind: string;
  title: string | null;
  contentHash: string;
  attackVersion: string;
}

const missing = (what: string) =>
  new AppError(500, "workflow_state_lost", `the workflow lost its ${what}; start the analysis again`);

const fetchStep: StepDefinition = {
  name: "fetch",
  progress: 0.25,
  async run({ env, state, blobs }) {
    const url = (state.input as AnalysisInput).url as string;
    const doc = await safeFetch(url, fetchOptions(env, MAX_DOCUMENT_BYTES));
    await blobs.put("raw", doc.bytes);
    await blobs.putJson("raw-meta", {
      contentType: doc.contentType,
      charset: doc.charset,
      finalUrl: doc.finalUrl,
    } satisfies RawMeta);
    return {
      result: { finalUrl: doc.finalUrl, status: doc.status, contentType: doc.contentType, bytes: doc.bytes.length },
    };
  },
};

const extractStep: StepDefinition = {
  name: "extract",
  progress: 0.5,
  async run({ env, state, blobs }) {
    const raw = await blobs.get("raw");
    const meta = await blobs.getJson<RawMeta>("raw-meta");
    if (!raw || !meta) throw missing("document");
    const doc = await extractDocument(raw, meta.contentType, meta.charset);
    const db = createDb(env.DB);
    const attackVersion = await resolveVersion(db, undefined);
    const contentHash = await sha256Hex(doc.text);
    const input = state.input as AnalysisInput;
    const title = input.title ?? doc.title;
    if (!input.force && state.tenantId) {
      const existing = await findReportByHash(db, state.tenantId, contentHash, attackVersion);
      if (existing) {
        await blobs.delete("raw");
        return {
          result: { kind: doc.kind, chars: doc.text.length, duplicateOf: existing.id },
          completeWith: { reportId: existing.id },
        };
      }
    }
    await blobs.putText("text", doc.text);
    await blobs.putJson("doc", { kind: doc.kind, title, contentHash, attackVersion } satisfies DocMeta);
    await blobs.delete("raw");
    return { result: { kind: doc.kind, chars: doc.text.length, title, attackVersion } };
  },
};

const analyzeStep: StepDefinition = {
  name: "analyze",
  progress: 0.75,
  async run({ env, blobs }) {
    const text = await blobs.getText("text");
    const meta = await blobs.getJson<DocMeta>("doc");
    if (text === null || !meta) throw missing("extracted text");
    const { id, model } = await modelFor(createDb(env.DB), meta.attackVersion);
    const result = analyzeText(text, model);
    await blobs.putJson("analysis", { modelId: id, result });
    return { result: { techniques: result.techniques.length, sentences: result.sentences, modelId: id } };
  },
};

const persistStep: StepDefinition = {
  name: "persist",
  progress: 1,
  async run(ctx: StepContext) {
    const { env, state, blobs } = ctx;
    const text = await blobs.getText("text");
    const meta = await blobs.getJson<DocMeta>("doc");
    const analysis = await blobs.getJson<{ modelId: string; result: AnalysisResult }>("analysis");
    const rawMeta = await blobs.getJson<RawMeta>("raw-meta");
    if (text === null || !meta || !analysis || !state.tenantId) throw missing("analysis");
    const input = state.input as AnalysisInput;
    const reportId = await storeReport(createDb(env.DB), {
      tenantId: state.tenantId,
      workflowId: state.id,
      source: input.source,
      sourceUrl: rawMeta?.finalUrl ?? input.url ?? null,
      title: meta.title,
      text,
      contentHash: meta.contentHash,
      attackVersion: meta.attackVersion,
      modelId: analysis.modelId,
      kind: meta.kind,
      result: analysis.result,
    });
    return { result: { reportId, matches: analysis.result.techniques.length }, completeWith: { reportId } };
  },
};

function analysisSteps(source: string): StepDefinition[] {
  return source === "url"
    ? [fetchStep, extractStep, analyzeStep, persistStep]
    : [extractStep, analyzeStep, persistStep];
}

export const analysisWorkflow: WorkflowDefinition = {
  steps: (state) => analysisSteps((state.input as AnalysisInput).source),
};
