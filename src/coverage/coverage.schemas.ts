/**
 * @module Shapes of coverage data as REST and MCP serve them.
 */
import { z } from "@hono/zod-openapi";
import {
  CRITICALITIES,
  DETECTION_STATUSES,
  ENVIRONMENTS,
  GAP_STATUSES,
  HEALTH_STATUSES,
  MAPPING_METHODS,
  OVERLAP_KINDS,
  VALIDATIONS,
} from "../db/schema";

export const AccountIdField = z.string().uuid().describe("account id (list_accounts)");
export const MappingIdField = z.string().uuid().describe("the detection → technique mapping id");
export const DetectionIdField = z.string().uuid().describe("the detection id");
export const GapStatusField = z
  .enum(GAP_STATUSES)
  .describe("only gaps in this status (default: open and acknowledged)");

export const ValidationFilterField = z.enum(VALIDATIONS).describe("only mappings with this review state");
export const MethodFilterField = z.enum(MAPPING_METHODS).describe("only mappings made this way");
/** Kinds of detection content (seeded in detection_types). */
export const DETECTION_FORMATS = ["sigma", "splunk", "elastic", "cloud_config", "manual"] as const;
export const DetectionFilters = {
  technique: z.string().max(20).describe("only rules mapped to this technique (a parent includes its sub-techniques)"),
  format: z.enum(DETECTION_FORMATS).describe("only rules of this format"),
  health: z.enum(HEALTH_STATUSES).describe("only detections in this health status"),
};

/**
 * What keyset cursors hold (api/paging encodes them): the sort key of a page's last item. Gaps go
 * riskiest first, then by technique id; mappings by technique, then id; detections by name, then
 * id (the cursor holds the id, the query reads the name).
 */
export const GapKey = z.object({ r: z.number(), t: z.string() });
export const MappingKey = z.object({ t: z.string(), i: z.string() });
export const DetectionKey = z.object({ i: z.string() });
/** Threat techniques: not covered first, riskiest first, then by id. */
export const ThreatKey = z.object({ c: z.number().int(), r: z.number(), t: z.string() });

export const PlatformsField = z
  .array(z.string().trim().min(1).max(64))
  .min(1)
  .max(40)
  .describe("ATT&CK platforms (Windows, IaaS …) whose techniques its coverage counts; default by provider");

export const AccountInput = z
  .object({
    name: z.string().trim().min(1).max(200).describe("display name"),
    provider: z.string().max(40).describe("aws, azure, gcp, on_prem, saas or other"),
    identifier: z.string().trim().min(1).max(200).describe("the provider's id (AWS account id, subscription id …)"),
    environment: z.enum(ENVIRONMENTS).describe("environment"),
    criticality: z.enum(CRITICALITIES).describe("weighs its gaps' risk (3, 2, 1)"),
    regions: z.array(z.string().max(64)).max(100).optional().describe("the regions it runs in"),
    platforms: PlatformsField.optional(),
  })
  .openapi("AccountInput");

/** What an account's owner may change; coverage is recomputed when criticality or platforms change. */
export const AccountUpdate = AccountInput.pick({
  name: true,
  environment: true,
  criticality: true,
  regions: true,
  platforms: true,
})
  .partial()
  .openapi("AccountUpdate");

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: z.string(),
    identifier: z.string(),
    environment: z.enum(ENVIRONMENTS),
    criticality: z.enum(CRITICALITIES),
    regions: z.array(z.string()),
    platforms: z.array(z.string()).describe("ATT&CK platforms that scope its coverage"),
    createdAt: z.string(),
  })
  .openapi("Account");

export type AccountT = z.infer<typeof Account>;

/** Files one import call takes; a larger rule set goes in several calls with the same scanId. */
export const MAX_FILES_PER_IMPORT = 500;

export const ImportInput = z
  .object({
    format: z
      .enum(["sigma", "splunk", "elastic"])
      .describe("rule format: Sigma YAML, Splunk security_content YAML, Elastic TOML"),
    files: z
      .array(z.object({ path: z.string().max(1000), content: z.string() }))
      .min(1)
      .max(MAX_FILES_PER_IMPORT)
      .describe(`at most ${MAX_FILES_PER_IMPORT} files per call`),
    scanId: z.string().uuid().optional().describe("continue a scan started by an earlier call"),
    complete: z.boolean().optional().describe("last call of a full scan: rules not seen are marked removed"),
  })
  .openapi("ImportInput");

