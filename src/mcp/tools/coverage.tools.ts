/**
 * @module MCP tools for detection coverage: accounts, rule imports, coverage, gaps, what a threat
 * means for an account, Navigator layers, detection health and mapping review.
 */
import { z } from "@hono/zod-openapi";
import { LimitField } from "../../api/paging";
import { GroupRefField, TechniqueIdField } from "../../attack/attack.schemas";
import { createAccount } from "../../coverage/accounts.service";
import {
  Account,
  AccountIdField,
  AccountInput,
  Coverage,
  Freshness,
  Gap,
  GapStatusChange,
  GapStatusField,
  GapStatusInput,
  HealthView,
  ImportInput,
  ImportOutput,
  Mapping,
  MappingIdField,
  MappingReview,
  MAX_FILES_PER_IMPORT,
  ThreatGaps,
} from "../../coverage/coverage.schemas";
import { listGaps, readCoverage, readHealth } from "../../coverage/coverage.service";
import { importAndRecompute, reviewMapping } from "../../coverage/detections.service";
import { setGapStatus } from "../../coverage/gap-status.service";
import { readAccountLayer, readReportGapLayer, readReportLayer } from "../../coverage/layers";
import { readGroupGaps, readReportGaps } from "../../coverage/threat-gaps";
import { badRequest } from "../../errors";
import { ReportIdField } from "../../reports/reports.schemas";
import { defineTool, type Tool } from "../define-tool";

const createAccountTool = defineTool({
  name: "create_account",
  title: "Register an account",
  group: "coverage",
  description:
    "Registers a cloud account, subscription, project or on-prem estate whose detections TTPscope tracks; its " +
    "coverage starts empty until rules are imported.",
  input: AccountInput.shape,
  output: Account.shape,
  effect: { readOnly: false, destructive: false, idempotent: false, auditTarget: (args) => args.identifier },
  run: (args, { db, caller }) => createAccount(db, caller.tenantId, args),
});

const importDetections = defineTool({
  name: "import_detections",
  title: "Import detection rules",
  group: "coverage",
  description:
    `Imports detection rules into an account (Sigma YAML, Splunk security_content YAML or Elastic TOML; at most ${MAX_FILES_PER_IMPORT} files ` +
    "a call), maps them to ATT&CK and recomputes coverage. Changed rules become new versions; bad files are reported per file.",
  input: {
    account_id: AccountIdField,
    format: ImportInput.shape.format,
    files: ImportInput.shape.files,
    scan_id: ImportInput.shape.scanId,
    complete: ImportInput.shape.complete,
  },
  output: ImportOutput.shape,
  effect: { readOnly: false, destructive: false, idempotent: true, auditTarget: (args) => args.account_id },
  run: (args, { db, caller }) =>
    importAndRecompute(db, caller.tenantId, args.account_id, {
      format: args.format,
      files: args.files,
      scanId: args.scan_id,
      complete: args.complete,
    }),
});

const getCoverage = defineTool({
  name: "get_coverage",
  title: "Get an account's coverage",
  group: "coverage",
  description:
    "How much of ATT&CK the account's enabled detections cover, overall and per tactic, with its detection health; " +
    "`stale` says a recompute is pending.",
  input: { account_id: AccountIdField },
  output: Coverage.shape,
  effect: { readOnly: true },
  run: (args, { db, caller }) => readCoverage(db, caller.tenantId, args.account_id),
});

const listGapsTool = defineTool({
  name: "list_gaps",
  title: "List coverage gaps",
  group: "coverage",
  description:
    "Techniques the account does not detect, riskiest first (how many groups, software and campaigns use them × " +
    "account criticality), with NIST 800-53 controls.",
  input: { account_id: AccountIdField, status: GapStatusField.optional(), limit: LimitField },
  output: { items: z.array(Gap), hasMore: z.boolean(), ...Freshness },
  effect: { readOnly: true },
  run: (args, { db, caller }) =>
    listGaps(db, caller.tenantId, args.account_id, { status: args.status, limit: args.limit }),
});

