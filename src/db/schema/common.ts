/**
 * @module Column helpers shared by the schema files.
 */
import { sql } from "drizzle-orm";
import { check, text, type SQLiteColumn } from "drizzle-orm/sqlite-core";

/** ISO-8601 UTC with milliseconds: sorts as text and reads well in SQL. */
export const NOW = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export const createdAt = () => text("created_at").notNull().default(NOW);

/** CHECK (col IN ('a','b')) for an enumeration; values are compile-time literals, never user input. */
export function enumCheck(name: string, column: SQLiteColumn, values: readonly string[]) {
  const list = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ");
  return check(name, sql`${column} IN (${sql.raw(list)})`);
}

export function boolCheck(name: string, column: SQLiteColumn): ReturnType<typeof check> {
  return check(name, sql`${column} IN (0, 1)`);
}
