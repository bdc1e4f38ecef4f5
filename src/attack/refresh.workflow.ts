/**
 * @module The ATT&CK refresh workflow: resolve (which release) → load (streamed into D1 as a new,
 * inactive version) → diff (changes against the active version) → model (the mapping model carried
 * to the new version) → switch (one batch) → coverage (every account recomputed under it) → reeval
 * (a re-evaluation workflow per affected report).
 * Until the switch nothing served changes; a failure or cancel before it removes what was loaded.
 */
import { recordChanges } from "./diff";
import { loadAttackBundle } from "./loader";
import { config } from "../config";
import { fetchFromAttack, fetchReleaseIndex } from "./release-index";
import { compareVersions } from "./stix";
import { createDb, type Db } from "../db/client";
import { activateVersion, deleteInactiveVersion, getActiveVersion } from "../db/repos/attack";
import { reportsToReevaluate } from "../db/repos/reports";
import { checkUrl } from "../documents/url-policy";
import { AppError } from "../errors";
import { recomputeStale } from "../coverage/recompute";
import { startReevaluation } from "../reports/reevaluation.service";
import { modelForNewVersion } from "../models/models.service";
import type { StepContext, StepDefinition, WorkflowDefinition } from "../workflows/types";
import type { RefreshInput } from "./refresh.service";

interface RefreshPlan {
  url: string;
  /** The version expected (from the index or the caller), checked against the bundle. */
  expected?: string;
  /** The version active when the refresh began. */
  previous: string | null;
  /** Set once loaded: the version, and whether this workflow loaded it (and so may remove it). */
  version?: string;
  loadedByUs?: boolean;
  /** Re-evaluation progress: the last report id started. */
  reevalAfter?: string;
  reevalStarted?: number;
  /** Coverage recompute progress: where the next page starts, and how many accounts so far. */
  coverageAfter?: string;
  coverageRecomputed?: number;
}

const REEVAL_SLICE = 50;
const COVERAGE_SLICE = 50;

async function plan(ctx: StepContext): Promise<RefreshPlan> {
  const p = await ctx.blobs.getJson<RefreshPlan>("refresh");
  if (!p) throw new AppError(500, "workflow_state_lost", "the refresh lost its plan; start it again");
  return p;
}

const resolveStep: StepDefinition = {
  name: "resolve",
  progress: 0.05,
  async run({ env, state, blobs }) {
    const input = state.input as unknown as RefreshInput;
    const active = await getActiveVersion(createDb(env.DB));
    let url = input.url;
    let expected = input.version;
    if (!url) {
      const [newest] = await fetchReleaseIndex(config(env).ATTACK_INDEX_URL);
      if (!newest)
        return {
          result: { upToDate: true, reason: "the release index lists no Enterprise release" },
          completeWith: {},
        };
      url = newest.url;
      expected = newest.version;
    }
    if (expected && active && !input.force && compareVersions(expected, active.version) <= 0) {
      return { result: { upToDate: true, active: active.version, newest: expected }, completeWith: {} };
    }
    await blobs.putJson("refresh", { url, expected, previous: active?.version ?? null } satisfies RefreshPlan);
    return { result: { url, expected: expected ?? null, active: active?.version ?? null } };
  },
};

const loadStep: StepDefinition = {
  name: "load",
  progress: 0.45,
  async run(ctx) {
    const { env, state, blobs } = ctx;
    const p = await plan(ctx);
    // Bundle URLs given by an admin pass the same policy as report URLs (configurable for local use).
    if (config(env).ATTACK_URL_CHECK) checkUrl(p.url, "bundle URL refused");
    const res = await fetchFromAttack(p.url, {
      what: "the ATT&CK bundle",
      code: "fetch_failed",
      accept: "application/json, application/gzip",
    });
    if (!res.body)
      throw new AppError(502, "fetch_failed", `the ATT&CK bundle download answered HTTP ${res.status} without a body`);
    const result = await loadAttackBundle(env.DB, res.body as ReadableStream<Uint8Array>, {
      version: p.expected,
      activate: "never",
    });
    const loadedByUs = result.status === "loaded";
    await blobs.putJson("refresh", { ...p, version: result.version, loadedByUs });
    if (
      p.previous &&
      !(state.input as unknown as RefreshInput).force &&
      compareVersions(result.version, p.previous) <= 0
    ) {
      throw new AppError(
        409,
        "not_newer",
        `the bundle is ATT&CK ${result.version}, not newer than the active ${p.previous}`,
      );
    }
    return {
      result: { version: result.version, status: result.status, rows: result.rows, seconds: result.durationMs / 1000 },
    };
  },
};

