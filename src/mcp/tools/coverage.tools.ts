/**
 * @module MCP tools for detection coverage: accounts, rule imports, detections and their mappings,
 * coverage, gaps, what a threat means for an account, detection health and mapping review
 * (exports: export.tools.ts). Every list is paged with the keyset cursors REST hands out.
 */
import { z } from "@hono/zod-openapi";
import { afterCreated, CursorField, decodeCursor, encodeCursor, LimitField, nextCreatedCursor } from "../../api/paging";
import { GroupRefField, TechniqueIdField } from "../../attack/attack.schemas";
import { createAccount, listAccountPage, updateAccount } from "../../coverage/accounts.service";
import {
  Account,
  AccountIdField,
  AccountInput,
  AccountUpdate,
  Coverage,
  DetectionFilters,
  DetectionKey,
  DetectionSummary,
  Freshness,
  Gap,
  GapKey,
  GapStatusChange,
  GapStatusField,
  GapStatusInput,
  HealthView,
  ImportInput,
  ImportOutput,
  Mapping,
  MappingIdField,
  MappingKey,
  MappingReview,
  MAX_FILES_PER_IMPORT,
  MethodFilterField,
  ThreatGapsPage,
  ThreatKey,
  ValidationFilterField,
} from "../../coverage/coverage.schemas";
import { listGaps, readCoverage, readHealth } from "../../coverage/coverage.service";
import {
  importAndRecompute,
  listAccountDetections,
  listAccountMappings,
  reviewMapping,
} from "../../coverage/detections.service";
import { setGapStatus } from "../../coverage/gap-status.service";
import { pageThreatGaps, readGroupGaps, readReportGaps } from "../../coverage/threat-gaps";
import { badRequest } from "../../errors";
import { ReportIdField } from "../../reports/reports.schemas";
import { defineTool, type Tool } from "../define-tool";

/** What every paged list answers besides its items. */
const PageInfo = {
  hasMore: z.boolean(),
  nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
};
const Paging = { limit: LimitField, cursor: CursorField.optional() };

const listAccounts = defineTool({
  name: "list_accounts",
  title: "List accounts",
  group: "coverage",
  description: "The tenant's accounts (cloud accounts, subscriptions, projects, estates), newest first.",
  input: Paging,
  output: { items: z.array(Account), ...PageInfo },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { items, hasMore, last } = await listAccountPage(db, caller.tenantId, {
      limit: args.limit,
      after: afterCreated(args.cursor),
    });
    return { items, hasMore, nextCursor: nextCreatedCursor(hasMore, last) };
  },
});

const createAccountTool = defineTool({
  name: "create_account",
  title: "Register an account",
  group: "coverage",
  description:
    "Registers a cloud account, subscription, project or on-prem estate whose detection coverage TTPscope tracks.",
  input: AccountInput.shape,
  output: Account.shape,
  effect: { readOnly: false, destructive: false, idempotent: false, auditTarget: (args) => args.identifier },
  run: (args, { db, caller }) => createAccount(db, caller.tenantId, args),
});

const updateAccountTool = defineTool({
  name: "update_account",
  title: "Change an account",
  group: "coverage",
  description: "Changes an account; new platforms or criticality recompute its coverage.",
  input: {
    account_id: AccountIdField,
    platforms: AccountUpdate.shape.platforms,
    criticality: AccountUpdate.shape.criticality,
    name: AccountUpdate.shape.name,
  },
  output: Account.shape,
  effect: { readOnly: false, destructive: false, idempotent: true, auditTarget: (args) => args.account_id },
  run: ({ account_id: accountId, ...changes }, { db, caller }) =>
    updateAccount(db, caller.tenantId, accountId, changes),
});

const importDetections = defineTool({
  name: "import_detections",
  title: "Import detection rules",
  group: "coverage",
  description:
    `Imports Sigma, Splunk or Elastic rules (≤ ${MAX_FILES_PER_IMPORT} files a call) into an account, maps them to ATT&CK and ` +
    "recomputes coverage; changed rules become new versions, bad files are reported per file.",
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
  description: "An account's coverage overall and per tactic, with detection health and whether it is stale.",
  input: { account_id: AccountIdField },
  output: Coverage.shape,
  effect: { readOnly: true },
  run: (args, { db, caller }) => readCoverage(db, caller.tenantId, args.account_id),
});

/** A gap as list_gaps shows it: its NIST controls as ids unless `detail` asks for their names. */
const GapBrief = Gap.extend({
  controls: z
    .array(z.union([z.string(), Gap.shape.controls.element]))
    .describe("NIST SP 800-53 rev5 controls: ids, or with detail {id, name, inherited}"),
});

