/**
 * @module A report's techniques as CSV, one row per asserted technique (rejected matches left out).
 */
import type { Db } from "../db/client";
import { toCsv } from "../lib/csv";
import { readReport, tacticsByTechnique } from "./reports.service";

export const TECHNIQUE_CSV_HEADER = ["technique_id", "name", "tactics", "confidence", "method", "feedback", "evidence"];

export async function readReportTechniquesCsv(db: Db, tenantId: string, reportId: string): Promise<string> {
  const report = await readReport(db, tenantId, reportId);
  const tactics = tacticsByTechnique(report, "name");
  const rows = report.techniques
    .filter((t) => t.feedback !== "reject")
    .map((t) => [
      t.id,
      t.name,
      (tactics.get(t.id) ?? []).join("; "),
      t.confidence.toFixed(3),
      t.method,
      t.feedback ?? "",
      t.evidence.map((e) => e.text).join("\n"),
    ]);
  return toCsv(TECHNIQUE_CSV_HEADER, rows);
}