export const ImportOutput = z
  .object({
    scanId: z.string(),
    imported: z.number().int(),
    updated: z.number().int().describe("rules whose content changed: a new version (drift)"),
    unchanged: z.number().int(),
    skipped: z.number().int().describe("files not imported (see errors)"),
    removed: z.number().int(),
    mappings: z.object({ tag: z.number().int(), nlp: z.number().int() }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
    notes: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .openapi("ImportOutput");

/** When stored coverage was computed and whether it is current (see coverage/recompute.ts). */
export const Freshness = {
  computedAt: z.string().nullable().describe("when the stored coverage was computed (null: not yet)"),
  stale: z
    .boolean()
    .describe("true while a recompute is pending: computed under another ATT&CK version, or inputs changed since"),
};

export const Coverage = z
  .object({
    accountId: z.string(),
    attackVersion: z.string().nullable().describe("the ATT&CK version the stored coverage was computed under"),
    covered: z.number().int(),
    total: z.number().int(),
    percent: z.number(),
    tactics: z.array(
      z.object({
        id: z.string(),
        shortname: z.string(),
        name: z.string(),
        covered: z.number().int(),
        total: z.number().int(),
        percent: z.number(),
      }),
    ),
    platforms: z.array(z.string()).describe("the account's ATT&CK platforms: totals count only their techniques"),
    ...Freshness,
    health: z.record(z.string(), z.number().int()),
  })
  .openapi("Coverage");

export type CoverageT = z.infer<typeof Coverage>;

const Control = z.object({ id: z.string(), name: z.string(), inherited: z.boolean() });

export const Gap = z
  .object({
    techniqueId: z.string(),
    name: z.string(),
    tactics: z.array(z.string()),
    riskScore: z.number().describe("(groups + software + campaigns using it + 1) × account criticality (3/2/1)"),
    detectionScore: z
      .union([z.literal(-1), z.literal(0)])
      .describe("-1: no rule maps to it; 0: rules map to it but none counts (disabled, broken, unvalidated)"),
    status: z.enum(GAP_STATUSES),
    firstIdentifiedAt: z.string(),
    controls: z.array(Control).describe("NIST SP 800-53 rev5 controls mapped to the technique"),
    reason: z.string().optional().describe("why the status was last set, when given"),
    expiresAt: z.string().optional().describe("accepted_risk: when the gap reopens"),
  })
  .openapi("Gap");

export type GapT = z.infer<typeof Gap>;

export const GapStatusInput = z
  .object({
    status: z
      .enum(GAP_STATUSES)
      .describe(
        "open, acknowledged, accepted_risk or remediated; allowed moves: open → any other; acknowledged → open, " +
          "accepted_risk, remediated; accepted_risk → open, remediated, accepted_risk (renew); remediated → open",
      ),
    reason: z.string().trim().min(1).max(2000).optional().describe("why; required for accepted_risk"),
    expiresAt: z
      .string()
      .max(40)
      .optional()
      .describe("accepted_risk only: ISO date or date-time (future) after which the gap reopens"),
  })
  .openapi("GapStatusInput");

export const GapStatusChange = z
  .object({
    accountId: z.string(),
    techniqueId: z.string(),
    status: z.enum(GAP_STATUSES),
    previousStatus: z.enum(GAP_STATUSES),
    reason: z.string().nullable(),
    expiresAt: z.string().nullable(),
    changedBy: z.string().describe("the key prefix that set it"),
    changedAt: z.string(),
  })
  .openapi("GapStatusChange");

export type GapStatusInputT = z.infer<typeof GapStatusInput>;
export type GapStatusChangeT = z.infer<typeof GapStatusChange>;

export const Overlaps = z
  .object({
    items: z.array(
      z.object({
        techniqueId: z.string(),
        detectionCount: z.number().int(),
        kind: z.enum(OVERLAP_KINDS),
        detectionIds: z.array(z.string()),
      }),
    ),
    ...Freshness,
  })
  .openapi("Overlaps");

const ThreatAccount = z.object({
  id: z.string(),
  name: z.string(),
  criticality: z.string(),
  platforms: z.array(z.string()),
});

export const DetectionScoreField = z
  .number()
  .int()
  .min(-1)
  .max(5)
  .describe("DeTT&CT-scale: -1 none, 0 mapped not counting, 1 poor … 5 excellent");

export const ThreatGaps = z
  .object({
    account: ThreatAccount,
    attackVersion: z.string(),
    covered: z.number().int(),
    uncovered: z.number().int(),
    techniques: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        tactics: z.array(z.string()),
        confidence: z.number(),
        covered: z.boolean(),
        detections: z.array(z.object({ id: z.string(), name: z.string(), degraded: z.boolean() })),
        degraded: z.number().int().describe("covering detections reported degraded (broken ones never cover)"),
        riskScore: z.number().nullable(),
        detectionScore: DetectionScoreField,
        controls: z.array(Control),
        note: z.string().optional(),
      }),
    ),
    outOfScope: z
      .array(z.object({ id: z.string(), name: z.string(), platforms: z.array(z.string()) }))
      .describe("the threat's techniques for none of the account's platforms: not gaps of this account"),
  })
  .openapi("ThreatGaps");

