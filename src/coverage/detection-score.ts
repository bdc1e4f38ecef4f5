/**
 * @module A detection score per technique, on DeTT&CT's scale (−1 to 5), from what TTPscope knows of
 * each rule: whether it counts, whether a person confirmed its mapping, and its reported health;
 * plus whether a second rule backs it. Pure. The formula (README "Detection score"):
 *
 *  −1  none: no rule of the account maps to the technique;
 *   0  mapped, not counting: rules map to it but none counts (disabled, broken, an inferred mapping
 *      not validated, or below the confidence coverage asks for);
 *  for each counting rule: 2, +1 if a person confirmed the mapping (manual, or validated),
 *      +1 if reported healthy, −1 if reported degraded (1 to 4);
 *  the technique: its best rule, +1 when at least two counting rules are not degraded; at most 5.
 */

export interface ScoredDetection {
  /** Mapped manually, or a mapping an analyst validated. */
  confirmed: boolean;
  healthy: boolean;
  degraded: boolean;
}

export const DETECTION_SCORE_LEVELS = [
  { score: -1, label: "none", color: "#ffffff" },
  { score: 0, label: "mapped, not counting", color: "#f4a6a6" },
  { score: 1, label: "poor", color: "#ffe0a3" },
  { score: 2, label: "fair", color: "#fff59d" },
  { score: 3, label: "good", color: "#c5e1a5" },
  { score: 4, label: "very good", color: "#81c784" },
  { score: 5, label: "excellent", color: "#388e3c" },
] as const;

export type DetectionScore = (typeof DETECTION_SCORE_LEVELS)[number]["score"];

/** One counting rule's quality, 1 to 4. */
export function ruleQuality(d: ScoredDetection): number {
  return 2 + (d.confirmed ? 1 : 0) + (d.healthy ? 1 : 0) - (d.degraded ? 1 : 0);
}

/**
 * The score of a technique from its counting rules (`covering`) and whether any rule of the account
 * maps to it at all (`mapped`; counting rules imply it).
 */
export function detectionScore(covering: readonly ScoredDetection[], mapped: boolean): DetectionScore {
  if (covering.length === 0) return mapped ? 0 : -1;
  const best = Math.max(...covering.map(ruleQuality));
  const backed = covering.filter((d) => !d.degraded).length >= 2 ? 1 : 0;
  return Math.min(5, best + backed) as DetectionScore;
}

export const scoreLabel = (score: number): string =>
  DETECTION_SCORE_LEVELS.find((l) => l.score === score)?.label ?? String(score);
