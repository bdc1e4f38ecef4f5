/**
 * @module Shapes of reports as REST and MCP serve them, and the fields both take.
 */
import { z } from "@hono/zod-openapi";
import { FEEDBACK_VERDICTS, MATCH_METHODS, SOURCE_TYPES } from "../db/schema";

export const ReportIdField = z.string().uuid().describe("report id (list_reports)");
export const MatchIdField = z.string().uuid().describe("matchId, from get_report_evidence");
export const TechniqueFilterField = z
  .string()
  .max(20)
  .describe("ATT&CK technique id; a parent also finds its sub-techniques");
/** Compared as text with ISO timestamps, so nothing else will do. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/;
export const ISO_DATE_HINT = "an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z";
export const SinceField = z.string().regex(ISO_DATE, ISO_DATE_HINT).describe("reports created at or after this date");
export const KindFilterField = z.enum(SOURCE_TYPES).describe("how the document came");
export const SourceUrlFilterField = z.string().max(200).describe("part of the source URL (case-insensitive)");
export const ALL_VERSIONS = "also list earlier versions of re-evaluated reports";
export const SearchQueryField = z.string().min(1).max(500).describe("words the text holds (the last may be a prefix)");

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
  techniques: z
    .array(TechniqueFinding)
    .describe("every asserted technique, most confident first; a rejected match stays, with its feedback"),
  tactics: z
    .array(
      z.object({
        id: z.string(),
        shortname: z.string(),
        name: z.string(),
        techniques: z.array(z.object({ id: z.string(), name: z.string(), confidence: z.number() })),
      }),
    )
    .describe("the techniques grouped by tactic, in matrix order; rejected matches left out"),
}).openapi("Report");

export type ReportT = z.infer<typeof Report>;
export type ReportSummaryT = z.infer<typeof ReportSummary>;

export const FeedbackInput = z
  .object({
    verdict: z.enum(FEEDBACK_VERDICTS).describe("accept: the match is right; reject: it is wrong"),
    correctTechnique: z.string().max(20).optional().describe("with reject: the technique the evidence shows"),
    comment: z.string().max(2000).optional().describe("why, for the record"),
  })
  .openapi("FeedbackInput");

export const Feedback = z
  .object({
    id: z.string(),
    reportId: z.string(),
    matchId: z.string(),
    techniqueId: z.string(),
    verdict: z.enum(FEEDBACK_VERDICTS),
    correctTechnique: z.string().nullable(),
    comment: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Feedback");

export type FeedbackInputT = z.infer<typeof FeedbackInput>;
export type FeedbackT = z.infer<typeof Feedback>;

export const AddTechniqueInput = z
  .object({
    technique: z.string().max(20).describe("the ATT&CK technique id the report shows, e.g. T1059.003"),
    evidence: z.string().trim().min(3).max(2000).describe("the exact report text showing it (whitespace may differ)"),
    comment: z.string().trim().max(2000).optional().describe("why, for the record"),
  })
  .openapi("AddTechniqueInput");

export const AddedTechnique = z
  .object({
    reportId: z.string().describe("the report version it was added to: the latest one"),
    matchId: z.string(),
    id: z.string(),
    name: z.string(),
    method: z.enum(MATCH_METHODS),
    evidence: EvidenceSpan,
    note: z.string().nullable(),
  })
  .openapi("AddedTechnique");

export type AddTechniqueInputT = z.infer<typeof AddTechniqueInput>;
export type AddedTechniqueT = z.infer<typeof AddedTechnique>;

export const ReportHit = z
  .object({
    id: z.string(),
    title: z.string().nullable(),
    sourceType: z.enum(SOURCE_TYPES),
    sourceUrl: z.string().nullable(),
    createdAt: z.string(),
    snippet: z.string().describe("the text around the best hit, matched words in **"),
  })
  .openapi("ReportHit");

export type ReportHitT = z.infer<typeof ReportHit>;

export const DeletedReport = z
  .object({
    id: z.string(),
    deletedVersions: z.array(z.string()).describe("ids of every version deleted with it"),
  })
  .openapi("DeletedReport");

export type DeletedReportT = z.infer<typeof DeletedReport>;