/** A threat's technique as a page lists it; the `detail` fields only on request. */
export const ThreatTechniqueBrief = z.object({
  id: z.string(),
  name: z.string(),
  tactics: z.array(z.string()),
  confidence: z.number().describe("how strongly the threat shows it (1 for a group's known use)"),
  covered: z.boolean(),
  detectionCount: z.number().int(),
  degraded: z.number().int().describe("covering detections reported degraded"),
  riskScore: z.number().nullable().describe("for a technique not covered"),
  detectionScore: DetectionScoreField,
  detections: z.array(z.object({ id: z.string(), name: z.string(), degraded: z.boolean() })).optional(),
  controls: z.array(Control).optional(),
  note: z.string().optional(),
});

/** A threat against an account, concise: counts overall and per tactic, and a page of its techniques. */
export const ThreatGapsPage = z.object({
  account: ThreatAccount,
  attackVersion: z.string(),
  covered: z.number().int(),
  uncovered: z.number().int(),
  tactics: z.array(z.object({ tactic: z.string(), covered: z.number().int(), uncovered: z.number().int() })),
  items: z.array(ThreatTechniqueBrief),
  outOfScope: z.array(z.string()).describe("techniques for none of the account's platforms (not gaps)"),
  hasMore: z.boolean(),
  nextCursor: z.string().nullable().describe("pass as `cursor` for the next page; null on the last"),
});

export const MappingReview = z
  .object({
    validation: z
      .enum(["validated", "disputed", "pending"])
      .describe("validated: it counts toward coverage; disputed: it never does; pending: back to review"),
    rationale: z.string().max(2000).optional().describe("why, for the record"),
  })
  .openapi("MappingReview");

export const Mapping = z
  .object({
    id: z.string(),
    detectionId: z.string(),
    techniqueId: z.string(),
    confidence: z.number(),
    method: z.enum(MAPPING_METHODS),
    validation: z.enum(VALIDATIONS),
    rationale: z.string().nullable(),
  })
  .openapi("Mapping");

export type MappingT = z.infer<typeof Mapping>;

/** An account's detection, compact: what a list shows. */
export const DetectionSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    format: z.string(),
    status: z.enum(DETECTION_STATUSES),
    health: z.enum(HEALTH_STATUSES),
    techniques: z.array(z.string()).describe("technique ids it is mapped to (disputed mappings left out)"),
  })
  .openapi("DetectionSummary");

export type DetectionSummaryT = z.infer<typeof DetectionSummary>;

// Strict: a misspelt field ("lastValidated") is refused by name rather than dropped unseen.
export const HealthInput = z
  .strictObject({
    status: z.enum(HEALTH_STATUSES).describe("healthy, degraded, broken or unknown"),
    lastValidatedAt: z.string().datetime().optional().describe("when your pipeline last validated the detection"),
    lastTriggeredAt: z.string().datetime().optional().describe("when it last fired"),
    issues: z.array(z.string().max(500)).max(50).optional().describe("what is wrong, in words"),
  })
  .openapi("HealthInput");

/** A detection's health as recorded (the answer to a HealthInput). */
export const Health = z.object({
  detectionId: z.string(),
  status: z.enum(HEALTH_STATUSES),
  lastValidatedAt: z.string().nullable(),
  lastTriggeredAt: z.string().nullable(),
  issues: z.array(z.string()),
  updatedAt: z.string(),
});

export type HealthT = z.infer<typeof Health>;

/** An account's detections by health, and those that need attention. */
export const HealthView = z.object({
  summary: z.record(z.string(), z.number()),
  attention: z.array(z.object({}).passthrough()),
});

/** A Navigator layer; its full shape is validated by src/coverage/navigator.ts. */
export const Layer = z.record(z.string(), z.unknown()).openapi("NavigatorLayer");

export const DeprecationInput = z
  .object({
    provider: z.string().max(40).optional().describe("aws, azure, gcp …; omit for any"),
    apiName: z
      .string()
      .trim()
      .min(3)
      .max(200)
      .describe("the API, event or field name as rules write it, e.g. CreateAccessKey"),
    description: z.string().max(2000).optional(),
    deprecatedAt: z.string().date().optional(),
    removalDate: z
      .string()
      .date()
      .optional()
      .describe("after this date impacted detections are broken, before it degraded"),
    replacement: z.string().max(200).optional(),
  })
  .openapi("DeprecationInput");
