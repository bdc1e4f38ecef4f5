/**
 * @module D1 statement sizes. D1 binds at most 100 parameters per statement: multi-row inserts
 * and IN lists are cut to fit.
 */
import { getTableColumns, sql } from "drizzle-orm";

const MAX_PARAMETERS = 100;

/** Ids per `IN (…)` list: the rest of the 100 parameters stay free for the query's other binds. */
export const IDS_PER_IN_LIST = 90;

/** Rows of `table` one multi-row INSERT can hold (every column bound). */
export const rowsPerStatement = (table: Parameters<typeof getTableColumns>[0]) =>
  Math.floor(MAX_PARAMETERS / Object.keys(getTableColumns(table)).length);

/** A JSON array as one bound parameter: `x IN (…)` for hundreds of values within D1's 100-parameter limit. */
export const jsonValues = (values: string[]) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;
