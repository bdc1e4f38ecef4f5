/**
 * @module Reading a document submission from a REST request: JSON (analyses.schemas.ts
 * `SubmissionJson`) or a raw body with its own content type.
 */
import type { HonoRequest } from "hono";
import type { SubmissionJsonT, SubmissionQuery } from "../analyses/analyses.schemas";
import { submissionFromJson, type DocumentSubmission } from "../analyses/submission";
import { AppError } from "../errors";
import type { z } from "@hono/zod-openapi";

type RawOptions = z.output<typeof SubmissionQuery>;

/** A raw (non-JSON) body: the document itself, typed by the request's Content-Type; title, force and store validated by the route. */
export async function fromRawBody(req: HonoRequest, options: RawOptions): Promise<DocumentSubmission> {
  const contentType = req.header("content-type");
  if (!contentType)
    throw new AppError(415, "unsupported_media_type", "send JSON, or the document with its Content-Type");
  const bytes = new Uint8Array(await req.arrayBuffer());
  return { bytes, contentType, title: options.title, force: options.force ?? false, store: options.store };
}

export const isJson = (req: HonoRequest) => /^application\/json\b/i.test(req.header("content-type") ?? "");

/**
 * The submission of a route whose body is `SubmissionJson` or a raw document: the validated JSON,
 * else the raw body with the route's validated `SubmissionQuery`.
 */
export async function readSubmission(
  req: HonoRequest<string, { json: unknown; query: unknown }>,
): Promise<DocumentSubmission> {
  if (isJson(req)) return submissionFromJson(req.valid("json") as SubmissionJsonT);
  return fromRawBody(req, req.valid("query") as RawOptions);
}
