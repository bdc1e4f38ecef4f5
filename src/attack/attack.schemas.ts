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
  .describe("ATT&CK version (default: the active one)");
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
export const SoftwareRefField = z
  .string()
  .min(1)
  .max(100)
  .openapi({ example: "S0002" })
  .describe("software id, name or alias: S0002, Mimikatz");
export const MitigationRefField = z
  .string()
  .min(1)
  .max(100)
  .openapi({ example: "M1036" })
  .describe("mitigation id or name: M1036, Account Use Policies");
export const CampaignRefField = z
  .string()
  .min(1)
  .max(100)
  .openapi({ example: "C0024" })
  .describe("campaign id, name or alias: C0024, SolarWinds Compromise");
export const DETAIL = "add the full description and procedure texts";
export const SearchTextField = z.string().max(200).describe("words describing the behaviour");
export const TacticFilterField = z.string().max(64).describe("tactic id, shortname or name (TA0001, initial-access)");
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

export const ProcedureExample = z
  .object({
    sourceId: z.string().openapi({ example: "G0016" }),
    sourceName: z.string(),
    sourceType: z.string().describe("group, software or campaign"),
    description: z.string().describe("how the source uses the technique"),
  })
  .openapi("ProcedureExample");

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
    procedureExamples: z.array(ProcedureExample).describe("the first few; list_procedure_examples pages them all"),
    proceduresCursor: z.string().nullable().describe("cursor of list_procedure_examples for the rest, if any"),
  })
  .openapi("Technique");

/** A technique a group, software or campaign uses; the procedure on request (`detail`). */
export const UsedTechnique = z.object({ id: z.string(), name: z.string(), procedure: z.string().optional() });

/** A page of related techniques: how many there are, this page, and the cursor of the next. */
const techniquesPage = <T extends z.ZodType>(item: T) => ({
  techniqueCount: z.number().int(),
  techniques: z.array(item),
  nextCursor: z.string().nullable().describe("cursor for the next page of techniques"),
});

const ProcedureSample = z
  .array(z.object({ techniqueId: z.string(), procedure: z.string() }))
  .nullable()
  .describe("a few procedures, shortened (first page without detail)");

const objectColumns = {
  stixId: z.string(),
  attackVersion: z.string(),
  name: z.string(),
  description: z.string().describe("first paragraph, shortened, unless detail"),
  url: z.string().nullable(),
  revoked: z.boolean(),
  deprecated: z.boolean(),
};

export const SoftwareRef = z.object({ id: z.string(), name: z.string(), type: z.string() });
const softwareList = {
  softwareCount: z.number().int(),
  software: z.array(SoftwareRef).describe("the first 15 unless detail"),
};

export const Group = z
  .object({
    id: z.string().openapi({ example: "G0016" }),
    ...objectColumns,
    aliases: z.array(z.string()),
    ...techniquesPage(UsedTechnique),
    procedureSample: ProcedureSample,
    ...softwareList,
  })
  .openapi("Group");

export const Software = z
  .object({
    id: z.string().openapi({ example: "S0002" }),
    ...objectColumns,
    type: z.enum(["malware", "tool"]),
    aliases: z.array(z.string()),
    platforms: z.array(z.string()),
    ...techniquesPage(UsedTechnique),
    procedureSample: ProcedureSample,
  })
  .openapi("Software");

export const Campaign = z
  .object({
    id: z.string().openapi({ example: "C0024" }),
    ...objectColumns,
    aliases: z.array(z.string()),
    firstSeen: z.string().nullable(),
    lastSeen: z.string().nullable(),
    attributedTo: z.array(z.object({ id: z.string(), name: z.string() })).describe("groups"),
    ...softwareList,
    ...techniquesPage(UsedTechnique),
    procedureSample: ProcedureSample,
  })
  .openapi("Campaign");

export const Mitigation = z
  .object({
    id: z.string().openapi({ example: "M1036" }),
    ...objectColumns,
    ...techniquesPage(
      z.object({
        id: z.string(),
        name: z.string(),
        guidance: z.string().optional().describe("how this mitigation applies to the technique"),
      }),
    ),
  })
  .openapi("Mitigation");

export const ProcedurePage = z
  .object({
    attackVersion: z.string(),
    techniqueId: z.string(),
    total: z.number().int(),
    items: z.array(ProcedureExample),
    hasMore: z.boolean(),
    nextCursor: z.string().nullable(),
  })
  .openapi("ProcedurePage");

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
export type SoftwareT = z.infer<typeof Software>;
export type SoftwareRefT = z.infer<typeof SoftwareRef>;
export type CampaignT = z.infer<typeof Campaign>;
export type MitigationT = z.infer<typeof Mitigation>;
export type ProcedureExampleT = z.infer<typeof ProcedureExample>;

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
