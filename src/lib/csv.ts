/**
 * @module CSV text (RFC 4180) for spreadsheets: every cell quoted, CRLF line ends, and cells a
 * spreadsheet would run as a formula made inert.
 */

export type CsvCell = string | number | boolean | null | undefined;

export const CSV_MEDIA_TYPE = "text/csv; charset=utf-8";

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

/** Data rows of a CSV toCsv wrote, header not counted: line ends outside quotes (cells may hold line breaks). */
export function csvDataRows(text: string): number {
  let quoted = false;
  let ends = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 34) quoted = !quoted;
    else if (ch === 10 && !quoted) ends++;
  }
  return Math.max(0, ends - 1);
}
