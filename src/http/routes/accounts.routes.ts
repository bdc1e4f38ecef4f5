/**
 * @module /api/v1/accounts: accounts, detections (list, imports, health), coverage, gaps, overlaps,
 * history, mappings and their review, and the coverage Navigator layer. Lists page with cursors.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimitOf } from "../../api/body-limits";
import { afterCreated, CursorField, decodeCursor, encodeCursor, LimitField, nextCreatedCursor } from "../../api/paging";
import { createAccount, listAccountPage, toAccount, updateAccount } from "../../coverage/accounts.service";
import {
  Account,
  AccountIdField,
  AccountInput,
  AccountUpdate,
  Coverage,
  DetectionFilters,
  DetectionIdField,
  DetectionKey,
  DetectionSummary,
  Freshness,
  Gap,
  GapKey,
  GapStatusChange,
  GapStatusField,
  GapStatusInput,
  Health,
  HealthInput,
  HealthView,
  ImportInput,
  ImportOutput,
  Layer,
  Mapping,
  MappingIdField,
  MappingKey,
  MappingReview,
  MethodFilterField,
  Overlaps,
  ValidationFilterField,
} from "../../coverage/coverage.schemas";
import {
  listGaps,
  readCoverage,
  readHealth,
  readHistory,
  readOverlaps,
  requireAccount,
} from "../../coverage/coverage.service";
import { readAccountDeprecations } from "../../coverage/deprecations.service";
import {
  importAndRecompute,
  listAccountDetections,
  listAccountMappings,
  recordHealth,
  reviewMapping,
} from "../../coverage/detections.service";
import { setGapStatus } from "../../coverage/gap-status.service";
import { readAccountLayer } from "../../coverage/layers";
import { TechniqueIdField } from "../../attack/attack.schemas";
import { AppError } from "../../errors";
import { authErrors, bearer, errorContent, json, pathParams, router } from "../openapi";

const AccountParams = pathParams({ accountId: AccountIdField });
const notFound = { 404: errorContent("No such account for this tenant") };
const route = (path: string, summary: string, response: z.ZodType) => ({
  method: "get" as const,
  path,
  tags: ["Coverage"],
  summary,
  security: bearer,
  responses: { 200: json(response, summary), ...authErrors, ...notFound },
});
const get = (path: string, summary: string, response: z.ZodType) =>
  createRoute({ ...route(path, summary, response), request: { params: AccountParams } });
const getWithQuery = <Q extends z.ZodObject>(path: string, summary: string, response: z.ZodType, query: Q) =>
  createRoute({ ...route(path, summary, response), request: { params: AccountParams, query } });

const createRouteDef = createRoute({
  method: "post",
  path: "/",
  tags: ["Coverage"],
  summary: "Register an account (cloud account, subscription, project, estate); its coverage starts empty",
  security: bearer,
  request: { body: { required: true, content: { "application/json": { schema: AccountInput } } } },
  responses: {
    201: json(Account, "Created"),
    ...authErrors,
    409: errorContent("The tenant already has this provider + identifier"),
  },
});

const updateRoute = createRoute({
  method: "patch",
  path: "/{accountId}",
  tags: ["Coverage"],
  summary: "Change an account: new platforms or criticality recompute its coverage before the answer",
  security: bearer,
  request: {
    params: AccountParams,
    body: { required: true, content: { "application/json": { schema: AccountUpdate } } },
  },
  responses: { 200: json(Account, "The account as changed"), ...authErrors, ...notFound },
});

/** A page of a list: `nextCursor` goes back as `cursor` for the next one. */
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), hasMore: z.boolean(), nextCursor: z.string().nullable() });
const Paging = { limit: LimitField, cursor: CursorField.optional() };

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["Coverage"],
  summary: "The tenant's accounts, newest first",
  security: bearer,
  request: { query: z.object(Paging) },
  responses: { 200: json(page(Account), "Accounts"), ...authErrors },
});

