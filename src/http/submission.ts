/**
 * @module Reading a document submission from a request: JSON (`{url}`, `{text}` or
 * `{content, contentType}` with base64 content) or a raw body with its own content type.
 */
import { z } from "@hono/zod-openapi";
import type { HonoRequest } from "hono";
import { AppError, badRequest } from "../errors";
import { fromBase64 } from "../lib/bytes";
import type { DocumentSubmission } from "../workflows/service";

export const SubmissionJson = z
  .object({
    url: z.string().max(2048).optional().describe("http(s) URL of the report to fetch"),
    text: z.string().optional().describe("the report as plain text"),
    content: z.string().optional().describe("the document, base64-encoded (HTML, PDF, text)"),
    contentType: z.string().max(200).optional().describe("media type of `content`, e.g. application/pdf"),
    title: z.string().max(500).optional(),
    force: z
      .boolean()
      .optional()
      .describe("analyse again even if this text was analysed before under the same ATT&CK version"),
  })
  .refine((b) => [b.url, b.text, b.content].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of url, text or content",
  })
  .refine((b) => b.content === undefined || b.contentType !== undefined, { message: "content needs its contentType" })
  .openapi("DocumentSubmission");

export type SubmissionJsonT = z.infer<typeof SubmissionJson>;

export function fromJson(body: SubmissionJsonT): DocumentSubmission {
  const common = { title: body.title, force: body.force };
  if (body.url !== undefined) return { url: body.url, ...common };
  if (body.text !== undefined) return { text: body.text, ...common };
  let bytes: Uint8Array;
  try {
    bytes = fromBase64((body.content as string).replace(/\s+/g, ""));
  } catch {
    throw badRequest("content is not valid base64");
  }
  return { bytes, contentType: body.contentType as string, ...common };
}

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
  return isJson(req) ? fromJson(req.valid("json") as SubmissionJsonT) : await fromRawBody(req);
}
