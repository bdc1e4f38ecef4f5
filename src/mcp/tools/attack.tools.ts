/**
 * @module MCP tools over the ATT&CK knowledge base. All read-only; they answer with the same
 * shapes as the REST API (attack/attack.schemas.ts) as structured content.
 */
import { z } from "@hono/zod-openapi";
import { LimitField } from "../../api/paging";
import {
  AttackChanges,
  AttackVersionField,
  Group,
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
import {
  readGroup,
  readTechnique,
  listTacticsOf,
  resolveVersion,
  searchTechniquePage,
} from "../../attack/catalog.service";
import { readChanges } from "../../attack/diff";
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
    "mitigations, detection strategies and analytics, and procedure examples. A revoked id names its replacement.",
  input: { id: TechniqueIdField, version: AttackVersionField.optional() },
  output: Technique.shape,
  effect: { readOnly: true },
  run: async (args, { db }) => readTechnique(db, await resolveVersion(db, args.version), args.id),
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

const getGroup = defineTool({
  name: "get_group",
  title: "Get an ATT&CK group",
  group: "attack",
  description:
    "A threat group by ATT&CK id (G0016), name or alias (APT29, Cozy Bear) with the techniques it uses " +
    "(each with ATT&CK's procedure text) and its software.",
  input: { id: GroupRefField, version: AttackVersionField.optional() },
  output: Group.shape,
  effect: { readOnly: true },
  run: async (args, { db }) => readGroup(db, await resolveVersion(db, args.version), args.id),
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

export const attackTools: Tool[] = [searchTechniques, getTechnique, listTactics, getGroup, getAttackChanges];
