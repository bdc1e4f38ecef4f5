/**
 * @module A report as an agent reads it: concise by default (one row per technique: id, name,
 * tactics, confidence, how much evidence), the evidence itself on request and paged. Built from
 * the full report REST serves, so both always agree.
 */
import { z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor } from "../api/paging";
import { FEEDBACK_VERDICTS, MATCH_METHODS } from "../db/schema";
import { ReportChanges, ReportSummary, type ReportT } from "../reports/reports.schemas";
import { tacticsByTechnique } from "../reports/reports.service";

export const TECHNIQUE_COLUMNS = ["id", "name", "tactics", "confidence", "evidence"] as const;
/** Rows per page of a report's techniques: every report we have seen fits in one. */
export const DEFAULT_TECHNIQUE_ROWS = 150;
export const DEFAULT_EVIDENCE_SPANS = 20;
/** A longer span is cut for the answer; start and end still locate all of it. */
const SPAN_CHARS = 800;

export const TechniqueRowsField = z.coerce
  .number()
  .int()
  .min(1)
  .max(500)
  .default(DEFAULT_TECHNIQUE_ROWS)
  .describe("techniques per page");

export const ReportDigest = ReportSummary.extend({
  changes: ReportChanges.nullable().describe("what changed since the previous version"),
  columns: z.array(z.enum(TECHNIQUE_COLUMNS)).describe("the fields of each row of `techniques`, in order"),
  techniques: z
    .array(z.array(z.union([z.string(), z.number()])))
    .describe("one row per technique, most confident first; tactics comma-separated; evidence is a span count"),
  nextCursor: z.string().nullable().describe("more techniques: pass as `cursor`; null when all are shown"),
  rejected: z.array(z.string()).describe("techniques left out: every match rejected"),
});
export type ReportDigestT = z.infer<typeof ReportDigest>;

export const EvidenceItem = z.object({
  technique: z.string(),
  matchId: z.string().describe("for submit_match_feedback"),
  confidence: z.number(),
  method: z.enum(MATCH_METHODS),
  feedback: z.enum(FEEDBACK_VERDICTS).optional(),
  note: z.string().optional(),
  text: z.string().describe(`the supporting text; cut at ${SPAN_CHARS} characters (ending …)`),
  start: z.number().int().describe("offset of the text in the extracted document"),
  end: z.number().int(),
});

export const EvidencePage = z.object({
  reportId: z.string(),
  items: z.array(EvidenceItem),
  total: z.number().int().describe("evidence spans in all (of the technique, when one was asked for)"),
  nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
});
export type EvidencePageT = z.infer<typeof EvidencePage>;

/**
 * Positions in a list that does not change once stored (a report version's techniques); a reject
 * given between pages shifts get_report's rows.
 */
const OffsetCursor = z.object({ o: z.number().int().min(0) });
const offsetOf = (cursor: string | undefined) => decodeCursor(cursor, OffsetCursor)?.o ?? 0;
const nextOffset = (end: number, total: number) => (end < total ? encodeCursor({ o: end }) : null);

export function reportDigest(report: ReportT, page: { limit: number; cursor?: string }): ReportDigestT {
  const tacticsOf = tacticsByTechnique(report, "shortname");
  const {
    techniques: listed,
    tactics: _grouped,
    contentHash: _h,
    rootReportId: _r,
    previousReportId: _p,
    ...head
  } = report;
  // A technique is found while any of its matches is not rejected; the evidence still shows the rest.
  const kept = new Set(listed.filter((t) => t.feedback !== "reject").map((t) => t.id));
  const all = listed.filter((t) => kept.has(t.id));
  const rejected = [...new Set(listed.map((t) => t.id))].filter((id) => !kept.has(id));
  const from = offsetOf(page.cursor);
  const end = Math.min(from + page.limit, all.length);
  return {
    ...head,
    columns: [...TECHNIQUE_COLUMNS],
    techniques: all.slice(from, end).map((t) => techniqueRow(t, tacticsOf.get(t.id) ?? [])),
    nextCursor: nextOffset(end, all.length),
    rejected,
  };
}

/** A technique as one row of TECHNIQUE_COLUMNS. */
export function techniqueRow(
  t: { id: string; name: string; confidence: number; evidence: unknown[] },
  tactics: string[],
): (string | number)[] {
  return [t.id, t.name, tactics.join(","), round(t.confidence), t.evidence.length];
}

/** `text` cut to `max` characters, ending … when cut. */
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The evidence of a report (or of one of its techniques), one span per item, in report order. */
export function evidencePage(
  report: ReportT,
  query: { technique?: string; limit: number; cursor?: string },
): EvidencePageT {
  const spans = report.techniques
    .filter((t) => query.technique === undefined || t.id === query.technique)
    .flatMap((t) =>
      t.evidence.map((span) => ({
        technique: t.id,
        matchId: t.matchId ?? "",
        confidence: round(t.confidence),
        method: t.method,
        ...(t.feedback ? { feedback: t.feedback } : {}),
        ...(t.note ? { note: t.note } : {}),
        text: clip(span.text, SPAN_CHARS),
        start: span.start,
        end: span.end,
      })),
    );
  const from = offsetOf(query.cursor);
  const end = Math.min(from + query.limit, spans.length);
  return {
    reportId: report.id,
    items: spans.slice(from, end),
    total: spans.length,
    nextCursor: nextOffset(end, spans.length),
  };
}

const round = (p: number) => Math.round(p * 100) / 100;
