/**
 * @module MCP tools over the ATT&CK knowledge base. All read-only; they answer with the same
 * shapes as the REST API (attack/attack.schemas.ts) as structured content.
 */
import { z } from "@hono/zod-openapi";
import {
  catalogCursor,
  catalogPosition,
  CursorField,
  LimitField,
  withCatalogCursor,
  withProceduresCursor,
} from "../../api/paging";
import {
  AttackChanges,
  AttackVersionField,
  Campaign,
  DETAIL,
  Group,
  Mitigation,
  ProcedurePage,
  Software,
  INCLUDE_REVOKED,
  PlatformFilterField,
  SearchTextField,
  Tactic,
  TacticFilterField,
  Technique,
  TechniqueHit,
  TechniqueIdField,
} from "../../attack/attack.schemas";
import { readTechnique, listTacticsOf, resolveVersion, searchTechniquePage } from "../../attack/catalog.service";
import { readChanges } from "../../attack/diff";
import {
  catalogPage,
  kindOfId,
  listProcedureExamples,
  OBJECT_KINDS,
  readCampaign,
  readGroup,
  readMitigation,
  readSoftware,
} from "../../attack/lookups.service";
import { AppError, notFound } from "../../errors";
import { defineTool, type Tool } from "../define-tool";

const searchTechniques = defineTool({
  name: "search_techniques",
  title: "Search ATT&CK techniques",
  group: "attack",
  description:
    "Full-text search of ATT&CK techniques, ranked, optionally by tactic and platform: finds the id for a behaviour.",
  input: {
    query: SearchTextField.optional(),
    tactic: TacticFilterField.optional(),
    platform: PlatformFilterField.optional(),
    include_revoked: z.boolean().optional().describe(INCLUDE_REVOKED),
    limit: LimitField,
    cursor: CursorField.optional(),
    version: AttackVersionField.optional(),
  },
  output: {
    attackVersion: z.string(),
    items: z.array(TechniqueHit),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable().describe("pass as cursor for the next page; null on the last"),
  },
  effect: { readOnly: true },
  async run(args, { db }) {
    // The cursor REST hands out: it keeps the ATT&CK version its first page read.
    const { version, page } = await catalogPage(db, args, catalogPosition(args.cursor));
    const { items, hasMore } = await searchTechniquePage(db, {
      version,
      q: args.query,
      tactic: args.tactic,
      platform: args.platform,
      includeRevoked: args.include_revoked,
      limit: args.limit,
      offset: page.offset,
    });
    const nextCursor = catalogCursor(version, hasMore ? page.offset + args.limit : null);
    return { attackVersion: version, items, hasMore, nextCursor };
  },
});

const getTechnique = defineTool({
  name: "get_technique",
  title: "Get an ATT&CK technique",
  group: "attack",
  description:
    "A technique by id: tactics, parent, sub-techniques, platforms, mitigations, detection analytics, first procedure examples; a revoked id names its successor.",
  input: { id: TechniqueIdField, version: AttackVersionField.optional() },
  output: Technique.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    return withProceduresCursor(await readTechnique(db, await resolveVersion(db, args.version), args.id));
  },
});

const listProcedures = defineTool({
  name: "list_procedure_examples",
  title: "List a technique's procedure examples",
  group: "attack",
  description: "How groups, software and campaigns use a technique (ATT&CK procedure examples), paged.",
  input: {
    technique_id: TechniqueIdField,
    limit: LimitField,
    cursor: CursorField.optional(),
    version: AttackVersionField.optional(),
  },
  output: ProcedurePage.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await catalogPage(db, args, catalogPosition(args.cursor));
    return withCatalogCursor(await listProcedureExamples(db, version, args.technique_id, page));
  },
});

const listTactics = defineTool({
  name: "list_tactics",
  title: "List ATT&CK tactics",
  group: "attack",
  description: "The Enterprise tactics in matrix order (reconnaissance … impact) with how many techniques each holds.",
  input: { version: AttackVersionField.optional() },
  output: { attackVersion: z.string(), tactics: z.array(Tactic) },
  effect: { readOnly: true },
  async run(args, { db }) {
    const version = await resolveVersion(db, args.version);
    return { attackVersion: version, tactics: await listTacticsOf(db, version) };
  },
});

/** Paging and detail of a lookup's techniques, the same for every lookup tool. */
const pageInput = (detail: string) => ({
  limit: LimitField,
  cursor: CursorField.optional(),
  detail: z.boolean().optional().describe(detail),
  version: AttackVersionField.optional(),
});

const READERS = { group: readGroup, software: readSoftware, campaign: readCampaign, mitigation: readMitigation };

/** Every field any kind answers with; `kind` says which it is. */
const AttackObject = z
  .object({ kind: z.enum(OBJECT_KINDS) })
  .extend(Group.partial().shape)
  .extend(Software.partial().shape)
  .extend(Campaign.partial().shape)
  .extend(Mitigation.partial().shape);

const getAttackObject = defineTool({
  name: "get_attack_object",
  title: "Get an ATT&CK group, software, campaign or mitigation",
  group: "attack",
  description:
    "A group, software, campaign or mitigation by id, name or alias (G0016, Mimikatz, C0024, M1036) with a page of its techniques.",
  input: {
    id: z.string().max(100).describe("ATT&CK id, name or alias"),
    kind: z.enum(OBJECT_KINDS).optional().describe("what the name names, when it could be several kinds"),
    ...pageInput(DETAIL),
  },
  output: AttackObject.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await catalogPage(db, args, catalogPosition(args.cursor));
    const kind = args.kind ?? kindOfId(args.id);
    if (kind) return { kind, ...withCatalogCursor(await READERS[kind](db, version, args.id, page)) };
    // A name or alias: the first kind that has it (an ambiguous name within a kind is refused there).
    for (const k of OBJECT_KINDS) {
      try {
        return { kind: k, ...withCatalogCursor(await READERS[k](db, version, args.id, page)) };
      } catch (e) {
        if (!(e instanceof AppError && e.status === 404)) throw e;
      }
    }
    throw notFound(
      `no ATT&CK ${version} group, software, campaign or mitigation is named '${args.id}'; ` +
        "find techniques by behaviour with search_techniques",
    );
  },
});

const getAttackChanges = defineTool({
  name: "get_attack_changes",
  title: "Changes between ATT&CK versions",
  group: "attack",
  description:
    "What changed between two loaded ATT&CK versions: techniques added, removed, revoked, deprecated, renamed, moved, updated.",
  input: {
    from: AttackVersionField.describe("the ATT&CK version to compare from, e.g. 17.1"),
    to: AttackVersionField.describe("the ATT&CK version to compare to, e.g. 18.1"),
  },
  output: AttackChanges.shape,
  effect: { readOnly: true },
  run: (args, { db }) => readChanges(db, args.from, args.to),
});

export const attackTools: Tool[] = [
  searchTechniques,
  getTechnique,
  listProcedures,
  listTactics,
  getAttackObject,
  getAttackChanges,
];
