/**
 * @module ATT&CK as the API takes and serves it: the fields REST and MCP both read (one schema
 * each, so the surfaces cannot drift) and the shapes both answer with.
 */
import { z } from "@hono/zod-openapi";

/** `.describe()` comes last on a field: `.openapi()` returns a copy without the description MCP's JSON schema reads. */
export const ATTACK_VERSION = /^\d+(\.\d+)*$/;
export const AttackVersionField = z
  .string()
  .regex(ATTACK_VERSION, "an ATT&CK version such as 18.1")
  .openapi({ example: "18.1" })
  .describe("ATT&CK version to read; defaults to the active version");
export const TechniqueIdField = z
  .string()
  .max(20)
  .openapi({ example: "T1566.001" })
  .describe("ATT&CK technique or sub-technique id, e.g. T1566.001");
export const GroupRefField = z
  .string()
  .min(1)
  .max(100)
  .openapi({ example: "G0016" })
  .describe("group id, name or alias: G0016, APT29, Cozy Bear");
export const SearchTextField = z
  .string()
  .max(200)
  .describe("words describing the behaviour, searched in id, name and description and ranked by relevance");
export const TacticFilterField = z
  .string()
  .max(64)
  .describe("tactic id, shortname or name: TA0001, initial-access, Initial Access");
export const PlatformFilterField = z.string().max(64).describe("platform, e.g. Windows, Linux, macOS, IaaS");
export const INCLUDE_REVOKED = "also list revoked and deprecated techniques";

/** Starting an ATT&CK refresh (admin): the same fields over REST and MCP. */
export const BundleUrlField = z
  .string()
  .url()
  .max(2048)
  .describe("a STIX bundle (.json or .json.gz); default: the newest release of the release index");
export const BundleVersionField = z
  .string()
  .regex(ATTACK_VERSION, "an ATT&CK version such as 18.1")
  .describe("the version the bundle must be, e.g. 18.1");
export const RefreshForceField = z.boolean().describe("switch even to a version that is not newer than the active one");
export const RefreshRequest = z
  .object({
    url: BundleUrlField.optional(),
    version: BundleVersionField.optional(),
    force: RefreshForceField.optional(),
  })
  .openapi("RefreshRequest");

export const TechniqueRef = z.object({ id: z.string(), name: z.string() }).openapi("TechniqueRef");

export const Tactic = z
  .object({
    id: z.string().openapi({ example: "TA0001" }),
    shortname: z.string().openapi({ example: "initial-access" }),
    name: z.string(),
    description: z.string(),
    url: z.string().nullable(),
    techniqueCount: z.number().int().describe("active techniques and sub-techniques under this tactic"),
  })
  .openapi("Tactic");

export const TacticRef = z.object({ id: z.string(), shortname: z.string(), name: z.string() }).openapi("TacticRef");

export const TechniqueHit = z
  .object({
    id: z.string().openapi({ example: "T1566.001" }),
    name: z.string(),
    isSubtechnique: z.boolean(),
    parentId: z.string().nullable(),
    tactics: z.array(z.string()).describe("tactic shortnames"),
    platforms: z.array(z.string()),
    revoked: z.boolean(),
    deprecated: z.boolean(),
    snippet: z.string().describe("the matching part of the description"),
  })
  .openapi("TechniqueHit");

export const Analytic = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  platforms: z.array(z.string()),
  logSources: z.array(
    z.object({ name: z.string(), channel: z.string().optional(), dataComponentRef: z.string().optional() }),
  ),
});

