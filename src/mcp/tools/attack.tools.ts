/**
 * @module MCP tools over the ATT&CK knowledge base. All read-only; they answer with the same
 * shapes as the REST API (attack/attack.schemas.ts) as structured content.
 */
import { z } from "@hono/zod-openapi";
import { catalogCursor, catalogPosition, CursorField, LimitField, withCatalogCursor } from "../../api/paging";
import {
  AttackChanges,
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
  GroupRefField,
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
  listProcedureExamples,
  readCampaign,
  readGroup,
  readMitigation,
  readSoftware,
  type PageArgs,
} from "../../attack/lookups.service";
import type { Db } from "../../db/client";
import { defineTool, type Tool } from "../define-tool";

const searchTechniques = defineTool({
  name: "search_techniques",
  title: "Search ATT&CK techniques",
  group: "attack",
  description:
    "Full-text search over ATT&CK techniques and sub-techniques (id, name, description), ranked by relevance, " +
    "optionally filtered by tactic and platform. Use it to find the technique id for a behaviour.",
  input: {
    query: SearchTextField.optional(),
    tactic: TacticFilterField.optional(),
    platform: PlatformFilterField.optional(),
    include_revoked: z.boolean().optional().describe(INCLUDE_REVOKED),
    limit: LimitField,
    offset: z.number().int().min(0).max(10_000).optional().describe("results to skip, for the next page"),
    version: AttackVersionField.optional(),
  },
  output: { attackVersion: z.string(), items: z.array(TechniqueHit), hasMore: z.boolean() },
  effect: { readOnly: true },
  async run(args, { db }) {
    const version = await resolveVersion(db, args.version);
    const { items, hasMore } = await searchTechniquePage(db, {
      version,
      q: args.query,
      tactic: args.tactic,
      platform: args.platform,
      includeRevoked: args.include_revoked,
      limit: args.limit,
      offset: args.offset ?? 0,
    });
    return { attackVersion: version, items, hasMore };
  },
});

const getTechnique = defineTool({
  name: "get_technique",
  title: "Get an ATT&CK technique",
  group: "attack",
  description:
    "One technique or sub-technique by id (T1059 or T1059.001) with tactics, parent and sub-techniques, platforms, " +
    "mitigations, detection strategies and analytics, and the first procedure examples (list_procedure_examples " +
    "pages the rest). A revoked id names its replacement.",
  input: { id: TechniqueIdField, version: AttackVersionField.optional() },
  output: Technique.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const version = await resolveVersion(db, args.version);
    const t = await readTechnique(db, version, args.id);
    const shown = t.procedureExamples.length;
    return { ...t, proceduresCursor: catalogCursor(version, t.procedureCount > shown ? shown : null) };
  },
});

const listProcedures = defineTool({
  name: "list_procedure_examples",
  title: "List a technique's procedure examples",
  group: "attack",
  description:
    "How groups, software and campaigns use one technique (ATT&CK's procedure examples), a page at a time, " +
    "ordered by the source's id; pass nextCursor (or get_technique's proceduresCursor) as cursor for the next page.",
  input: {
    technique_id: TechniqueIdField,
    limit: LimitField,
    cursor: CursorField.optional(),
    version: AttackVersionField.optional(),
  },
  output: ProcedurePage.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await pageOf(db, args);
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

/** The version and page to read: a cursor pins the version it was made for. */
async function pageOf(
  db: Db,
  args: { version?: string; limit: number; cursor?: string; detail?: boolean },
): Promise<{ version: string; page: PageArgs }> {
  const position = catalogPosition(args.cursor);
  const version = await resolveVersion(db, args.version ?? position.version);
  return { version, page: { limit: args.limit, offset: position.offset, detail: args.detail } };
}

const getGroup = defineTool({
  name: "get_group",
  title: "Get an ATT&CK group",
  group: "attack",
  description:
    "A threat group by ATT&CK id (G0016), name or alias (APT29, Cozy Bear): its software, how many techniques it " +
    "uses and a page of them (ids and names; detail adds each procedure text).",
  input: { id: GroupRefField, ...pageInput(DETAIL) },
  output: Group.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await pageOf(db, args);
    return withCatalogCursor(await readGroup(db, version, args.id, page));
  },
});

const getSoftware = defineTool({
  name: "get_software",
  title: "Get ATT&CK software",
  group: "attack",
  description:
    "Malware or a tool by ATT&CK id (S0002), name or alias (Mimikatz): how many techniques it uses and a page " +
    "of them (ids and names; detail adds each procedure text).",
  input: { id: SoftwareRefField, ...pageInput(DETAIL) },
  output: Software.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await pageOf(db, args);
    return withCatalogCursor(await readSoftware(db, version, args.id, page));
  },
});

const getCampaign = defineTool({
  name: "get_campaign",
  title: "Get an ATT&CK campaign",
  group: "attack",
  description:
    "A campaign by ATT&CK id (C0024), name or alias (SolarWinds Compromise): its groups and software, how many " +
    "techniques it used and a page of them (ids and names; detail adds each procedure text).",
  input: { id: CampaignRefField, ...pageInput(DETAIL) },
  output: Campaign.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await pageOf(db, args);
    return withCatalogCursor(await readCampaign(db, version, args.id, page));
  },
});

const getMitigation = defineTool({
  name: "get_mitigation",
  title: "Get an ATT&CK mitigation",
  group: "attack",
  description:
    "A mitigation by ATT&CK id (M1036) or name (Account Use Policies): how many techniques it mitigates and a page " +
    "of them (ids and names; detail adds how it applies to each).",
  input: {
    id: MitigationRefField,
    ...pageInput("also give the full description and how the mitigation applies to each technique"),
  },
  output: Mitigation.shape,
  effect: { readOnly: true },
  async run(args, { db }) {
    const { version, page } = await pageOf(db, args);
    return withCatalogCursor(await readMitigation(db, version, args.id, page));
  },
});

const getAttackChanges = defineTool({
  name: "get_attack_changes",
  title: "Changes between ATT&CK versions",
  group: "attack",
  description:
    "What changed from one loaded ATT&CK version to another, by technique id: added, removed, revoked (with the " +
    "replacement), deprecated, renamed, moved between tactics, and updated (new x_mitre_version). Use it to see " +
    "which mappings or detections an upgrade affects.",
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
  getGroup,
  getSoftware,
  getCampaign,
  getMitigation,
  getAttackChanges,
];
