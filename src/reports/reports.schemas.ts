/**
 * @module Shapes of reports as REST and MCP serve them, and the fields both take.
 */
import { z } from "@hono/zod-openapi";
import { FEEDBACK_VERDICTS, MATCH_METHODS, SOURCE_TYPES } from "../db/schema";

export const EvidenceSpan = z
  .object({
    text: z.string().describe("the exact supporting text, as it appears in the extracted document"),
    start: z.number().int().describe("offset of the text in the extracted document"),
    end: z.number().int(),
  })
  .openapi("Evidence");

export const TechniqueFinding = z
  .object({
    id: z.string().openapi({ example: "T1566.001" }),
    name: z.string(),
    confidence: z.number().min(0).max(1),
    method: z.enum(MATCH_METHODS).describe("strongest kind of evidence"),
    evidence: z.array(EvidenceSpan),
    note: z.string().optional().describe("e.g. a revoked id in the text mapped to its successor"),
    matchId: z.string().optional().describe("id of the stored match, for feedback"),
    feedback: z.enum(FEEDBACK_VERDICTS).optional().describe("the tenant's verdict on this match, if any"),
  })
  .openapi("TechniqueFinding");

export const ReportSummary = z
  .object({
    id: z.string(),
    title: z.string().nullable(),
    sourceType: z.enum(SOURCE_TYPES),
    sourceUrl: z.string().nullable(),
    attackVersion: z.string(),
    techniqueCount: z.number().int(),
    charCount: z.number().int(),
    workflowId: z.string().nullable(),
    versionNumber: z.number().int().describe("1 for the first analysis; +1 per re-evaluation under a newer ATT&CK"),
    latest: z.boolean().describe("false once a newer version of this report exists"),
    createdAt: z.string(),
  })
  .openapi("ReportSummary");

export const ReportChanges = z
  .object({
    fromVersion: z.string(),
    toVersion: z.string(),
    added: z.array(z.string()).describe("techniques found now and not before"),
    removed: z.array(z.string()).describe("techniques found before and not now"),
    moved: z
      .array(z.object({ from: z.string(), to: z.string() }))
      .describe("matches on a revoked technique moved to its successor"),
    flagged: z.array(z.string()).describe("matches on a technique ATT&CK deprecated, kept for review"),
  })
  .openapi("ReportChanges");

export const Report = ReportSummary.extend({
  contentHash: z.string(),
  rootReportId: z.string().describe("the first version's id"),
  previousReportId: z.string().nullable(),
  changes: ReportChanges.nullable().describe("what changed since the previous version"),
  techniques: z.array(TechniqueFinding).describe("every asserted technique, most confident first"),
  tactics: z
    .array(
      z.object({
        id: z.string(),
        shortname: z.string(),
        name: z.string(),
        techniques: z.array(z.object({ id: z.string(), name: z.string(), confidence: z.number() })),
      }),
    )
    .describe("the techniques grouped by tactic, in matrix order"),
}).openapi("Report");

export type ReportT = z.infer<typeof Report>;
export type ReportSummaryT = z.infer<typeof ReportSummary>;
