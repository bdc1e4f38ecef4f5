/**
 * @module Cron jobs, by trigger. Each cron string in wrangler.toml `[triggers] crons` has its jobs
 * here (a test checks both lists agree); a trigger no job names runs nothing and is logged, so
 * retuning wrangler.toml can never start the daily jobs every few minutes. One job failing does not
 * stop the rest. By hand: `curl "http://127.0.0.1:8787/cdn-cgi/handler/scheduled?cron=*+*+*+*+*"`
 * with the cron string URL-encoded (README, "Cron jobs").
 */
import { refreshIfNewer } from "./attack/refresh.service";
import { config } from "./config";
import { reopenExpiredRisks } from "./coverage/gap-status.service";
import { recomputeStale } from "./coverage/recompute";
import { createDb } from "./db/client";
import { pruneAuditBefore } from "./audit/audit.service";
import { describeError } from "./errors";
import { sweepWorkflows } from "./workflows/sweeper";

const DAY_MS = 86_400_000;
/** Accounts the frequent cron recomputes per run at most; the rest wait for the next run. */
const STALE_COVERAGE_PER_RUN = 50;

export const SWEEP_CRON = "*/5 * * * *";
export const DAILY_CRON = "17 3 * * *";

interface Job {
  name: string;
  run(env: Env, now: Date): Promise<Record<string, unknown>>;
}

/** The jobs of each trigger, in the order they run. */
export const CRON_JOBS: Record<string, Job[]> = {
  [SWEEP_CRON]: [
    { name: "workflow-sweeper", run: async (env, now) => ({ ...(await sweepWorkflows(env, createDb(env.DB), now)) }) },
    {
      name: "coverage-recompute",
      run: async (env) => recomputeStale(createDb(env.DB), { limit: STALE_COVERAGE_PER_RUN }),
    },
    // Every few minutes, so an accepted risk reopens close to the expiry its owner chose.
    { name: "gap-expiry", run: async (env, now) => reopenExpiredRisks(createDb(env.DB), now) },
  ],
  [DAILY_CRON]: [
    { name: "attack-refresh", run: (env, now) => refreshIfNewer(env, createDb(env.DB), now) },
    {
      name: "audit-retention",
      async run(env, now) {
        const days = config(env).AUDIT_RETENTION_DAYS;
        if (days === 0) return { skipped: "AUDIT_RETENTION_DAYS=0 keeps the audit log for ever" };
        const before = new Date(now.getTime() - days * DAY_MS).toISOString();
        return { deleted: await pruneAuditBefore(createDb(env.DB), before), before };
      },
    },
  ],
};

export async function runScheduled(controller: ScheduledController, env: Env): Promise<Record<string, unknown>> {
  const now = new Date(controller.scheduledTime);
  try {
    config(env);
  } catch (e) {
    console.error(JSON.stringify({ cron: controller.cron, error: describeError(e) }));
    return {};
  }
  const jobs = CRON_JOBS[controller.cron];
  if (!jobs) {
    console.warn(
      JSON.stringify({
        cron: controller.cron,
        ignored: `no job runs on this trigger; the triggers are ${Object.keys(CRON_JOBS).join(", ")}`,
      }),
    );
    return {};
  }
  const results: Record<string, unknown> = {};
  for (const job of jobs) {
    try {
      results[job.name] = await job.run(env, now);
    } catch (e) {
      results[job.name] = { error: describeError(e) };
      console.error(JSON.stringify({ cron: controller.cron, job: job.name, error: describeError(e) }));
    }
  }
  console.log(JSON.stringify({ cron: controller.cron, results }));
  return results;
}
