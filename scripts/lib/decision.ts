/**
 * @module The per-report decision that maximises expected F1: given each candidate technique's
 * (calibrated) probability, the set to assert is the k most probable, with k chosen to maximise
 * the plug-in estimate E[F1] ≈ 2·Σ_{i≤k} p_i / (k + Σ_all p_i). A report with many likely
 * techniques asserts more of its weaker ones than a report with few; one fixed threshold cannot.
 */

/** How many of `sorted` (probabilities, strongest first) to assert. */
export function expectedF1Count(sorted: readonly number[]): number {
  let total = 0;
  for (const p of sorted) total += p;
  let best = 0;
  let bestValue = 0;
  let sum = 0;
  for (let k = 1; k <= sorted.length; k++) {
    sum += sorted[k - 1] as number;
    const value = (2 * sum) / (k + total);
    if (value > bestValue) {
      bestValue = value;
      best = k;
    }
  }
  return best;
}
