/**
 * @module Looking up ATT&CK groups, software, campaigns and mitigations by id, name or alias, and
 * the techniques and procedure examples related to them, a page at a time. Shared catalogue: no
 * tenant; every query is scoped to one ATT&CK version.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { attackCampaigns, attackGroups, attackMitigations, attackRelationships, attackSoftware } from "../schema";

export const OBJECT_KINDS = ["group", "software", "campaign", "mitigation"] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

const TABLES = {
  group: attackGroups,
  software: attackSoftware,
  campaign: attackCampaigns,
  mitigation: attackMitigations,
} as const;

export interface Candidate {
  kind: ObjectKind;
  stixId: string;
  attackId: string;
  name: string;
  revoked: boolean;
  deprecated: boolean;
}

/**
 * Objects of one kind whose ATT&CK id is `key` (when `byId`), or whose name or alias is `key`
 * case-insensitively; active ones first. Mitigations have no aliases.
 */
export async function findCandidates(
  db: Db,
  kind: ObjectKind,
  version: string,
  key: string,
  byId: boolean,
): Promise<Candidate[]> {
  const t = TABLES[kind];
  const alias =
    kind === "mitigation"
      ? sql`0`
      : sql`EXISTS (SELECT 1 FROM json_each(${TABLES[kind].aliases}) WHERE lower(value) = lower(${key}))`;
  const where = byId ? eq(t.attackId, key.toUpperCase()) : sql`(lower(${t.name}) = lower(${key}) OR ${alias})`;
  const rows = await db
    .select({ stixId: t.stixId, attackId: t.attackId, name: t.name, revoked: t.revoked, deprecated: t.deprecated })
    .from(t)
    .where(and(eq(t.version, version), where))
    .orderBy(asc(t.revoked), asc(t.deprecated), asc(t.attackId))
    .limit(20);
  return rows.map((r) => ({ kind, ...r }));
}

type ObjectRow<K extends ObjectKind> = (typeof TABLES)[K]["$inferSelect"];

/** The row of one object of `kind`, by STIX id. */
export async function getObject<K extends ObjectKind>(
  db: Db,
  kind: K,
  version: string,
  stixId: string,
): Promise<ObjectRow<K> | null> {
  const t: (typeof TABLES)[ObjectKind] = TABLES[kind];
  const row = await db
    .select()
    .from(t)
    .where(and(eq(t.version, version), eq(t.stixId, stixId)))
    .get();
  // drizzle types a select over a union of tables as a union of rows; TABLES[kind] is K's table.
  return (row as ObjectRow<K> | undefined) ?? null;
}

/** How a source relates to techniques: it uses them (procedures) or mitigates them (relationships). */
export type Relation = "uses" | "mitigates";

export interface RelatedTechnique {
  stixId: string;
  id: string;
  name: string;
  /** The procedure text (uses) or how the mitigation applies (mitigates). */
  text: string;
}

/** Active techniques a source uses or mitigates, as SQL: one row per relationship. */
function relatedSql(version: string, sourceStixId: string, relation: Relation) {
  const from =
    relation === "uses"
      ? sql`SELECT p.stix_id AS rel, p.technique_ref AS target, p.description AS text FROM attack_procedures p
            WHERE p.version = ${version} AND p.source_ref = ${sourceStixId}`
      : sql`SELECT r.stix_id AS rel, r.target_ref AS target, r.description AS text FROM attack_relationships r
            WHERE r.version = ${version} AND r.source_ref = ${sourceStixId} AND r.relationship_type = 'mitigates'
              AND r.revoked = 0 AND r.deprecated = 0`;
  return sql`FROM (${from}) x JOIN attack_techniques t ON t.version = ${version} AND t.stix_id = x.target
    WHERE t.revoked = 0 AND t.deprecated = 0`;
}

export async function countRelatedTechniques(
  db: Db,
  version: string,
  sourceStixId: string,
  relation: Relation,
): Promise<number> {
  const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n ${relatedSql(version, sourceStixId, relation)}`);
  return row?.n ?? 0;
}

/** A page of related techniques in technique-id order. */
export async function listRelatedTechniques(
  db: Db,
  version: string,
  sourceStixId: string,
  relation: Relation,
  page: { limit: number; offset: number },
): Promise<RelatedTechnique[]> {
  return db.all<RelatedTechnique>(sql`
    SELECT t.stix_id AS stixId, t.attack_id AS id, t.name AS name, x.text AS text
    ${relatedSql(version, sourceStixId, relation)}
    ORDER BY t.attack_id, x.rel LIMIT ${page.limit} OFFSET ${page.offset}`);
}

/** Software a group or campaign uses. */
export async function softwareUsedBy(db: Db, version: string, sourceStixId: string) {
  const s = attackSoftware;
  const r = attackRelationships;
  return db
    .select({ id: s.attackId, name: s.name, type: s.softwareType })
    .from(r)
    .innerJoin(s, and(eq(s.version, r.version), eq(s.stixId, r.targetRef)))
    .where(
      and(eq(r.version, version), eq(r.sourceRef, sourceStixId), eq(r.relationshipType, "uses"), eq(r.revoked, false)),
    )
    .orderBy(asc(s.attackId));
}

/** Groups a campaign is attributed to. */
export async function groupsOfCampaign(db: Db, version: string, campaignStixId: string) {
  const g = attackGroups;
  const r = attackRelationships;
  return db
    .select({ id: g.attackId, name: g.name })
    .from(r)
    .innerJoin(g, and(eq(g.version, r.version), eq(g.stixId, r.targetRef)))
    .where(
      and(
        eq(r.version, version),
        eq(r.sourceRef, campaignStixId),
        eq(r.relationshipType, "attributed-to"),
        eq(r.revoked, false),
      ),
    )
    .orderBy(asc(g.attackId));
}

/** The groups, software and campaigns behind procedure examples, as one SQL source. */
const PROCEDURE_SOURCES = sql`(SELECT version, stix_id, attack_id, name FROM attack_groups
  UNION ALL SELECT version, stix_id, attack_id, name FROM attack_software
  UNION ALL SELECT version, stix_id, attack_id, name FROM attack_campaigns)`;

export async function countProcedures(db: Db, version: string, techniqueStixId: string): Promise<number> {
  const row = await db.get<{ n: number }>(sql`
    SELECT count(*) AS n FROM attack_procedures p
    JOIN ${PROCEDURE_SOURCES} s ON s.version = p.version AND s.stix_id = p.source_ref
    WHERE p.version = ${version} AND p.technique_ref = ${techniqueStixId}`);
  return row?.n ?? 0;
}

/** A page of a technique's procedure examples, with the group, software or campaign behind each, by source id. */
export async function listProcedures(
  db: Db,
  version: string,
  techniqueStixId: string,
  page: { limit: number; offset: number },
) {
  return db.all<{ sourceId: string; sourceName: string; sourceType: string; description: string }>(sql`
    SELECT s.attack_id AS sourceId, s.name AS sourceName, p.source_type AS sourceType, p.description AS description
    FROM attack_procedures p
    JOIN ${PROCEDURE_SOURCES} s ON s.version = p.version AND s.stix_id = p.source_ref
    WHERE p.version = ${version} AND p.technique_ref = ${techniqueStixId}
    ORDER BY s.attack_id, p.stix_id LIMIT ${page.limit} OFFSET ${page.offset}`);
}
