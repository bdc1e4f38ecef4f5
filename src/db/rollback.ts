/**
 * @module Rolling back a migration: its down script, then forgetting it in wrangler's table, so that
 * `wrangler d1 migrations apply` applies it again. Used by `npm run db:down` and by the tests.
 */

/** Where wrangler records applied migrations (its default `migrations_table`). */
export const MIGRATIONS_TABLE = "d1_migrations";

/** Statements that revert `name`: the down script's, then the removal of its row. */
export function rollbackStatements(name: string, downQueries: string[]): string[] {
  const quoted = name.replaceAll("'", "''");
  return [...downQueries, `DELETE FROM ${MIGRATIONS_TABLE} WHERE name = '${quoted}'`];
}
