/**
 * @module An account's gaps as CSV: every stored gap (open and acknowledged unless `status` says
 * otherwise), riskiest first, as the gaps list orders them.
 */
import type { Db } from "../db/client";
import type { GAP_STATUSES } from "../db/schema";
import { toCsv, type CsvCell } from "../lib/csv";
import { listGaps } from "./coverage.service";

export const GAP_CSV_HEADER = [
  "technique_id",
  "name",
  "tactics",
  "risk_score",
  "detection_score",
  "status",
  "first_identified_at",
  "reason",
  "expires_at",
  "nist_controls",
];

/** Pages through the gaps list: an account has at most one gap per technique (under a thousand). */
const PAGE = 500;

export async function readGapsCsv(
  db: Db,
  tenantId: string,
  accountId: string,
  status?: (typeof GAP_STATUSES)[number],
): Promise<string> {
  const rows: CsvCell[][] = [];
  let after: { r: number; t: string } | undefined;
  for (;;) {
    const page = await listGaps(db, tenantId, accountId, { status, limit: PAGE, after });
    for (const g of page.items) {
      rows.push([
        g.techniqueId,
        g.name,
        g.tactics.join("; "),
        g.riskScore,
        g.detectionScore,
        g.status,
        g.firstIdentifiedAt,
        g.reason ?? "",
        g.expiresAt ?? "",
        g.controls.map((c) => c.id).join("; "),
      ]);
    }
    if (!page.next) break;
    after = page.next;
  }
  return toCsv(GAP_CSV_HEADER, rows);
}
