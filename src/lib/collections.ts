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

/**
 * A map from int32 keys (hashes) to non-negative ints in flat typed arrays (open addressing, at most
 * half full), for lookups on hot paths: a probe or two, no boxed keys. Holds at most `capacity` keys.
 */
export class Int32Table {
  private readonly keys: Int32Array;
  /** −1: an empty slot. */
  private readonly values: Int32Array;
  private readonly mask: number;
  private size = 0;

  constructor(private readonly capacity: number) {
    const slots = 1 << Math.ceil(Math.log2(Math.max(8, 2 * capacity)));
    this.keys = new Int32Array(slots);
    this.values = new Int32Array(slots).fill(-1);
    this.mask = slots - 1;
  }

  set(key: number, value: number): void {
    if (!(value >= 0)) throw new RangeError(`Int32Table holds non-negative values, not ${value}`);
    let slot = key & this.mask;
    while (this.values[slot] !== -1 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    if (this.values[slot] === -1) {
      if (this.size === this.capacity) throw new RangeError(`Int32Table is full (${this.capacity} keys)`);
      this.size++;
    }
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  /** The value of `key`, or −1. */
  get(key: number): number {
    for (let slot = key & this.mask; this.values[slot] !== -1; slot = (slot + 1) & this.mask) {
      if (this.keys[slot] === key) return this.values[slot] as number;
    }
    return -1;
  }
}
