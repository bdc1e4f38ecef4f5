/**
 * @module STIX 2.x objects of an ATT&CK bundle and their mapping to rows of the ATT&CK cache.
 * Pure functions: no I/O, so the loader stays a thin streaming shell around them.
 */
import type {
  attackAnalytics,
  attackCampaigns,
  attackDetectionStrategies,
  attackGroups,
  attackMitigations,
  attackProcedures,
  attackRelationships,
  attackSoftware,
  attackStrategyAnalytics,
  attackTactics,
  attackTechniques,
  attackTechniqueTactics,
} from "../db/schema";

/** The fields of STIX objects we read; everything is optional because input is untrusted. */
export interface StixObject {
  type: string;
  id: string;
  name?: string;
  description?: string;
  created?: string;
  modified?: string;
  revoked?: boolean;
  x_mitre_deprecated?: boolean;
  x_mitre_version?: string;
  x_mitre_attack_spec_version?: string;
  external_references?: { source_name?: string; external_id?: string; url?: string }[];
  kill_chain_phases?: { kill_chain_name?: string; phase_name?: string }[];
  x_mitre_is_subtechnique?: boolean;
  x_mitre_platforms?: string[];
  x_mitre_detection?: string;
  x_mitre_shortname?: string;
  aliases?: string[];
  x_mitre_aliases?: string[];
  first_seen?: string;
  last_seen?: string;
  x_mitre_analytic_refs?: string[];
  x_mitre_log_source_references?: { name?: string; channel?: string; x_mitre_data_component_ref?: string }[];
  x_mitre_mutable_elements?: { field?: string; description?: string }[];
  tactic_refs?: string[];
  relationship_type?: string;
  source_ref?: string;
  target_ref?: string;
}

type Insert<T extends { $inferInsert: unknown }> = T["$inferInsert"];

/** Rows one STIX object turns into, by table. */
export interface RowSet {
  tactics?: Insert<typeof attackTactics>[];
  techniques?: Insert<typeof attackTechniques>[];
  techniqueTactics?: Insert<typeof attackTechniqueTactics>[];
  groups?: Insert<typeof attackGroups>[];
  software?: Insert<typeof attackSoftware>[];
  campaigns?: Insert<typeof attackCampaigns>[];
  mitigations?: Insert<typeof attackMitigations>[];
  detectionStrategies?: Insert<typeof attackDetectionStrategies>[];
  strategyAnalytics?: Insert<typeof attackStrategyAnalytics>[];
  analytics?: Insert<typeof attackAnalytics>[];
  procedures?: Insert<typeof attackProcedures>[];
  relationships?: Insert<typeof attackRelationships>[];
}
export type RowTable = keyof RowSet;

const STIX_ID = /^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Why a value is not a STIX object, or null when it is one. */
export function stixObjectProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const o = value as Record<string, unknown>;
  if (typeof o.type !== "string" || o.type === "") return "has no 'type'";
  if (typeof o.id !== "string" || !STIX_ID.test(o.id) || !o.id.startsWith(`${o.type}--`)) {
    return `has no valid STIX id of type '${o.type}'`;
  }
  return null;
}

// "(Citation: Name)" markers, allowing one level of parentheses inside the name.
const CITATION = /\s*\(Citation:[^()]*(?:\([^()]*\)[^()]*)*\)/g;

export function stripCitations(text: string | undefined): string {
  return (text ?? "").replace(CITATION, "").trim();
}

export function mitreReference(o: StixObject): { id: string; url?: string } | null {
  const ref = o.external_references?.find((r) => r.source_name === "mitre-attack" && r.external_id);
  return ref?.external_id ? { id: ref.external_id, url: ref.url } : null;
}

/** Numeric comparison of ATT&CK versions ("9.0" < "16.1" < "18.1"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function common(o: StixObject, version: string, ref: { id: string; url?: string }) {
  return {
    version,
    stixId: o.id,
    attackId: ref.id,
    name: o.name ?? ref.id,
    description: stripCitations(o.description),
    url: ref.url ?? null,
    created: o.created ?? null,
    modified: o.modified ?? null,
    objectVersion: o.x_mitre_version ?? null,
    revoked: o.revoked === true,
    deprecated: o.x_mitre_deprecated === true,
  };
}

const PROCEDURE_SOURCE: Record<string, "group" | "software" | "campaign"> = {
  "intrusion-set": "group",
  malware: "software",
  tool: "software",
  campaign: "campaign",
};

/** Object types that describe the bundle itself or that the cache does not keep. */
export const METADATA_TYPES = new Set(["x-mitre-collection", "x-mitre-matrix"]);

