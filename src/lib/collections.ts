/**
 * @module Small pure helpers over collections.
 */

/** How many times each value occurs, in order of first occurrence. */
export function countBy(values: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}
