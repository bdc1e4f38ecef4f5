/**
 * @module The export tool: a Navigator layer, a report as a STIX 2.1 bundle, or CSV. It answers by
 * reference (what the export holds and the REST path serving it) unless asked for the content: a
 * layer or a gaps CSV is often tens of KB an agent seldom needs in its context.
 */
import { z } from "@hono/zod-openapi";
import { AccountIdField } from "../../coverage/coverage.schemas";
import { readGapsCsv } from "../../coverage/gap-export";
import { readAccountLayer, readReportGapLayer, readReportLayer } from "../../coverage/layers";
import type { NavigatorLayer } from "../../coverage/navigator";
import type { Db } from "../../db/client";
import { badRequest } from "../../errors";
import { CSV_MEDIA_TYPE, csvDataRows } from "../../lib/csv";
import { readReportTechniquesCsv } from "../../reports/csv-export";
import { ReportIdField } from "../../reports/reports.schemas";
import { readReportStix, STIX_MEDIA_TYPE } from "../../reports/stix-export";
import { defineTool, type Tool } from "../define-tool";

const FORMATS = ["navigator", "stix", "csv"] as const;

interface Exported {
  name: string;
  items: number;
  download: string;
  mediaType: string;
  content: Record<string, unknown> | string;
}

interface Ids {
  reportId?: string;
  accountId?: string;
}

async function navigator(db: Db, tenantId: string, { reportId, accountId }: Ids): Promise<Exported> {
  let layer: NavigatorLayer;
  let download: string;
  if (reportId) {
    layer = accountId
      ? await readReportGapLayer(db, tenantId, reportId, accountId)
      : await readReportLayer(db, tenantId, reportId);
    download = `/api/v1/reports/${reportId}/layer${accountId ? `?account=${accountId}` : ""}`;
  } else if (accountId) {
    layer = await readAccountLayer(db, tenantId, accountId);
    download = `/api/v1/accounts/${accountId}/coverage/layer`;
  } else throw badRequest("format navigator: pass account_id, report_id, or both");
  // A technique under several tactics has an entry per tactic: count it once.
  const items = new Set((layer.techniques ?? []).map((t) => t.techniqueID)).size;
  return { name: layer.name, items, download, mediaType: "application/json", content: layer };
}

async function stix(db: Db, tenantId: string, { reportId, accountId }: Ids): Promise<Exported> {
  if (!reportId || accountId) throw badRequest("format stix exports a report: pass report_id (and no account_id)");
  const bundle = await readReportStix(db, tenantId, reportId);
  const report = bundle.objects.find((o) => o.type === "report");
  return {
    name: typeof report?.name === "string" ? report.name : bundle.id,
    items: bundle.objects.length,
    download: `/api/v1/reports/${reportId}/stix`,
    mediaType: STIX_MEDIA_TYPE,
    content: { ...bundle },
  };
}

async function csv(db: Db, tenantId: string, { reportId, accountId }: Ids): Promise<Exported> {
  let text: string;
  let name: string;
  let download: string;
  if (reportId && !accountId) {
    text = await readReportTechniquesCsv(db, tenantId, reportId);
    name = `report-${reportId}-techniques.csv`;
    download = `/api/v1/reports/${reportId}/techniques.csv`;
  } else if (accountId && !reportId) {
    text = await readGapsCsv(db, tenantId, accountId);
    name = `account-${accountId}-gaps.csv`;
    download = `/api/v1/accounts/${accountId}/gaps.csv`;
  } else throw badRequest("format csv: pass report_id (its techniques) or account_id (its gaps), not both");
  return { name, items: csvDataRows(text), download, mediaType: CSV_MEDIA_TYPE, content: text };
}

const EXPORTERS = { navigator, stix, csv };

const exportTool = defineTool({
  name: "export",
  title: "Export a Navigator layer, STIX bundle or CSV",
  group: "coverage",
  description:
    "Navigator layer (account, report, or report vs account), report STIX 2.1 bundle, or CSV (report techniques, " +
    "account gaps): REST path, items (techniques, STIX objects, CSV rows).",
  input: {
    // No JSON Schema defaults: fewer bytes in tools/list, which is at its budget.
    format: z.enum(FORMATS).optional().describe("default navigator"),
    account_id: AccountIdField.optional(),
    report_id: ReportIdField.optional(),
    include_content: z.boolean().optional().describe("also return the content"),
  },
  output: {
    format: z.enum(FORMATS),
    name: z.string(),
    items: z.number().int(),
    download: z.string(),
    mediaType: z.string(),
    content: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const ids = { reportId: args.report_id, accountId: args.account_id };
    const format = args.format ?? "navigator";
    const { content, ...brief } = await EXPORTERS[format](db, caller.tenantId, ids);
    return { format, ...brief, ...(args.include_content ? { content } : {}) };
  },
});

export const exportTools: Tool[] = [exportTool];