const setGapStatusTool = defineTool({
  name: "set_gap_status",
  title: "Triage a coverage gap",
  group: "coverage",
  description:
    "Marks an account's gap acknowledged, accepted_risk (reason required; optional expires_at reopens it), " +
    "remediated, or open again; an invalid move names the allowed ones.",
  input: {
    account_id: AccountIdField,
    technique_id: TechniqueIdField,
    status: GapStatusInput.shape.status,
    reason: GapStatusInput.shape.reason,
    expires_at: GapStatusInput.shape.expiresAt,
  },
  output: GapStatusChange.shape,
  effect: {
    readOnly: false,
    destructive: false,
    idempotent: false,
    auditTarget: (args) => `${args.account_id}/${args.technique_id}`,
  },
  run: (args, { db, caller }) =>
    setGapStatus(db, caller, args.account_id, args.technique_id, {
      status: args.status,
      reason: args.reason,
      expiresAt: args.expires_at,
    }),
});

const reportGapAnalysis = defineTool({
  name: "report_gap_analysis",
  title: "What a threat means for an account",
  group: "coverage",
  description:
    "The techniques of an analysed report, or of an ATT&CK group, against an account's detections: covering " +
    "detections, or not covered with risk and controls.",
  input: {
    account_id: AccountIdField,
    report_id: ReportIdField.optional(),
    group: GroupRefField.optional(),
  },
  output: ThreatGaps.extend({ subject: z.object({ id: z.string(), name: z.string().nullable() }) }).shape,
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    if ((args.report_id === undefined) === (args.group === undefined)) {
      throw badRequest("give exactly one of report_id or group");
    }
    if (args.report_id) {
      const { report, ...gaps } = await readReportGaps(db, caller.tenantId, args.report_id, args.account_id);
      return { ...gaps, subject: { id: report.id, name: report.title } };
    }
    const { group, ...gaps } = await readGroupGaps(db, caller.tenantId, args.group ?? "", args.account_id);
    return { ...gaps, subject: group };
  },
});

const exportNavigatorLayer = defineTool({
  name: "export_navigator_layer",
  title: "Export an ATT&CK Navigator layer",
  group: "coverage",
  description:
    "A Navigator layer (format 4.5): an account's coverage, a report's techniques, or a report against an account.",
  input: {
    account_id: AccountIdField.optional(),
    report_id: ReportIdField.optional().describe("a report; with account_id, the report against the account"),
  },
  output: { layer: z.record(z.string(), z.unknown()) },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { tenantId } = caller;
    if (args.report_id && args.account_id)
      return { layer: await readReportGapLayer(db, tenantId, args.report_id, args.account_id) };
    if (args.report_id) return { layer: await readReportLayer(db, tenantId, args.report_id) };
    if (args.account_id) return { layer: await readAccountLayer(db, tenantId, args.account_id) };
    throw badRequest("give account_id, report_id, or both");
  },
});

const getDetectionHealth = defineTool({
  name: "get_detection_health",
  title: "Get detection health",
  group: "coverage",
  description: "An account's detections by health (healthy, degraded, broken, unknown) and those that need attention.",
  input: { account_id: AccountIdField },
  output: HealthView.shape,
  effect: { readOnly: true },
  run: (args, { db, caller }) => readHealth(db, caller.tenantId, args.account_id),
});

const reviewMappingTool = defineTool({
  name: "review_mapping",
  title: "Validate or dispute a mapping",
  group: "coverage",
  description:
    "Confirms (validated) or rejects (disputed) a detection → technique mapping; inferred (nlp) mappings count " +
    "toward coverage only once validated. Recomputes the account's coverage.",
  input: { account_id: AccountIdField, mapping_id: MappingIdField, ...MappingReview.shape },
  output: Mapping.shape,
  effect: { readOnly: false, destructive: false, idempotent: true, auditTarget: (args) => args.mapping_id },
  run: (args, { db, caller }) =>
    reviewMapping(db, caller.tenantId, args.account_id, args.mapping_id, {
      validation: args.validation,
      rationale: args.rationale,
    }),
});

export const coverageTools: Tool[] = [
  createAccountTool,
  importDetections,
  getCoverage,
  listGapsTool,
  setGapStatusTool,
  reportGapAnalysis,
  exportNavigatorLayer,
  getDetectionHealth,
  reviewMappingTool,
];
