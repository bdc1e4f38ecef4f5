/**
 * @module Starting a re-evaluation: one workflow per report and target ATT&CK version, with an id
 * derived from both, so starting it twice starts it once.
 */
import { workflows } from "../db/schema";
import type { Db } from "../db/client";
import { sha256Hex } from "../lib/bytes";
import { workflowStub } from "./service";
import type { ReevalInput } from "./types";

/** A UUID-shaped id determined by its inputs (SHA-256 based, version nibble 8: not random). */
export async function derivedId(...parts: string[]): Promise<string> {
  const h = await sha256Hex(parts.join("\u0000"));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function startReevaluation(
  env: Env,
  db: Db,
  r: { reportId: string; tenantId: string; fromVersion: string; toVersion: string },
): Promise<string> {
  const id = await derivedId("reeval", r.reportId, r.toVersion);
  const input: ReevalInput = { via: "refresh", reportId: r.reportId, fromVersion: r.fromVersion, toVersion: r.toVersion };
  await db.insert(workflows).values({ id, tenantId: r.tenantId, type: "reeval", status: "pending", input }).onConflictDoNothing();
  await workflowStub(env, id).start({ id, type: "reeval", tenantId: r.tenantId, input });
  return id;
}
