/**
 * @module The analysis pipeline as a workflow: one step per stage (pipeline.ts), run by the
 * workflow engine one alarm at a time. Between steps the pipeline's state lives in the workflow's
 * blob store: the raw document, the extracted text and the analysis each under their own names.
 * An analysis that stores nothing (`store: false`) keeps its result as a blob for 24 hours.
 */
import type { AnalysisResult } from "../analysis/engine";
import { createDb } from "../db/client";
import type { BlobStore } from "../workflows/blobs";
import type { StepDefinition, WorkflowDefinition, WorkflowState } from "../workflows/types";
import { stagesFor, type AnalysisState, type PreparedDocument, type Stage } from "./pipeline";
import { MAX_DOCUMENT_BYTES, type AnalysisInput, type RawDocument } from "./submission";

type RawMeta = Omit<RawDocument, "bytes">;
type DocMeta = Omit<PreparedDocument, "text">;

/** The blobs a workflow starts with: an uploaded document (a URL is fetched by the first step). */
export function initialBlobs(raw: RawDocument): { name: string; bytes: Uint8Array }[] {
  const meta: RawMeta = { contentType: raw.contentType, charset: raw.charset, finalUrl: raw.finalUrl };
  return [
    { name: "raw", bytes: raw.bytes },
    { name: "raw-meta", bytes: new TextEncoder().encode(JSON.stringify(meta)) },
  ];
}

/** Reads, writes and drops each part of the state in its own blobs. */
const PARTS: {
  [K in keyof AnalysisState]-?: {
    read(blobs: BlobStore): Promise<AnalysisState[K]>;
    write(blobs: BlobStore, value: NonNullable<AnalysisState[K]>): Promise<void>;
    drop(blobs: BlobStore): Promise<void>;
  };
} = {
  raw: {
    async read(blobs) {
      const [bytes, meta] = await Promise.all([blobs.get("raw"), blobs.getJson<RawMeta>("raw-meta")]);
      return bytes && meta ? { ...meta, bytes } : undefined;
    },
    async write(blobs, { bytes, ...meta }) {
      await blobs.put("raw", bytes);
      await blobs.putJson("raw-meta", meta);
    },
    async drop(blobs) {
      await blobs.delete("raw");
      await blobs.delete("raw-meta");
    },
  },
  doc: {
    async read(blobs) {
      const [text, meta] = await Promise.all([blobs.getText("text"), blobs.getJson<DocMeta>("doc")]);
      return text !== null && meta ? { ...meta, text } : undefined;
    },
    async write(blobs, { text, ...meta }) {
      await blobs.putText("text", text);
      await blobs.putJson("doc", meta);
    },
    async drop(blobs) {
      await blobs.delete("text");
      await blobs.delete("doc");
    },
  },
  analysis: {
    async read(blobs) {
      return (await blobs.getJson<{ modelId: string; result: AnalysisResult }>("analysis")) ?? undefined;
    },
    write: (blobs, value) => blobs.putJson("analysis", value),
    drop: (blobs) => blobs.delete("analysis"),
  },
};

async function load(blobs: BlobStore, keys: (keyof AnalysisState)[]): Promise<AnalysisState> {
  const state: AnalysisState = {};
  for (const key of keys) Object.assign(state, { [key]: await PARTS[key].read(blobs) });
  return state;
}

/** Writes what the stage produced; drops what it read and did not pass on. */
async function save(blobs: BlobStore, loaded: AnalysisState, next: AnalysisState, read: (keyof AnalysisState)[]) {
  for (const key of Object.keys(PARTS) as (keyof AnalysisState)[]) {
    const value = next[key];
    if (value === undefined) {
      if (read.includes(key)) await PARTS[key].drop(blobs);
    } else if (value !== loaded[key]) {
      await (PARTS[key].write as (b: BlobStore, v: typeof value) => Promise<void>)(blobs, value);
    }
  }
}

function asStep(stage: Stage): StepDefinition {
  return {
    name: stage.name,
    progress: stage.progress,
    async run({ env, state, blobs }) {
      const loaded = await load(blobs, stage.needs);
      const ctx = {
        env,
        db: createDb(env.DB),
        tenantId: tenantOf(state),
        input: state.input as AnalysisInput,
        workflowId: state.id,
        maxBytes: MAX_DOCUMENT_BYTES,
      };
      const outcome = await stage.run(ctx, loaded);
      await save(blobs, loaded, outcome.state, stage.needs);
      if (outcome.unstored) {
        // Stored nowhere but here, until the caller reads it or it expires (analysisWorkflow.keeps).
        await blobs.putJson(RESULT_BLOB, outcome.unstored);
        return { result: outcome.summary, completeWith: {} };
      }
      return { result: outcome.summary, ...(outcome.reportId ? { completeWith: { reportId: outcome.reportId } } : {}) };
    },
  };
}

function tenantOf(state: Readonly<WorkflowState>): string {
  if (!state.tenantId) throw new Error(`analysis ${state.id} has no tenant`);
  return state.tenantId;
}

/** The blob holding the result of an analysis that stored nothing (`store: false`). */
export const RESULT_BLOB = "result";
/** How long that result is kept after the analysis completes. */
export const RESULT_KEPT_MS = 24 * 3600_000;

export const analysisWorkflow: WorkflowDefinition = {
  steps: (state) => stagesFor(state.input as AnalysisInput).map(asStep),
  keeps: { blobs: [RESULT_BLOB], forMs: RESULT_KEPT_MS },
};
