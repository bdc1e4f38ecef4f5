/**
 * @module Starting an ATT&CK refresh: from the daily cron (only when the release index has a newer
 * Enterprise release than the active one) or on demand by an admin (REST, MCP), also from a given
 * bundle URL. Refreshes of the same target on the same day are one workflow.
 */
import { config } from "../config";
import { fetchReleaseIndex } from "./release-index";
import { compareVersions } from "./stix";
import type { Db } from "../db/client";
import { getActiveVersion } from "../db/repos/attack";
import { getWorkflowAnyTenant, listTaskResults } from "../db/repos/workflows";
import { checkUrl } from "../documents/url-policy";
import { notFound } from "../errors";
import { derivedId, launchWorkflow, type WorkflowView } from "../workflows/launch";
import type { WorkflowState } from "../workflows/types";

/** Input of an ATT&CK refresh: a bundle URL, or (none) the newest release of the release index. */
export type RefreshInput = {
  via: string;
  url?: string;
  /** The version the bundle should be, when known. */
  version?: string;
  /** Switch even to a version not newer than the active one. */
  force?: boolean;
};

export async function startRefresh(
  env: Env,
  db: Db,
  input: RefreshInput,
  now = new Date(),
): Promise<{ workflowId: string; status: WorkflowState["status"] }> {
  if (input.url && config(env).ATTACK_URL_CHECK) checkUrl(input.url, "bundle URL refused");
  const id = await derivedId(
    "refresh",
    input.url ?? "index",
    input.version ?? "",
    input.force ? "force" : "",
    now.toISOString().slice(0, 10),
  );
  const state = await launchWorkflow(env, db, {
    request: { id, type: "refresh", tenantId: null, input },
    row: input,
    idempotent: true,
  });
  return { workflowId: id, status: state.status };
}

/** The daily check: a refresh when the index has a newer Enterprise release; nothing otherwise. */
export async function refreshIfNewer(env: Env, db: Db, now: Date): Promise<Record<string, unknown>> {
  const [newest] = await fetchReleaseIndex(config(env).ATTACK_INDEX_URL);
  const active = await getActiveVersion(db);
  if (!newest) return { upToDate: true, reason: "no Enterprise release in the index" };
  if (active && compareVersions(newest.version, active.version) <= 0)
    return { upToDate: true, active: active.version, newest: newest.version };
  const started = await startRefresh(env, db, { via: "cron", url: newest.url, version: newest.version }, now);
  return { refresh: started.workflowId, from: active?.version ?? null, to: newest.version };
}

export async function readRefresh(db: Db, id: string): Promise<WorkflowView> {
  const workflow = await getWorkflowAnyTenant(db, id);
  if (!workflow || workflow.type !== "refresh") throw notFound(`no ATT&CK refresh ${id}`);
  return { workflow, steps: await listTaskResults(db, id) };
}
