/**
 * @module /api/v1/attack: the ATT&CK knowledge base (versions, techniques and their procedure examples,
 * tactics, groups, software, campaigns, mitigations, changes between versions).
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  readTechnique,
  listVersions,
  listTacticsOf,
  resolveVersion,
  searchTechniquePage,
} from "../../attack/catalog.service";
import { readChanges } from "../../attack/diff";
import {
  catalogPage,
  listProcedureExamples,
  readCampaign,
  readGroup,
  readMitigation,
  readSoftware,
} from "../../attack/lookups.service";
import {
  AttackChanges,
  AttackVersionInfo,
  AttackVersionField,
  Campaign,
  CampaignRefField,
  DETAIL,
  Group,
  Mitigation,
  MitigationRefField,
  ProcedurePage,
  Software,
  SoftwareRefField,
  Tactic,
  Technique,
  TechniqueHit,
  GroupRefField,
  INCLUDE_REVOKED,
  PlatformFilterField,
  SearchTextField,
  TacticFilterField,
  TechniqueIdField,
} from "../../attack/attack.schemas";
import {
  catalogCursor,
  catalogPosition,
  CursorField,
  LimitField,
  withCatalogCursor,
  withProceduresCursor,
} from "../../api/paging";
import { authErrors, bearer, boolQuery, errorContent, json, pathParams, router } from "../openapi";

const VersionQuery = z.object({ version: AttackVersionField.optional() });

const versionsRoute = createRoute({
  method: "get",
  path: "/versions",
  tags: ["ATT&CK"],
  summary: "Loaded ATT&CK versions with counts of their active objects",
  security: bearer,
  responses: {
    200: json(z.object({ versions: z.array(AttackVersionInfo) }), "Loaded versions, the active one first"),
    ...authErrors,
  },
});

const searchRoute = createRoute({
  method: "get",
  path: "/techniques",
  tags: ["ATT&CK"],
  summary: "Search techniques and sub-techniques (full text, ranked), filter by tactic and platform",
  security: bearer,
  request: {
    query: VersionQuery.extend({
      q: SearchTextField.optional(),
      tactic: TacticFilterField.optional(),
      platform: PlatformFilterField.optional(),
      includeRevoked: boolQuery(INCLUDE_REVOKED),
      limit: LimitField,
      cursor: CursorField.optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ attackVersion: z.string(), items: z.array(TechniqueHit), nextCursor: z.string().nullable() }),
      "Matching techniques, best first",
    ),
    ...authErrors,
  },
});

const techniqueRoute = createRoute({
  method: "get",
  path: "/techniques/{techniqueId}",
  tags: ["ATT&CK"],
  summary:
    "A technique with its tactics, parent and sub-techniques, mitigations, detection strategies and procedure examples",
  security: bearer,
  request: {
    params: pathParams({ techniqueId: TechniqueIdField }),
    query: VersionQuery,
  },
  responses: {
    200: json(Technique, "The technique; a revoked one names its replacement in revokedBy"),
    ...authErrors,
    404: errorContent("No such technique in that version, or the version is not loaded"),
  },
});

const tacticsRoute = createRoute({
  method: "get",
  path: "/tactics",
  tags: ["ATT&CK"],
  summary: "Tactics in matrix order",
  security: bearer,
  request: { query: VersionQuery },
  responses: { 200: json(z.object({ attackVersion: z.string(), tactics: z.array(Tactic) }), "Tactics"), ...authErrors },
});

/** Paging and detail of a lookup's techniques. */
const PageQuery = VersionQuery.extend({
  limit: LimitField,
  cursor: CursorField.optional(),
  detail: boolQuery(DETAIL),
});

/** A lookup by id, name or alias: one route shape for groups, software, campaigns and mitigations. */
function lookupRoute<P extends string, S extends z.ZodType>(
  path: string,
  param: P,
  field: z.ZodString,
  schema: S,
  summary: string,
  noun: string,
) {
  return createRoute({
    method: "get",
    path,
    tags: ["ATT&CK"],
    summary,
    security: bearer,
    request: { params: pathParams({ [param]: field } as Record<P, z.ZodString>), query: PageQuery },
    responses: {
      200: json(schema, `The ${noun} with a page of its techniques`),
      ...authErrors,
      400: errorContent("The name or alias is ambiguous: the message lists the candidates' ids"),
      404: errorContent(`No such ${noun}; the message says where to look instead`),
    },
  });
}

