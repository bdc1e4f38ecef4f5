/**
 * @module Cron jobs. The daily trigger runs every job in turn; one failing does not stop the rest.
 */
import { createDb } from "./db/client";
import { pruneAudit } from "./db/repos/audit";
import { describeError } from "./errors";

const DAY_MS = 86_400_000;

interface Job {
  name: string;
  run(env: Env, now: Date): Promise<Record<string, unknown>>;
}

const JOBS: Job[] = [
  {
    name: "audit-retention",
    async run(env, now) {
      const days = Number.parseInt(env.AUDIT_RETENTION_DAYS, 10);
      if (!Number.isFinite(days) || days <= 0) return { skipped: `AUDIT_RETENTION_DAYS=${env.AUDIT_RETENTION_DAYS}` };
      const before = new Date(now.getTime() - days * DAY_MS).toISOString();
      return { deleted: await pruneAudit(createDb(env.DB), before), before };
    },
  },
];

export async function runScheduled(controller: ScheduledController, env: Env): Promise<Record<string, unknown>> {
  const now = new Date(controller.scheduledTime);
  const results: Record<string, unknown> = {};
  for (const job of JOBS) {
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
