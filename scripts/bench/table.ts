/**
 * @module Benchmark rows and the table they print as.
 */
export type Row = [name: string, value: string, goal: string];

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function printTable(title: string, rows: Row[]): void {
  const w0 = Math.max(9, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const w2 = Math.max(4, ...rows.map((r) => r[2].length));
  console.log(`\n${title}\n`);
  console.log(`| ${"benchmark".padEnd(w0)} | ${"value".padEnd(w1)} | ${"goal".padEnd(w2)} |`);
  console.log(`| ${"-".repeat(w0)} | ${"-".repeat(w1)} | ${"-".repeat(w2)} |`);
  for (const [name, value, goal] of rows)
    console.log(`| ${name.padEnd(w0)} | ${value.padEnd(w1)} | ${goal.padEnd(w2)} |`);
}