const groupRoute = lookupRoute(
  "/groups/{groupId}",
  "groupId",
  GroupRefField,
  Group,
  "A threat group (by id, name or alias) with the techniques (paged) and software it uses",
  "group",
);
const softwareRoute = lookupRoute(
  "/software/{softwareId}",
  "softwareId",
  SoftwareRefField,
  Software,
  "Malware or a tool (by id, name or alias) with the techniques it uses (paged)",
  "software",
);
const campaignRoute = lookupRoute(
  "/campaigns/{campaignId}",
  "campaignId",
  CampaignRefField,
  Campaign,
  "A campaign (by id, name or alias) with its groups, software and the techniques it used (paged)",
  "campaign",
);
const mitigationRoute = lookupRoute(
  "/mitigations/{mitigationId}",
  "mitigationId",
  MitigationRefField,
  Mitigation,
  "A mitigation (by id or name) with the techniques it mitigates (paged)",
  "mitigation",
);

const proceduresRoute = createRoute({
  method: "get",
  path: "/techniques/{techniqueId}/procedures",
  tags: ["ATT&CK"],
  summary: "A technique's procedure examples: how groups, software and campaigns use it, a page at a time",
  security: bearer,
  request: {
    params: pathParams({ techniqueId: TechniqueIdField }),
    query: VersionQuery.extend({ limit: LimitField, cursor: CursorField.optional() }),
  },
  responses: {
    200: json(ProcedurePage, "A page of procedure examples, ordered by the source's id"),
    ...authErrors,
    404: errorContent("No such technique in that version, or the version is not loaded"),
  },
});

const changesRoute = createRoute({
  method: "get",
  path: "/changes",
  tags: ["ATT&CK"],
  summary:
    "Techniques added, removed, revoked, deprecated, renamed, moved between tactics or updated from one loaded version to another",
  security: bearer,
  request: {
    query: z.object({
      from: AttackVersionField.describe("the ATT&CK version to compare from, e.g. 17.1"),
      to: AttackVersionField.describe("the ATT&CK version to compare to, e.g. 18.1"),
    }),
  },
  responses: {
    200: json(AttackChanges, "The changes, each list sorted by technique id"),
    ...authErrors,
    404: errorContent("One of the versions is not loaded; the message lists the loaded ones"),
  },
});

export const attackRoutes = router()
  .openapi(versionsRoute, async (c) => {
    const versions = await listVersions(c.var.db);
    return c.json({ versions }, 200);
  })
  .openapi(searchRoute, async (c) => {
    const { q, tactic, platform, includeRevoked, limit, cursor, version: requested } = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, { version: requested, limit }, catalogPosition(cursor));
    const { offset } = page;
    const { items, hasMore } = await searchTechniquePage(c.var.db, {
      version,
      q,
      tactic,
      platform,
      includeRevoked,
      limit,
      offset,
    });
    const nextCursor = catalogCursor(version, hasMore ? offset + limit : null);
    return c.json({ attackVersion: version, items, nextCursor }, 200);
  })
  .openapi(techniqueRoute, async (c) => {
    const version = await resolveVersion(c.var.db, c.req.valid("query").version);
    return c.json(withProceduresCursor(await readTechnique(c.var.db, version, c.req.valid("param").techniqueId)), 200);
  })
  .openapi(tacticsRoute, async (c) => {
    const version = await resolveVersion(c.var.db, c.req.valid("query").version);
    return c.json({ attackVersion: version, tactics: await listTacticsOf(c.var.db, version) }, 200);
  })
  .openapi(proceduresRoute, async (c) => {
    const query = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, query, catalogPosition(query.cursor));
    return c.json(
      withCatalogCursor(await listProcedureExamples(c.var.db, version, c.req.valid("param").techniqueId, page)),
      200,
    );
  })
  .openapi(groupRoute, async (c) => {
    const query = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, query, catalogPosition(query.cursor));
    return c.json(withCatalogCursor(await readGroup(c.var.db, version, c.req.valid("param").groupId, page)), 200);
  })
  .openapi(softwareRoute, async (c) => {
    const query = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, query, catalogPosition(query.cursor));
    return c.json(withCatalogCursor(await readSoftware(c.var.db, version, c.req.valid("param").softwareId, page)), 200);
  })
  .openapi(campaignRoute, async (c) => {
    const query = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, query, catalogPosition(query.cursor));
    return c.json(withCatalogCursor(await readCampaign(c.var.db, version, c.req.valid("param").campaignId, page)), 200);
  })
  .openapi(mitigationRoute, async (c) => {
    const query = c.req.valid("query");
    const { version, page } = await catalogPage(c.var.db, query, catalogPosition(query.cursor));
    return c.json(
      withCatalogCursor(await readMitigation(c.var.db, version, c.req.valid("param").mitigationId, page)),
      200,
    );
  })
  .openapi(changesRoute, async (c) => {
    const { from, to } = c.req.valid("query");
    return c.json(await readChanges(c.var.db, from, to), 200);
  });
