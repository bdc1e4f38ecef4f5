/**
 * @module Small pure helpers over collections.
 */

/** How many times each value occurs, in order of first occurrence. */
export function countBy(values: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** The values of `xs` in lists by key, in order of first occurrence. */
export function groupBy<T, K, V>(xs: Iterable<T>, key: (x: T) => K, value: (x: T) => V): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const x of xs) {
    const list = out.get(key(x));
    if (list) list.push(value(x));
    else out.set(key(x), [value(x)]);
  }
  return out;
}

/**
 * One page of a list read with `limit + 1` rows: the first `limit` rows, the last of them (where
 * the next page starts from) and whether the extra row showed there is more.
 */
export function takePage<T>(rows: readonly T[], limit: number): { page: T[]; last: T | undefined; hasMore: boolean } {
  const page = rows.slice(0, limit);
  return { page, last: page.at(-1), hasMore: rows.length > limit };
}

/** `xs` cut into runs of `n` (the last may be shorter), in order. */
export function chunks<T>(xs: T[], n: number): T[][] {
  if (!(n >= 1)) throw new RangeError(`chunk size must be at least 1, not ${n}`);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** `into`, a larger typed array of the same kind, with `from` copied to its start. */
export function grown<T extends Int32Array | Uint32Array | Uint8Array>(from: T, into: T): T {
  into.set(from);
  return into;
}
