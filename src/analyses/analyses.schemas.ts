/**
 * @module What analysing a document takes and gives, as REST, the webhook and MCP share it: the
 * submission's fields (one schema each, so the surfaces cannot drift) and the synchronous answer.
 */
import { z } from "@hono/zod-openapi";
import { TechniqueFinding } from "../reports/reports.schemas";

export const UrlField = z.string().max(2048).describe("http(s) URL of the report");
export const TextField = z.string().describe("the report as plain text");
export const TitleField = z.string().max(500).describe("title for the report");
export const ForceField = z
  .boolean()
  .describe("analyse again even if this text was analysed under this ATT&CK version");
export const ContentField = z.string().describe("the document (PDF, HTML, text), base64");
export const ContentTypeField = z.string().max(200).describe("media type of `content`, e.g. application/pdf");

export const StoreField = z.boolean().describe("false: analyse without storing anything (reportId is null)");
export const WorkflowIdField = z.string().uuid().describe("the workflowId an analysis (or refresh) start returned");

export const SubmissionJson = z
  .object({
    url: UrlField.optional(),
    text: TextField.optional(),
    content: ContentField.optional(),
    contentType: ContentTypeField.optional(),
    title: TitleField.optional(),
    force: ForceField.optional(),
    store: StoreField.optional(),
  })
  .refine((b) => [b.url, b.text, b.content].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of url, text or content",
  })
  .refine((b) => b.content === undefined || b.contentType !== undefined, { message: "content needs its contentType" })
  .openapi("DocumentSubmission");

export type SubmissionJsonT = z.infer<typeof SubmissionJson>;

/**
 * A raw-body upload's title, force and store, as query parameters: the same fields and limits as the JSON
 * body's (a query string holds only text, so force is the text "true" or "false").
 */
export const SubmissionQuery = z.object({
  title: TitleField.optional(),
  force: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .describe(`${ForceField.description ?? ""} (true or false)`),
  store: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .describe(`${StoreField.description ?? ""} (true or false)`),
});

export const AnalysisOutput = z
  .object({
    reportId: z.string().nullable().describe("the stored report; null when analysed with store: false"),
    duplicate: z.boolean().describe("true when the same text was already analysed under this ATT&CK version"),
    attackVersion: z.string(),
    techniques: z.array(TechniqueFinding).describe("the techniques found, with their match ids when stored"),
  })
  .openapi("AnalysisOutput");

export type AnalysisOutputT = z.infer<typeof AnalysisOutput>;