const importRoute = createRoute({
  method: "post",
  path: "/{accountId}/detections/import",
  tags: ["Coverage"],
  summary: "Import detection rules (Sigma YAML, Splunk YAML, Elastic TOML) into the account; ≤ 500 files a call",
  security: bearer,
  middleware: [
    bodyLimitOf(
      64 * 1024 * 1024,
      () => new AppError(413, "payload_too_large", "an import body is at most 64 MB: send fewer files per call"),
    ),
  ] as const,
  request: {
    params: AccountParams,
    body: { required: true, content: { "application/json": { schema: ImportInput } } },
  },
  responses: {
    200: json(ImportOutput, "What was imported, changed, left alone and refused (per file)"),
    ...authErrors,
    ...notFound,
  },
});

const reviewRoute = createRoute({
  method: "patch",
  path: "/{accountId}/mappings/{mappingId}",
  tags: ["Coverage"],
  summary: "Validate or dispute a detection → technique mapping (an nlp mapping counts once validated)",
  security: bearer,
  request: {
    params: pathParams({ accountId: AccountIdField, mappingId: MappingIdField }),
    body: { required: true, content: { "application/json": { schema: MappingReview } } },
  },
  responses: { 200: json(Mapping, "The mapping"), ...authErrors, 404: errorContent("No such mapping") },
});

const healthPutRoute = createRoute({
  method: "put",
  path: "/{accountId}/detections/{detectionId}/health",
  tags: ["Coverage"],
  summary: "Report a detection's health (from your validation or alerting pipeline); recomputes coverage",
  security: bearer,
  request: {
    params: pathParams({ accountId: AccountIdField, detectionId: DetectionIdField }),
    body: { required: true, content: { "application/json": { schema: HealthInput } } },
  },
  responses: { 200: json(Health, "Recorded"), ...authErrors, 404: errorContent("No such detection") },
});

const gapStatusRoute = createRoute({
  method: "put",
  path: "/{accountId}/gaps/{techniqueId}/status",
  tags: ["Coverage"],
  summary: "Triage a gap: acknowledged, accepted_risk (reason required, optional expiry), remediated, or open again",
  security: bearer,
  request: {
    params: pathParams({ accountId: AccountIdField, techniqueId: TechniqueIdField }),
    body: { required: true, content: { "application/json": { schema: GapStatusInput } } },
  },
  responses: {
    200: json(GapStatusChange, "The gap's new status"),
    ...authErrors,
    404: errorContent("No such account, or the technique is not one of its gaps"),
    409: errorContent("The gap's current status does not allow this one (the message names those it allows)"),
  },
});