/**
 * The rows for one STIX object, or a reason it was skipped. Relationships are split: `uses` from
 * a group, software or campaign to a technique is a procedure example; the rest are kept as is.
 */
export function toRows(o: StixObject, version: string): RowSet | { skipped: string } {
  if (o.type === "relationship") {
    const source = o.source_ref ?? "";
    const target = o.target_ref ?? "";
    if (!o.relationship_type || !source || !target) return { skipped: "relationship without type or endpoints" };
    const sourceType = PROCEDURE_SOURCE[source.split("--")[0] ?? ""];
    if (o.relationship_type === "uses" && target.startsWith("attack-pattern--") && sourceType) {
      return {
        procedures: [
          {
            version,
            stixId: o.id,
            sourceRef: source,
            sourceType,
            techniqueRef: target,
            description: stripCitations(o.description),
            modified: o.modified ?? null,
          },
        ],
      };
    }
    return {
      relationships: [
        {
          version,
          stixId: o.id,
          relationshipType: o.relationship_type,
          sourceRef: source,
          targetRef: target,
          description: stripCitations(o.description),
          modified: o.modified ?? null,
          revoked: o.revoked === true,
          deprecated: o.x_mitre_deprecated === true,
        },
      ],
    };
  }
  const known = [
    "x-mitre-tactic",
    "attack-pattern",
    "intrusion-set",
    "malware",
    "tool",
    "campaign",
    "course-of-action",
    "x-mitre-detection-strategy",
    "x-mitre-analytic",
  ];
  if (!known.includes(o.type)) return { skipped: o.type };
  const ref = mitreReference(o);
  if (!ref) return { skipped: `${o.type} without an ATT&CK id` };
  const base = common(o, version, ref);
  switch (o.type) {
    case "x-mitre-tactic":
      if (!o.x_mitre_shortname) return { skipped: "tactic without x_mitre_shortname" };
      return { tactics: [{ ...base, shortname: o.x_mitre_shortname, ordinal: null }] };
    case "attack-pattern": {
      const dot = ref.id.indexOf(".");
      const isSub = o.x_mitre_is_subtechnique === true && dot > 0;
      const phases = (o.kill_chain_phases ?? [])
        .filter((p) => p.kill_chain_name === "mitre-attack" && p.phase_name)
        .map((p) => p.phase_name as string);
      return {
        techniques: [
          {
            ...base,
            isSubtechnique: isSub,
            parentId: isSub ? ref.id.slice(0, dot) : null,
            platforms: strings(o.x_mitre_platforms),
            detection: o.x_mitre_detection ? stripCitations(o.x_mitre_detection) : null,
            revokedBy: null,
          },
        ],
        techniqueTactics: [...new Set(phases)].map((tacticShortname) => ({
          version,
          techniqueStixId: o.id,
          tacticShortname,
        })),
      };
    }
    case "intrusion-set":
      return { groups: [{ ...base, aliases: strings(o.aliases) }] };
    case "malware":
    case "tool":
      return {
        software: [
          {
            ...base,
            softwareType: o.type,
            aliases: strings(o.x_mitre_aliases),
            platforms: strings(o.x_mitre_platforms),
          },
        ],
      };
    case "campaign":
      return {
        campaigns: [
          { ...base, aliases: strings(o.aliases), firstSeen: o.first_seen ?? null, lastSeen: o.last_seen ?? null },
        ],
      };
    case "course-of-action":
      return { mitigations: [base] };
    case "x-mitre-detection-strategy":
      return {
        detectionStrategies: [base],
        strategyAnalytics: strings(o.x_mitre_analytic_refs).map((analyticStixId, ordinal) => ({
          version,
          strategyStixId: o.id,
          analyticStixId,
          ordinal,
        })),
      };
    case "x-mitre-analytic":
      return {
        analytics: [
          {
            ...base,
            platforms: strings(o.x_mitre_platforms),
            logSources: (o.x_mitre_log_source_references ?? []).map((l) => ({
              name: l.name ?? "",
              channel: l.channel,
              dataComponentRef: l.x_mitre_data_component_ref,
            })),
            mutableElements: (o.x_mitre_mutable_elements ?? []).map((m) => ({
              field: m.field ?? "",
              description: m.description,
            })),
          },
        ],
      };
    default:
      return { skipped: o.type };
  }
}
