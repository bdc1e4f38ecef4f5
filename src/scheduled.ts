/**
 * @module Cron jobs, by trigger (see wrangler.toml): the sweeper every few minutes, housekeeping
 * daily. A trigger no job names (e.g. a manual one) runs them all. One job failing does not stop
 * the rest.
 */
import { config } from "./config";
import { createDb } from "./db/client";
import { pruneAudit } from "./db/repos/audit";
import { describeError } from "./errors";
import { refreshIfNewer } from "./attack/refresh.service";
import { sweepWorkflows } from "./workflows/sweeper";

const DAY_MS = 86_400_000;

export const SWEEP_CRON = "*/5 * * * *";
export const DAILY_CRON = "17 3 * * *";

interface Job {
  name: string;
  crons: string[];
  run(env: Env, now: Date): Promise<Record<string, unknown>>;
}

const JOBS: Job[] = [
  {
    name: "workflow-sweeper",
    crons: [SWEEP_CRON],
    run: async (env, now) => ({ ...(await sweepWorkflows(env, createDb(env.DB), now)) }),
  },
  {
    name: "attack-refresh",
    crons: [DAILY_CRON],
    run: (env, now) => refreshIfNewer(env, createDb(env.DB), now),
  },
  {
    name: "audit-retention",
    crons: [DAILY_CRON],
    async run(env, now) {
      const days = config(env).AUDIT_RETENTION_DAYS;
      if (days === 0) return { skipped: "AUDIT_RETENTION_DAYS=0 keeps the audit log for ever" };
      const before = new Date(now.getTime() - days * DAY_MS).toISOString();
      return { deleted: await pruneAudit(createDb(env.DB), before), before };
    },
  },
];

export async function runScheduled(controller: ScheduledController, env: Env): Promise<Record<string, unknown>> {
  const now = new Date(controller.scheduledTime);
  const results: Record<string, unknown> = {};
  const named = JOBS.filter((j) => j.crons.includes(controller.cron));
  for (const job of named.length ? named : JOBS) {
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
