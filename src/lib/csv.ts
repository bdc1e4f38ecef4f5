/**
 * @module CSV text (RFC 4180) for spreadsheets: every cell quoted, CRLF line ends, and cells a
 * spreadsheet would run as a formula made inert.
 */

export type CsvCell = string | number | boolean | null | undefined;

/** Spreadsheets evaluate a cell starting with one of these (tab and CR too, OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, quoted; a leading `'` keeps a formula-like value as text. */
export function csvCell(value: CsvCell): string {
  let text = value === null || value === undefined ? "" : String(value);
  // Numbers are ours, not user text: a negative number stays a number.
  if (typeof value !== "number" && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** A header row and the rows, each row as many cells as the header. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
