/**
 * @module Analysts' match feedback as training examples, read from the local D1 (`npm start`'s)
 * for `npm run model:build`. Accepted matches confirm their technique; rejected ones teach the
 * correct technique when given, otherwise that the sentence does not show the matched one.
 */
import fs from "node:fs";
import type { TrainingExample } from "../../src/analysis/train";
import { createDb } from "../../src/db/client";
import { feedbackExamples } from "../../src/db/repos/feedback";
import { localD1Dir, withLocalDb } from "./wrangler";

/** Feedback outweighs a single labelled sentence: an analyst looked at exactly this case. */
const FEEDBACK_WEIGHT = 2;

export async function localFeedbackExamples(persistTo?: string): Promise<TrainingExample[]> {
  if (!fs.existsSync(localD1Dir(persistTo))) return [];
  const rows = await withLocalDb(async (d1) => {
    const exists = await d1.prepare("SELECT 1 FROM sqlite_master WHERE name = 'match_feedback'").first();
    return exists ? feedbackExamples(createDb(d1), "all-tenants") : [];
  }, persistTo);
  return rows.map((f) => ({
    text: f.text,
    labels: f.verdict === "accept" ? [f.techniqueId] : f.correctTechniqueId ? [f.correctTechniqueId] : [],
    weight: FEEDBACK_WEIGHT,
  }));
}
