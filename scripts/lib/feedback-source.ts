/**
 * @module Analysts' feedback as training examples, read from the local D1 (`npm start`'s) for
 * `npm run model:build`: verdicts on matches and techniques analysts added to reports
 * (feedbackExamples), each made an example by analystExample.
 */
import fs from "node:fs";
import { analystExample } from "../../src/analysis/examples";
import type { TrainingExample } from "../../src/analysis/train";
import { createDb } from "../../src/db/client";
import { feedbackExamples } from "../../src/db/repos/feedback";
import { localD1Dir, withLocalDb } from "./wrangler";

export async function localFeedbackExamples(persistTo?: string): Promise<TrainingExample[]> {
  if (!fs.existsSync(localD1Dir(persistTo))) return [];
  const rows = await withLocalDb(async (d1) => {
    const exists = await d1.prepare("SELECT 1 FROM sqlite_master WHERE name = 'match_feedback'").first();
    return exists ? feedbackExamples(createDb(d1), "all-tenants") : [];
  }, persistTo);
  return rows.map(analystExample);
}
