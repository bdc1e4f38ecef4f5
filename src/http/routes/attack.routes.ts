/**
 * @module /api/v1/attack: the ATT&CK knowledge base (versions, techniques, tactics, groups, changes between versions).
 */
import { createRoute, z } from "@hono/zod-openapi";
import {
  readGroup,
  readTechnique,
  listVersions,
  listTacticsOf,
  resolveVersion,
  searchTechniquePage,
} from "../../attack/catalog.service";
import { readChanges } from "../../attack/diff";
import {
  AttackChanges,
  AttackVersionInfo,
  AttackVersionField,
  Group,
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
import { CursorField, decodeCursor, encodeCursor, LimitField } from "../../api/paging";
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

const groupRoute = createRoute({
  method: "get",
  path: "/groups/{groupId}",
  tags: ["ATT&CK"],
  summary: "A threat group (by id, name or alias) with the techniques and software it uses",
  security: bearer,
  request: {
    params: pathParams({ groupId: GroupRefField }),
    query: VersionQuery,
  },
  responses: { 200: json(Group, "The group"), ...authErrors, 404: errorContent("No such group") },
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

const SearchCursor = z.object({ v: z.string(), o: z.number().int().min(0) });

export const attackRoutes = router()
  .openapi(versionsRoute, async (c) => {
    const versions = await listVersions(c.var.db);
    return c.json({ versions }, 200);
  })
  .openapi(searchRoute, async (c) => {
    const { q, tactic, platform, includeRevoked, limit, cursor, version: requested } = c.req.valid("query");
    const position = decodeCursor(cursor, SearchCursor);
    // A cursor pins the version it was made for, so pages never mix versions.
    const version = await resolveVersion(c.var.db, requested ?? position?.v);
    const offset = position?.o ?? 0;
    const { items, hasMore } = await searchTechniquePage(c.var.db, {
      version,
      q,
      tactic,
      platform,
      includeRevoked,
      limit,
      offset,
    });
    const nextCursor = hasMore ? encodeCursor({ v: version, o: offset + limit }) : null;
    return c.json({ attackVersion: version, items, nextCursor }, 200);
  })
  .openapi(techniqueRoute, async (c) => {
    const version = await resolveVersion(c.var.db, c.req.valid("query").version);
    return c.json(await readTechnique(c.var.db, version, c.req.valid("param").techniqueId), 200);
  })
  .openapi(tacticsRoute, async (c) => {
    const version = await resolveVersion(c.var.db, c.req.valid("query").version);
    return c.json({ attackVersion: version, tactics: await listTacticsOf(c.var.db, version) }, 200);
  })
  .openapi(groupRoute, async (c) => {
    const version = await resolveVersion(c.var.db, c.req.valid("query").version);
    return c.json(await readGroup(c.var.db, version, c.req.valid("param").groupId), 200);
  })
  .openapi(changesRoute, async (c) => {
    const { from, to } = c.req.valid("query");
    return c.json(await readChanges(c.var.db, from, to), 200);
  });
