/**
 * @module Shapes of coverage data as REST and MCP serve them.
 */
import { z } from "@hono/zod-openapi";
import { CRITICALITIES, ENVIRONMENTS, HEALTH_STATUSES, MAPPING_METHODS, VALIDATIONS } from "../db/schema";

export const AccountInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    provider: z.string().max(40).describe("aws, azure, gcp, on_prem, saas or other"),
    identifier: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe("the provider's id for the account (AWS account id, subscription id …)"),
    environment: z.enum(ENVIRONMENTS),
    criticality: z.enum(CRITICALITIES).describe("weighs the risk of its gaps"),
    regions: z.array(z.string().max(64)).max(100).optional(),
  })
  .openapi("AccountInput");

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    provider: z.string(),
    identifier: z.string(),
    environment: z.enum(ENVIRONMENTS),
    criticality: z.enum(CRITICALITIES),
    regions: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi("Account");

/** Files one import call takes; a larger rule set goes in several calls with the same scanId. */
export const MAX_FILES_PER_IMPORT = 500;

export const ImportInput = z
  .object({
    format: z.enum(["sigma", "splunk", "elastic"]),
    files: z
      .array(z.object({ path: z.string().max(1000), content: z.string() }))
      .min(1)
      .max(MAX_FILES_PER_IMPORT)
      .describe(`at most ${MAX_FILES_PER_IMPORT} files per call`),
    scanId: z.string().uuid().optional().describe("continue a scan started by an earlier call"),
    complete: z
      .boolean()
      .optional()
      .describe("this call ends a scan that held every rule of the format: rules not seen are marked removed"),
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

export const Coverage = z
  .object({
    accountId: z.string(),
    attackVersion: z.string(),
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
    computedAt: z.string(),
    health: z.record(z.string(), z.number().int()),
  })
  .openapi("Coverage");

const Control = z.object({ id: z.string(), name: z.string(), inherited: z.boolean() });

export const Gap = z
  .object({
    techniqueId: z.string(),
    name: z.string(),
    tactics: z.array(z.string()),
    riskScore: z.number().describe("(groups + software + campaigns using it + 1) × account criticality (3/2/1)"),
    status: z.string(),
    firstIdentifiedAt: z.string(),
    controls: z.array(Control).describe("NIST SP 800-53 rev5 controls mapped to the technique"),
  })
  .openapi("Gap");

export const ThreatGaps = z
  .object({
    account: z.object({ id: z.string(), name: z.string(), criticality: z.string() }),
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
        detections: z.array(z.object({ id: z.string(), name: z.string() })),
        riskScore: z.number().nullable(),
        controls: z.array(Control),
        note: z.string().optional(),
      }),
    ),
  })
  .openapi("ThreatGaps");

export const MappingReview = z
  .object({
    validation: z.enum(["validated", "disputed", "pending"]),
    rationale: z.string().max(2000).optional(),
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

export const HealthInput = z
  .object({
    status: z.enum(HEALTH_STATUSES),
    lastValidatedAt: z.string().datetime().optional(),
    lastTriggeredAt: z.string().datetime().optional(),
    issues: z.array(z.string().max(500)).max(50).optional(),
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

/** An account's detections by health, and those that need attention. */
export const HealthView = z.object({
  summary: z.record(z.string(), z.number()),
  attention: z.array(z.object({}).passthrough()),
});

/** A Navigator layer; its full shape is validated by src/coverage/navigator.ts. */
export const Layer = z.record(z.string(), z.unknown()).openapi("NavigatorLayer");
