/**
 * @module Reading a document submission from a REST request: JSON (analyses.schemas.ts
 * `SubmissionJson`) or a raw body with its own content type.
 */
import type { HonoRequest } from "hono";
import type { SubmissionJsonT } from "../analyses/analyses.schemas";
import { submissionFromJson, type DocumentSubmission } from "../analyses/submission";
import { AppError } from "../errors";

/** A raw (non-JSON) body: the document itself, typed by the request's Content-Type. */
export async function fromRawBody(req: HonoRequest): Promise<DocumentSubmission> {
  const contentType = req.header("content-type");
  if (!contentType)
    throw new AppError(415, "unsupported_media_type", "send JSON, or the document with its Content-Type");
  const bytes = new Uint8Array(await req.arrayBuffer());
  return { bytes, contentType, title: req.query("title"), force: req.query("force") === "true" };
}

export const isJson = (req: HonoRequest) => /^application\/json\b/i.test(req.header("content-type") ?? "");

/** The submission of a route whose body is `SubmissionJson` or a raw document (validated JSON, else the raw body). */
export async function readSubmission(req: HonoRequest<string, { json: unknown }>): Promise<DocumentSubmission> {
  return isJson(req) ? submissionFromJson(req.valid("json") as SubmissionJsonT) : await fromRawBody(req);
}
