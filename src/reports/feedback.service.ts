/**
 * @module Analyst feedback on a report's matches: accept or reject, optionally naming the right
 * technique. Validated against the report's own ATT&CK version.
 */
import { normalizeTechniqueId } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { getTechnique } from "../db/repos/attack";
import { getMatch, upsertFeedback } from "../db/repos/feedback";
import { AppError, badRequest, notFound } from "../errors";
import type { FeedbackInputT, FeedbackT } from "./reports.schemas";
import { requireReport } from "./reports.service";

export async function submitFeedback(
  db: Db,
  caller: { tenantId: string; keyPrefix: string },
  reportId: string,
  matchId: string,
  input: FeedbackInputT,
): Promise<FeedbackT> {
  const [report, match] = await Promise.all([
    requireReport(db, caller.tenantId, reportId),
    getMatch(db, caller.tenantId, reportId, matchId),
  ]);
  if (!match) throw notFound(`report ${reportId} has no match ${matchId}`);
  let correct: string | null = null;
  if (input.correctTechnique !== undefined) {
    if (input.verdict === "accept") throw badRequest("correctTechnique goes with a reject verdict");
    correct = normalizeTechniqueId(input.correctTechnique);
    if (!correct) throw badRequest(`'${input.correctTechnique}' is not an ATT&CK technique id`);
    const technique = await getTechnique(db, report.attackVersion, correct);
    if (!technique || technique.revoked || technique.deprecated) {
      throw new AppError(
        422,
        "unknown_technique",
        `${correct} is not an active technique of ATT&CK ${report.attackVersion}`,
      );
    }
    if (correct === match.techniqueId)
      throw badRequest("correctTechnique is the technique that was matched: accept it instead");
  }
  const row = await upsertFeedback(db, caller.tenantId, {
    reportId,
    matchId,
    verdict: input.verdict,
    correctTechniqueId: correct,
    comment: input.comment ?? null,
    keyPrefix: caller.keyPrefix,
  });
  return {
    id: row.id,
    reportId,
    matchId,
    techniqueId: match.techniqueId,
    verdict: row.verdict,
    correctTechnique: row.correctTechniqueId,
    comment: row.comment,
    createdAt: row.createdAt,
  };
}
