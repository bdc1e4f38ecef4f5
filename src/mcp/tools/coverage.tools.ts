/**
 * @module MCP tools for detection coverage: accounts, rule imports, coverage, gaps, what a report
 * means for an account, Navigator layers, detection health and mapping review.
 */
import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { accountLayer, reportGapLayer, reportLayer } from "../../coverage/layers";
import {
  Account,
  AccountInput,
  Coverage,
  Gap,
  HealthView,
  ImportInput,
  ImportOutput,
  Mapping,
  MappingReview,
  MAX_FILES_PER_IMPORT,
  ThreatGaps,
} from "../../coverage/coverage.schemas";
import { importAndRecompute, newAccount, reviewMapping } from "../../coverage/accounts.service";
import { groupGaps, reportGaps } from "../../coverage/threat-gaps";
import { coverageView, gapsView, healthView } from "../../coverage/coverage.service";
import { badRequest } from "../../errors";
import { auditor } from "../audit";
import type { ToolContext } from "../server";
import { ok, runTool } from "../tool-result";

const READ = { readOnlyHint: true, openWorldHint: false } as const;
const accountId = z.string().uuid().describe("the account id (from create_account)");

export function registerCoverageTools(server: McpServer, ctx: ToolContext): void {
  const { db, caller } = ctx;
  const tenantId = caller.tenantId;
  const audited = auditor(ctx);

  server.registerTool(
    "create_account",
    {
      title: "Register an account",
      description:
        "Registers a cloud account, subscription, project or on-prem estate whose detections TTPscope tracks.",
      // REST's AccountInput rules, with the descriptions agents read.
      inputSchema: {
        ...AccountInput.shape,
        name: AccountInput.shape.name.describe("display name"),
        identifier: AccountInput.shape.identifier.describe("the provider's id for the account"),
        environment: AccountInput.shape.environment.describe("environment"),
        criticality: AccountInput.shape.criticality.describe("how much its gaps weigh"),
        regions: AccountInput.shape.regions.describe("the regions it runs in (optional)"),
      },
      outputSchema: Account.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) =>
      runTool(async () => ok(await audited("create_account", args.identifier, () => newAccount(db, tenantId, args)))),
  );

  server.registerTool(
    "import_detections",
    {
      title: "Import detection rules",
      description:
        `Imports detection rules into an account (Sigma YAML, Splunk security_content YAML or Elastic TOML; at most ${MAX_FILES_PER_IMPORT} files ` +
        "a call), maps them to ATT&CK and recomputes coverage. Changed rules become new versions; bad files are reported per file.",
      inputSchema: {
        account_id: accountId,
        format: ImportInput.shape.format.describe("rule format"),
        files: ImportInput.shape.files.describe("the rule files: path and text"),
        scan_id: ImportInput.shape.scanId,
        complete: ImportInput.shape.complete.describe(
          "the scan held every rule of the format: rules not seen are removed",
        ),
      },
      outputSchema: ImportOutput.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () =>
        ok(
          await audited("import_detections", args.account_id, () =>
            importAndRecompute(db, tenantId, args.account_id, {
              format: args.format,
              files: args.files,
              scanId: args.scan_id,
              complete: args.complete,
            }),
          ),
        ),
      ),
  );

  server.registerTool(
    "get_coverage",
    {
      title: "Get an account's coverage",
      description:
        "How much of ATT&CK the account's enabled detections cover, overall and per tactic, and its detection health.",
      inputSchema: { account_id: accountId },
      outputSchema: Coverage.shape,
      annotations: READ,
    },
    (args) => runTool(async () => ok(await coverageView(db, tenantId, args.account_id))),
  );

  server.registerTool(
    "list_gaps",
    {
      title: "List coverage gaps",
      description:
        "Techniques the account does not detect, riskiest first (how many groups, software and campaigns use them × account criticality), with NIST 800-53 controls.",
      inputSchema: {
        account_id: accountId,
        limit: z.number().int().min(1).max(100).optional().describe("how many, default 20"),
      },
      outputSchema: { items: z.array(Gap), hasMore: z.boolean() },
      annotations: READ,
    },
    (args) => runTool(async () => ok(await gapsView(db, tenantId, args.account_id, { limit: args.limit ?? 20 }))),
  );

  server.registerTool(
    "report_gap_analysis",
    {
      title: "What a threat means for an account",
      description:
        "The techniques of an analysed report, or of an ATT&CK group, against an account's detections: covering detections, or not covered with risk and controls.",
      inputSchema: {
        account_id: accountId,
        report_id: z.string().uuid().optional().describe("an analysed report"),
        group: z.string().max(100).optional().describe("or an ATT&CK group: id, name or alias (G0016, APT29)"),
      },
      outputSchema: ThreatGaps.extend({ subject: z.object({ id: z.string(), name: z.string().nullable() }) }).shape,
      annotations: READ,
    },
    (args) =>
      runTool(async () => {
        if ((args.report_id === undefined) === (args.group === undefined))
          throw badRequest("give exactly one of report_id or group");
        if (args.report_id) {
          const { report, ...gaps } = await reportGaps(db, tenantId, args.report_id, args.account_id);
          return ok({ ...gaps, subject: { id: report.id, name: report.title } });
        }
        const { group, ...gaps } = await groupGaps(db, tenantId, args.group as string, args.account_id);
        return ok({ ...gaps, subject: group });
      }),
  );

  server.registerTool(
    "export_navigator_layer",
    {
      title: "Export an ATT&CK Navigator layer",
      description:
        "A Navigator layer (format 4.5): an account's coverage, a report's techniques, or a report against an account.",
      inputSchema: {
        account_id: accountId.optional(),
        report_id: z.string().uuid().optional().describe("a report; with account_id, the report against the account"),
      },
      outputSchema: { layer: z.record(z.string(), z.unknown()) },
      annotations: READ,
    },
    (args) =>
      runTool(async () => {
        if (args.report_id && args.account_id)
          return ok({ layer: await reportGapLayer(db, tenantId, args.report_id, args.account_id) });
        if (args.report_id) return ok({ layer: await reportLayer(db, tenantId, args.report_id) });
        if (args.account_id) return ok({ layer: await accountLayer(db, tenantId, args.account_id) });
        throw badRequest("give account_id, report_id, or both");
      }),
  );

  server.registerTool(
    "get_detection_health",
    {
      title: "Get detection health",
      description:
        "An account's detections by health (healthy, degraded, broken, unknown) and those that need attention.",
      inputSchema: { account_id: accountId },
      outputSchema: HealthView.shape,
      annotations: READ,
    },
    (args) => runTool(async () => ok(await healthView(db, tenantId, args.account_id))),
  );

  server.registerTool(
    "review_mapping",
    {
      title: "Validate or dispute a mapping",
      description:
        "Confirms (validated) or rejects (disputed) a detection → technique mapping; inferred (nlp) mappings count toward coverage only once validated.",
      inputSchema: {
        account_id: accountId,
        mapping_id: z.string().uuid().describe("the mapping id"),
        ...MappingReview.shape,
        validation: MappingReview.shape.validation.describe("the verdict"),
        rationale: MappingReview.shape.rationale.describe("why"),
      },
      outputSchema: Mapping.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(async () =>
        ok(
          await audited("review_mapping", args.mapping_id, () =>
            reviewMapping(db, tenantId, args.account_id, args.mapping_id, {
              validation: args.validation,
              rationale: args.rationale,
            }),
          ),
        ),
      ),
  );
}