export const accountRoutes = router()
  .openapi(createRouteDef, async (c) =>
    c.json(await createAccount(c.var.db, c.var.caller.tenantId, c.req.valid("json")), 201),
  )
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const { items, hasMore, last } = await listAccountPage(c.var.db, c.var.caller.tenantId, {
      limit: q.limit,
      after: afterCreated(q.cursor),
    });
    return c.json({ items, hasMore, nextCursor: nextCreatedCursor(hasMore, last) }, 200);
  })
  .openapi(get("/{accountId}", "An account", Account), async (c) =>
    c.json(toAccount(await requireAccount(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId)), 200),
  )
  .openapi(updateRoute, async (c) =>
    c.json(
      await updateAccount(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId, c.req.valid("json")),
      200,
    ),
  )
  .openapi(importRoute, async (c) =>
    c.json(
      await importAndRecompute(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId, c.req.valid("json")),
      200,
    ),
  )
  .openapi(
    get("/{accountId}/coverage", "The stored coverage per tactic and overall, and detection health", Coverage),
    async (c) => c.json(await readCoverage(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId), 200),
  )
  .openapi(
    get(
      "/{accountId}/coverage/layer",
      "The coverage as an ATT&CK Navigator layer (4.5): the detection score (-1 to 5) of each technique of its platforms",
      Layer,
    ),
    async (c) => c.json(await readAccountLayer(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId), 200),
  )
  .openapi(
    getWithQuery(
      "/{accountId}/gaps",
      "Techniques the account does not detect, riskiest first, with NIST 800-53 controls",
      page(Gap).extend(Freshness),
      z.object({ status: GapStatusField.optional(), ...Paging }),
    ),
    async (c) => {
      const q = c.req.valid("query");
      const { next, ...gaps } = await listGaps(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId, {
        status: q.status,
        limit: q.limit,
        after: decodeCursor(q.cursor, GapKey),
      });
      return c.json({ ...gaps, nextCursor: next && encodeCursor(next) }, 200);
    },
  )
  .openapi(
    get(
      "/{accountId}/overlaps",
      "Techniques several detections cover: beneficial depth or excessive redundancy",
      Overlaps,
    ),
    async (c) => c.json(await readOverlaps(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId), 200),
  )
  .openapi(
    getWithQuery(
      "/{accountId}/history",
      "Coverage after each scan, newest first",
      z.object({ items: z.array(z.object({}).passthrough()) }),
      z.object({ limit: LimitField }),
    ),
    async (c) =>
      c.json(
        {
          items: await readHistory(
            c.var.db,
            c.var.caller.tenantId,
            c.req.valid("param").accountId,
            c.req.valid("query").limit,
          ),
        },
        200,
      ),
  )
  .openapi(
    get("/{accountId}/health", "Detection health: summary and the detections that need attention", HealthView),
    async (c) => c.json(await readHealth(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId), 200),
  )
  .openapi(
    getWithQuery(
      "/{accountId}/mappings",
      "Detection → technique mappings, e.g. the nlp ones waiting for review (validation=pending&method=nlp)",
      page(Mapping),
      z.object({ validation: ValidationFilterField.optional(), method: MethodFilterField.optional(), ...Paging }),
    ),
    async (c) => {
      const { cursor, ...q } = c.req.valid("query");
      const { next, ...mappings } = await listAccountMappings(
        c.var.db,
        c.var.caller.tenantId,
        c.req.valid("param").accountId,
        { ...q, after: decodeCursor(cursor, MappingKey) },
      );
      return c.json({ ...mappings, nextCursor: next && encodeCursor(next) }, 200);
    },
  )
  .openapi(
    getWithQuery(
      "/{accountId}/detections",
      "The account's present detections by name: format, status, health and mapped techniques",
      page(DetectionSummary),
      z.object({
        technique: DetectionFilters.technique.optional(),
        format: DetectionFilters.format.optional(),
        health: DetectionFilters.health.optional(),
        enabled: z
          .enum(["true", "false"])
          .optional()
          .transform((v) => (v === undefined ? undefined : v === "true"))
          .describe("true: only enabled rules; false: only disabled or deprecated ones"),
        ...Paging,
      }),
    ),
    async (c) => {
      const { cursor, ...q } = c.req.valid("query");
      const { next, ...detections } = await listAccountDetections(
        c.var.db,
        c.var.caller.tenantId,
        c.req.valid("param").accountId,
        { ...q, after: decodeCursor(cursor, DetectionKey) },
      );
      return c.json({ ...detections, nextCursor: next && encodeCursor(next) }, 200);
    },
  )
  .openapi(
    get(
      "/{accountId}/deprecations",
      "The account's detections that use a deprecated API, event or field",
      z.object({
        items: z.array(
          z.object({
            detectionId: z.string(),
            detection: z.string(),
            impact: z.string(),
            apiName: z.string(),
            removalDate: z.string().nullable(),
            replacement: z.string().nullable(),
          }),
        ),
      }),
    ),
    async (c) =>
      c.json(
        { items: await readAccountDeprecations(c.var.db, c.var.caller.tenantId, c.req.valid("param").accountId) },
        200,
      ),
  )
  .openapi(reviewRoute, async (c) => {
    const { accountId: id, mappingId } = c.req.valid("param");
    return c.json(await reviewMapping(c.var.db, c.var.caller.tenantId, id, mappingId, c.req.valid("json")), 200);
  })
  .openapi(gapStatusRoute, async (c) => {
    const { accountId: id, techniqueId } = c.req.valid("param");
    return c.json(await setGapStatus(c.var.db, c.var.caller, id, techniqueId, c.req.valid("json")), 200);
  })
  .openapi(healthPutRoute, async (c) => {
    const { accountId: id, detectionId } = c.req.valid("param");
    return c.json(await recordHealth(c.var.db, c.var.caller.tenantId, id, detectionId, c.req.valid("json")), 200);
  });
