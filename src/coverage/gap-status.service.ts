/**
 * @module Triage of a coverage gap: people move it between open, acknowledged, accepted_risk and
 * remediated, saying who, when and why; an accepted risk may expire, and the sweeper cron then
 * reopens it (reopenExpiredRisks). The recompute keeps the status; a gap whose technique becomes
 * covered loses its row, so if it comes back it is open.
 */
import { parseTechniqueId } from "../attack/catalog.service";
import type { Db } from "../db/client";
import { getGap, reopenExpiredGaps, updateGapStatus, type GapStatus } from "../db/repos/gaps";
import { AppError, badRequest, notFound } from "../errors";
import type { GapStatusChangeT, GapStatusInputT } from "./coverage.schemas";
import { requireAccount } from "./coverage.service";

/**
 * The moves allowed from each status. Any status may go back to open; acknowledged is triage on
 * the way to a decision; an accepted risk may be renewed (new reason or expiry) or later fixed;
 * a remediated gap that is still uncovered can only be reopened.
 */
export const GAP_TRANSITIONS: Record<GapStatus, readonly GapStatus[]> = {
  open: ["acknowledged", "accepted_risk", "remediated"],
  acknowledged: ["open", "accepted_risk", "remediated"],
  accepted_risk: ["open", "accepted_risk", "remediated"],
  remediated: ["open"],
};

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseExpiry(raw: string, now: Date): string {
  const ms = ISO.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms))
    throw badRequest(`expiresAt '${raw}' is not an ISO date such as 2026-12-31 or 2026-12-31T12:00:00Z`);
  if (ms <= now.getTime()) throw badRequest(`expiresAt ${raw} is not in the future`);
  return new Date(ms).toISOString();
}

export async function setGapStatus(
  db: Db,
  caller: { tenantId: string; keyPrefix: string },
  accountId: string,
  rawTechniqueId: string,
  input: GapStatusInputT,
  now = new Date(),
): Promise<GapStatusChangeT> {
  const techniqueId = parseTechniqueId(rawTechniqueId);
  await requireAccount(db, caller.tenantId, accountId);
  if (input.status === "accepted_risk" && !input.reason)
    throw badRequest("accepted_risk needs a reason: say why the risk is accepted");
  if (input.expiresAt !== undefined && input.status !== "accepted_risk")
    throw badRequest("expiresAt goes only with accepted_risk");
  const expiresAt = input.expiresAt === undefined ? null : parseExpiry(input.expiresAt, now);
  const gap = await getGap(db, caller.tenantId, accountId, techniqueId);
  if (!gap)
    throw notFound(
      `${techniqueId} is not a gap of account ${accountId} (covered, or not computed yet): list_gaps shows its gaps`,
    );
  const allowed = GAP_TRANSITIONS[gap.status];
  if (!allowed.includes(input.status)) {
    throw new AppError(
      409,
      "invalid_transition",
      `gap ${techniqueId} is ${gap.status} and cannot become ${input.status}; from ${gap.status} it can become: ${allowed.join(", ")}`,
    );
  }
  const at = now.toISOString();
  const row = await updateGapStatus(db, caller.tenantId, accountId, techniqueId, {
    from: gap.status,
    status: input.status,
    by: caller.keyPrefix,
    reason: input.reason ?? null,
    expiresAt,
    at,
  });
  if (!row) throw new AppError(409, "conflict", `gap ${techniqueId} changed meanwhile: read it again and retry`);
  return {
    accountId,
    techniqueId,
    status: row.status,
    previousStatus: gap.status,
    reason: row.statusReason,
    expiresAt: row.statusExpiresAt,
    changedBy: caller.keyPrefix,
    changedAt: at,
  };
}

/** The cron's job: accepted risks past their expiry become open again, audited as the system's. */
export async function reopenExpiredRisks(db: Db, now: Date): Promise<{ reopened: number }> {
  return { reopened: await reopenExpiredGaps(db, "all-tenants", now.toISOString()) };
}
