/**
 * @module Techniques an analyst adds to a report the analysis missed: stored as a match of the
 * report's latest version with method `manual`, confidence 1 and the span the analyst chose,
 * found in the report's retained text. `npm run model:build` learns from them as positive
 * examples (db/repos/feedback.ts, feedbackExamples).
 */
import { normalizeTechniqueId } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { getTechnique } from "../db/repos/attack";
import { insertManualMatch } from "../db/repos/feedback";
import { latestVersion, listMatches } from "../db/repos/reports";
import { AppError, badRequest } from "../errors";
import { readRetainedText } from "./report-store";
import type { AddedTechniqueT, AddTechniqueInputT } from "./reports.schemas";
import { requireReport } from "./reports.service";

/** The first occurrence of `span` in `text`, runs of whitespace matching any whitespace (copied text rewraps). */
export function findSpan(text: string, span: string): { text: string; start: number; end: number } | null {
  const words = span
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const found = new RegExp(words.join("\\s+")).exec(text);
  return found ? { text: found[0], start: found.index, end: found.index + found[0].length } : null;
}

const conflict = (message: string) => new AppError(409, "technique_present", message);

export async function addTechnique(
  db: Db,
  caller: { tenantId: string },
  reportId: string,
  input: AddTechniqueInputT,
): Promise<AddedTechniqueT> {
  const { tenantId } = caller;
  const asked = await requireReport(db, tenantId, reportId);
  // Earlier versions are history: the technique goes on the current one.
  const report = asked.latest ? asked : ((await latestVersion(db, tenantId, asked.rootReportId ?? asked.id)) ?? asked);
  const techniqueId = normalizeTechniqueId(input.technique);
  if (!techniqueId) throw badRequest(`'${input.technique}' is not an ATT&CK technique id: expected T#### or T####.###`);
  const technique = await getTechnique(db, report.attackVersion, techniqueId);
  if (!technique) throw badRequest(`${techniqueId} is not a technique of ATT&CK ${report.attackVersion}`);
  if (technique.revoked || technique.deprecated) {
    const instead = technique.revokedBy ? `: use ${technique.revokedBy}` : "";
    throw badRequest(
      `${techniqueId} is ${technique.revoked ? "revoked" : "deprecated"} in ATT&CK ${report.attackVersion}${instead}`,
    );
  }
  const present = (await listMatches(db, tenantId, report.id)).find((m) => m.techniqueId === techniqueId);
  if (present) {
    throw conflict(
      `${techniqueId} is already in report ${report.id} (match ${present.id}, method ${present.method}): ` +
        "confirm it with feedback (verdict accept) instead",
    );
  }
  const { text } = await readRetainedText(db, tenantId, report.id, "quote from");
  const span = findSpan(text, input.evidence);
  if (!span) {
    throw badRequest(
      `the evidence does not occur in the text of report ${report.id}: quote it exactly as the report has it`,
    );
  }
  const note = input.comment || null;
  const id = crypto.randomUUID();
  const stored = await insertManualMatch(db, tenantId, report.id, {
    id,
    techniqueId,
    confidence: 1,
    evidenceText: span.text,
    evidenceStart: span.start,
    evidenceEnd: span.end,
    evidence: [span],
    note,
  });
  if (!stored) throw conflict(`${techniqueId} was just added to report ${report.id}: read the report again`);
  return {
    reportId: report.id,
    matchId: id,
    id: techniqueId,
    name: technique.name,
    method: "manual",
    evidence: span,
    note,
  };
}