export const Technique = z
  .object({
    id: z.string().openapi({ example: "T1566.001" }),
    stixId: z.string(),
    attackVersion: z.string(),
    name: z.string(),
    description: z.string(),
    url: z.string().nullable(),
    isSubtechnique: z.boolean(),
    parent: TechniqueRef.nullable(),
    subtechniques: z.array(TechniqueRef),
    tactics: z.array(TacticRef),
    platforms: z.array(z.string()),
    detection: z
      .string()
      .nullable()
      .describe("ATT&CK's detection text (before 18.0; later versions use detection strategies)"),
    objectVersion: z.string().nullable().describe("x_mitre_version of the technique"),
    created: z.string().nullable(),
    modified: z.string().nullable(),
    revoked: z.boolean(),
    deprecated: z.boolean(),
    revokedBy: TechniqueRef.nullable().describe("the technique that replaced this one, when revoked"),
    mitigations: z.array(
      z.object({ id: z.string(), name: z.string(), description: z.string(), url: z.string().nullable() }),
    ),
    detectionStrategies: z.array(
      z.object({ id: z.string(), name: z.string(), url: z.string().nullable(), analytics: z.array(Analytic) }),
    ),
    procedureCount: z.number().int().describe("procedure examples (groups, software, campaigns using it)"),
    procedureExamples: z.array(
      z.object({ sourceId: z.string(), sourceName: z.string(), sourceType: z.string(), description: z.string() }),
    ),
  })
  .openapi("Technique");

export const Group = z
  .object({
    id: z.string().openapi({ example: "G0016" }),
    stixId: z.string(),
    attackVersion: z.string(),
    name: z.string(),
    aliases: z.array(z.string()),
    description: z.string(),
    url: z.string().nullable(),
    revoked: z.boolean(),
    deprecated: z.boolean(),
    techniques: z.array(
      z.object({ id: z.string(), name: z.string(), tactics: z.array(z.string()), procedure: z.string() }),
    ),
    software: z.array(z.object({ id: z.string(), name: z.string(), type: z.string() })),
  })
  .openapi("Group");

export const AttackVersionInfo = z
  .object({
    version: z.string(),
    active: z.boolean(),
    status: z.enum(["loading", "ready", "failed"]),
    releasedAt: z.string().nullable(),
    loadedAt: z.string().nullable(),
    techniques: z.number().int().describe("active techniques (not sub-techniques)"),
    subtechniques: z.number().int().describe("active sub-techniques"),
    tactics: z.number().int(),
    procedures: z.number().int().describe("procedure examples"),
  })
  .openapi("AttackVersion");

export type TechniqueT = z.infer<typeof Technique>;
export type TechniqueHitT = z.infer<typeof TechniqueHit>;
export type TacticT = z.infer<typeof Tactic>;
export type GroupT = z.infer<typeof Group>;

const ChangedId = z.string().openapi({ example: "T1574.001" });

/** What changed between two versions, technique by technique, each list sorted by id (rules: attack/diff.ts). */
export const AttackChangeLists = z.object({
  added: z.array(ChangedId).describe("active in `to` and absent from `from`"),
  removed: z.array(ChangedId).describe("in `from` and absent from `to`"),
  revoked: z
    .array(
      z.object({ id: ChangedId, revokedBy: z.string().nullable().describe("the technique that replaced it in `to`") }),
    )
    .describe("not revoked in `from`, revoked in `to`"),
  deprecated: z.array(ChangedId).describe("not deprecated in `from`, deprecated in `to`"),
  renamed: z
    .array(
      z.object({ id: ChangedId, from: z.string().describe("name in `from`"), to: z.string().describe("name in `to`") }),
    )
    .describe("in both versions under different names"),
  tacticsChanged: z
    .array(
      z.object({
        id: ChangedId,
        from: z.array(z.string()).describe("tactic shortnames in `from`, sorted"),
        to: z.array(z.string()).describe("tactic shortnames in `to`, sorted"),
      }),
    )
    .describe("in both versions under a different set of tactics"),
  updated: z.array(ChangedId).describe("in both versions, active in `to`, with a different x_mitre_version"),
});

export const AttackChanges = AttackChangeLists.extend({
  from: z.string().describe("the ATT&CK version compared from"),
  to: z.string().describe("the ATT&CK version compared to"),
  computedAt: z.string().describe("when these changes were computed (ISO 8601); they are kept and served again"),
}).openapi("AttackChanges");

export type AttackChangeListsT = z.infer<typeof AttackChangeLists>;
export type AttackChangesT = z.infer<typeof AttackChanges>;