const diffStep: StepDefinition = {
  name: "diff",
  progress: 0.55,
  async run(ctx) {
    const p = await plan(ctx);
    if (!p.previous || !p.version || p.previous === p.version) return { result: { skipped: "no previous version" } };
    const c = await recordChanges(createDb(ctx.env.DB), p.previous, p.version);
    return {
      result: {
        from: p.previous,
        to: p.version,
        added: c.added.length,
        removed: c.removed.length,
        revoked: c.revoked.length,
        deprecated: c.deprecated.length,
        renamed: c.renamed.length,
        tacticsChanged: c.tacticsChanged.length,
        updated: c.updated.length,
      },
    };
  },
};

const modelStep: StepDefinition = {
  name: "model",
  progress: 0.75,
  async run(ctx) {
    const p = await plan(ctx);
    const db = createDb(ctx.env.DB);
    const version = p.version as string;
    const carried = await modelForNewVersion(db, version, p.previous);
    return { result: carried };
  },
};

const switchStep: StepDefinition = {
  name: "switch",
  progress: 0.85,
  async run(ctx) {
    const p = await plan(ctx);
    await activateVersion(createDb(ctx.env.DB), p.version as string);
    // From here on the new version serves: nothing to undo on a later failure.
    await ctx.blobs.putJson("refresh", { ...p, loadedByUs: false });
    return { result: { active: p.version, previous: p.previous } };
  },
};

/** Every account's coverage under the new version (the recompute policy): a page of accounts per alarm. */
const coverageStep: StepDefinition = {
  name: "coverage",
  progress: 0.9,
  async run(ctx) {
    const p = await plan(ctx);
    const page = await recomputeStale(createDb(ctx.env.DB), { after: p.coverageAfter, limit: COVERAGE_SLICE });
    const recomputed = (p.coverageRecomputed ?? 0) + page.recomputed;
    await ctx.blobs.putJson("refresh", { ...p, coverageAfter: page.next ?? undefined, coverageRecomputed: recomputed });
    return { result: { recomputed }, repeat: page.next !== null };
  },
};

const reevalStep: StepDefinition = {
  name: "reeval",
  progress: 1,
  async run(ctx) {
    const { env } = ctx;
    const p = await plan(ctx);
    if (!p.previous || !p.version) return { result: { started: 0 } };
    const db = createDb(env.DB);
    const { REEVAL_SCOPE } = config(env);
    const scope =
      REEVAL_SCOPE === "all" ? "all" : await changedTechniques(db, p.previous, p.version, REEVAL_SCOPE === "updated");
    const reports = await reportsToReevaluate(db, "all-tenants", {
      notVersion: p.version,
      techniques: scope,
      after: p.reevalAfter,
      limit: REEVAL_SLICE,
    });
    for (const r of reports)
      await startReevaluation(env, db, {
        reportId: r.id,
        tenantId: r.tenantId,
        fromVersion: r.attackVersion,
        toVersion: p.version,
      });
    const started = (p.reevalStarted ?? 0) + reports.length;
    await ctx.blobs.putJson("refresh", {
      ...p,
      reevalAfter: reports.at(-1)?.id ?? p.reevalAfter,
      reevalStarted: started,
    });
    return { result: { started }, repeat: reports.length === REEVAL_SLICE };
  },
};

/** Techniques whose reports need a second look: revoked, deprecated, removed, renamed, moved between tactics (and updated, when asked). */
async function changedTechniques(db: Db, from: string, to: string, withUpdated: boolean): Promise<string[]> {
  const c = await recordChanges(db, from, to);
  return [
    ...c.revoked.map((r) => r.id),
    ...c.deprecated,
    ...c.removed,
    ...c.renamed.map((r) => r.id),
    ...c.tacticsChanged.map((r) => r.id),
    ...(withUpdated ? c.updated : []),
  ];
}

export const refreshWorkflow: WorkflowDefinition = {
  steps: () => [resolveStep, loadStep, diffStep, modelStep, switchStep, coverageStep, reevalStep],
  async cleanup(ctx) {
    const p = await ctx.blobs.getJson<RefreshPlan>("refresh");
    if (!p?.loadedByUs || !p.version) return;
    const db = createDb(ctx.env.DB);
    await deleteInactiveVersion(db, p.version);
  },
};