const listGapsTool = defineTool({
  name: "list_gaps",
  title: "List coverage gaps",
  group: "coverage",
  description:
    "Techniques the account does not detect, riskiest first (ATT&CK use × criticality), with NIST 800-53 controls.",
  input: {
    account_id: AccountIdField,
    status: GapStatusField.optional(),
    detail: z.boolean().default(false).describe("controls with their names"),
    ...Paging,
  },
  output: { items: z.array(GapBrief), ...PageInfo, ...Freshness },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { next, items, ...gaps } = await listGaps(db, caller.tenantId, args.account_id, {
      status: args.status,
      limit: args.limit,
      after: decodeCursor(args.cursor, GapKey),
    });
    const shown = args.detail ? items : items.map((g) => ({ ...g, controls: g.controls.map((c) => c.id) }));
    return { ...gaps, items: shown, nextCursor: next && encodeCursor(next) };
  },
});

const listDetections = defineTool({
  name: "list_detections",
  title: "List an account's detections",
  group: "coverage",
  description:
    "An account's detection rules by name, each with its format, status, health and the technique ids it is mapped to.",
  input: {
    account_id: AccountIdField,
    technique: DetectionFilters.technique.optional(),
    format: DetectionFilters.format.optional(),
    health: DetectionFilters.health.optional(),
    enabled: z.boolean().optional().describe("only enabled (true) or disabled (false) rules"),
    ...Paging,
  },
  output: { items: z.array(DetectionSummary), ...PageInfo },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { account_id: accountId, cursor, ...q } = args;
    const { next, ...page } = await listAccountDetections(db, caller.tenantId, accountId, {
      ...q,
      after: decodeCursor(cursor, DetectionKey),
    });
    return { ...page, nextCursor: next && encodeCursor(next) };
  },
});

const listMappings = defineTool({
  name: "list_mappings",
  title: "List detection → technique mappings",
  group: "coverage",
  description:
    "An account's detection → technique mappings by technique, e.g. inferred ones pending review for review_mapping.",
  input: {
    account_id: AccountIdField,
    validation: ValidationFilterField.optional(),
    method: MethodFilterField.optional(),
    ...Paging,
  },
  output: { items: z.array(Mapping), ...PageInfo },
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    const { account_id: accountId, cursor, ...q } = args;
    const { next, ...page } = await listAccountMappings(db, caller.tenantId, accountId, {
      ...q,
      after: decodeCursor(cursor, MappingKey),
    });
    return { ...page, nextCursor: next && encodeCursor(next) };
  },
});

const setGapStatusTool = defineTool({
  name: "set_gap_status",
  title: "Triage a coverage gap",
  group: "coverage",
  description:
    "Marks an account's gap acknowledged, accepted_risk (reason required; expires_at reopens it), remediated, or open again.",
  input: {
    account_id: AccountIdField,
    technique_id: TechniqueIdField,
    status: GapStatusInput.shape.status.describe("the new status; a move not allowed is refused, naming those allowed"),
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
    "A report's or ATT&CK group's techniques against an account: covered counts per tactic and a page of techniques, riskiest uncovered first.",
  input: {
    account_id: AccountIdField,
    report_id: ReportIdField.optional(),
    group: GroupRefField.optional(),
    covered: z.boolean().optional().describe("only covered (true) or only not covered (false) techniques"),
    detail: z.boolean().optional().describe("add covering detections, NIST 800-53 controls and notes"),
    ...Paging,
  },
  output: ThreatGapsPage.extend({ subject: z.object({ id: z.string(), name: z.string().nullable() }) }).shape,
  effect: { readOnly: true },
  async run(args, { db, caller }) {
    if ((args.report_id === undefined) === (args.group === undefined)) {
      throw badRequest("give exactly one of report_id or group");
    }
    const after = decodeCursor(args.cursor, ThreatKey);
    const q = { limit: args.limit, after, covered: args.covered, detail: args.detail ?? false };
    if (args.report_id) {
      const { report, ...gaps } = await readReportGaps(db, caller.tenantId, args.report_id, args.account_id);
      const { next, ...page } = pageThreatGaps(gaps, q);
      return { ...page, nextCursor: next && encodeCursor(next), subject: { id: report.id, name: report.title } };
    }
    const { group, ...gaps } = await readGroupGaps(db, caller.tenantId, args.group ?? "", args.account_id);
    const { next, ...page } = pageThreatGaps(gaps, q);
    return { ...page, nextCursor: next && encodeCursor(next), subject: group };
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
    "Validates or disputes a detection → technique mapping (inferred ones count only once validated) and recomputes coverage.",
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
  listAccounts,
  createAccountTool,
  updateAccountTool,
  importDetections,
  getCoverage,
  listGapsTool,
  listDetections,
  listMappings,
  setGapStatusTool,
  reportGapAnalysis,
  getDetectionHealth,
  reviewMappingTool,
];
