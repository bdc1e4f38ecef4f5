import type { BatchItem } from "drizzle-orm/batch";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/** Query builder only: nothing uses the relational `db.query` API, so no schema is attached. */
export type Db = DrizzleD1Database;

/** One statement of a batch, as the repositories' statement builders return it. */
export type Statement = BatchItem<"sqlite">;

export function createDb(d1: D1Database): Db {
  return drizzle(d1);
}

/** Runs the statements in one D1 batch (one transaction: all or nothing); none, nothing. */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
