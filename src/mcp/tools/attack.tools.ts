/**
 * @module MCP tools over the ATT&CK knowledge base. All read-only; they return the same shapes as
 * the REST API (see attack/schemas.ts) as structured content.
 */
import { z } from "@hono/zod-openapi";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  getGroupDetail,
  getTechniqueDetail,
  listTacticSummaries,
  resolveVersion,
  searchTechniqueHits,
} from "../../attack/catalog.service";
import { getChanges } from "../../attack/diff";
import { AttackChanges, AttackVersionParam, Group, Tactic, Technique, TechniqueHit } from "../../attack/attack.schemas";
import type { ToolContext } from "../server";
import { ok, runTool } from "../tool-result";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export function registerAttackTools(server: McpServer, { db }: ToolContext): void {
  server.registerTool(
    "search_techniques",
    {
      title: "Search ATT&CK techniques",
      description:
        "Full-text search over ATT&CK techniques and sub-techniques (id, name, description), ranked by relevance, " +
        "optionally filtered by tactic and platform. Use it to find the technique id for a behaviour.",
      inputSchema: {
        query: z
          .string()
          .max(200)
          .optional()
          .describe("words describing the behaviour, e.g. 'spearphishing attachment'"),
        tactic: z.string().max(64).optional().describe("tactic id, shortname or name: TA0001, initial-access"),
        platform: z.string().max(64).optional().describe("platform, e.g. Windows, Linux, macOS, IaaS"),
        include_revoked: z.boolean().optional().describe("also return revoked and deprecated techniques"),
        limit: z.number().int().min(1).max(50).optional().describe("how many results, default 10"),
        offset: z.number().int().min(0).max(10_000).optional().describe("results to skip, for the next page"),
        version: AttackVersionParam.optional(),
      },
      outputSchema: { attackVersion: z.string(), items: z.array(TechniqueHit), hasMore: z.boolean() },
      annotations: READ_ONLY,
    },
    (args) =>
      runTool(async () => {
        const version = await resolveVersion(db, args.version);
        const { items, hasMore } = await searchTechniqueHits(db, {
          version,
          q: args.query,
          tactic: args.tactic,
          platform: args.platform,
          includeRevoked: args.include_revoked,
          limit: args.limit ?? 10,
          offset: args.offset ?? 0,
        });
        return ok({ attackVersion: version, items, hasMore });
      }),
  );

  server.registerTool(
    "get_technique",
    {
      title: "Get an ATT&CK technique",
      description:
        "One technique or sub-technique by id (T1059 or T1059.001) with tactics, parent and sub-techniques, platforms, " +
        "mitigations, detection strategies and analytics, and procedure examples. A revoked id names its replacement.",
      inputSchema: {
        id: z.string().max(20).describe("ATT&CK technique id, e.g. T1566.001"),
        version: AttackVersionParam.optional(),
      },
      outputSchema: Technique.shape,
      annotations: READ_ONLY,
    },
    (args) => runTool(async () => ok(await getTechniqueDetail(db, await resolveVersion(db, args.version), args.id))),
  );

  server.registerTool(
    "list_tactics",
    {
      title: "List ATT&CK tactics",
      description:
        "The Enterprise tactics in matrix order (reconnaissance … impact) with how many techniques each holds.",
      inputSchema: { version: AttackVersionParam.optional() },
      outputSchema: { attackVersion: z.string(), tactics: z.array(Tactic) },
      annotations: READ_ONLY,
    },
    (args) =>
      runTool(async () => {
        const version = await resolveVersion(db, args.version);
        return ok({ attackVersion: version, tactics: await listTacticSummaries(db, version) });
      }),
  );

  server.registerTool(
    "get_group",
    {
      title: "Get an ATT&CK group",
      description:
        "A threat group by ATT&CK id (G0016), name or alias (APT29, Cozy Bear) with the techniques it uses " +
        "(each with ATT&CK's procedure text) and its software.",
      inputSchema: {
        id: z.string().min(1).max(100).describe("group id, name or alias"),
        version: AttackVersionParam.optional(),
      },
      outputSchema: Group.shape,
      annotations: READ_ONLY,
    },
    (args) => runTool(async () => ok(await getGroupDetail(db, await resolveVersion(db, args.version), args.id))),
  );

  server.registerTool(
    "get_attack_changes",
    {
      title: "Changes between ATT&CK versions",
      description:
        "What changed from one loaded ATT&CK version to another, by technique id: added, removed, revoked (with the " +
        "replacement), deprecated, renamed, moved between tactics, and updated (new x_mitre_version). Use it to see " +
        "which mappings or detections an upgrade affects.",
      inputSchema: {
        from: AttackVersionParam.describe("the ATT&CK version to compare from, e.g. 17.1"),
        to: AttackVersionParam.describe("the ATT&CK version to compare to, e.g. 18.1"),
      },
      outputSchema: AttackChanges.shape,
      annotations: READ_ONLY,
    },
    (args) => runTool(async () => ok(await getChanges(db, args.from, args.to))),
  );
}
