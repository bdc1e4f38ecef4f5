/**
 * @module Synchronous analysis (≤ 1 MB), for callers that want the answer in the response: the
 * same extraction, engine, model and storage as the workflow, without the Durable Object.
 */
import { analyzeText } from "../analysis/engine";
import { resolveVersion } from "../attack/catalog";
import type { Db } from "../db/client";
import { findReportByHash } from "../db/repos/reports";
import { extractDocument } from "../documents/extract";
import { safeFetch } from "../documents/safe-fetch";
import { AppError } from "../errors";
import { sha256Hex } from "../lib/bytes";
import type { AnalysisOutputT } from "../reports/schemas";
import { modelFor } from "./model-cache";
import { storeReport } from "./reporting";
import { fetchOptions, prepareSubmission, type DocumentSubmission } from "./service";

const MAX_SYNC_BYTES = 1024 * 1024;

const tooLargeForSync = (bytes: number) =>
  new AppError(
    413,
    "document_too_large",
    `synchronous analysis takes up to 1 MB (this is ${(bytes / 1e6).toFixed(1)} MB): use POST /api/v1/analyses`,
  );

export async function analyzeNow(
  env: Env,
  db: Db,
  tenantId: string,
  submission: DocumentSubmission,
  via: string,
): Promise<AnalysisOutputT> {
  const { input, document } = prepareSubmission(submission, via);
  let bytes: Uint8Array;
  let contentType: string;
  let charset: string | undefined;
  let sourceUrl: string | null = null;
  if (input.url) {
    const fetched = await safeFetch(input.url, fetchOptions(env, MAX_SYNC_BYTES));
    ({ bytes, contentType, charset } = fetched);
    sourceUrl = fetched.finalUrl;
  } else {
    if (!document) throw new AppError(400, "bad_request", "no document");
    ({ bytes, contentType } = document);
  }
  if (bytes.length > MAX_SYNC_BYTES) throw tooLargeForSync(bytes.length);
  const doc = await extractDocument(bytes, contentType, charset);
  const attackVersion = await resolveVersion(db, undefined);
  const contentHash = await sha256Hex(doc.text);
  const { id: modelId, model } = await modelFor(db, attackVersion);
  const result = analyzeText(doc.text, model);
  const title = input.title ?? doc.title;
  const existing = input.force ? null : await findReportByHash(db, tenantId, contentHash, attackVersion);
  const reportId =
    existing?.id ??
    (await storeReport(db, {
      tenantId,
      source: input.source,
      sourceUrl,
      title,
      text: doc.text,
      contentHash,
      attackVersion,
      modelId,
      kind: doc.kind,
      result,
    }));
  return {
    reportId,
    duplicate: existing !== null,
    file: sourceUrl ?? title ?? null,
    attackVersion,
    techniques: result.techniques.map((t) => ({ ...t })),
  };
}
