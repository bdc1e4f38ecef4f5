/**
 * @module Starting a re-evaluation: one workflow per report and target ATT&CK version, with an id
 * derived from both, so starting it twice starts it once.
 */
import type { Db } from "../db/client";
import { derivedId, launchWorkflow } from "../workflows/launch";

/** Input of a re-evaluation: one report, carried from one ATT&CK version to another. */
export type ReevalInput = {
  via: string;
  reportId: string;
  fromVersion: string;
  toVersion: string;
};

export async function startReevaluation(
  env: Env,
  db: Db,
  r: { reportId: string; tenantId: string; fromVersion: string; toVersion: string },
): Promise<string> {
  const id = await derivedId("reeval", r.reportId, r.toVersion);
  const input: ReevalInput = {
    via: "refresh",
    reportId: r.reportId,
    fromVersion: r.fromVersion,
    toVersion: r.toVersion,
  };
  await launchWorkflow(env, db, {
    request: { id, type: "reeval", tenantId: r.tenantId, input },
    row: input,
    idempotent: true,
  });
  return id;
}
