/**
 * @module Read queries over the ATT&CK cache. ATT&CK data is shared by all tenants: nothing here
 * takes a tenant. Every query is scoped to one ATT&CK version.
 */
import { and, asc, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { chunks, groupBy } from "../../lib/collections";
import { IDS_PER_IN_LIST } from "../rows";
import {
  attackAnalytics,
  attackDetectionStrategies,
  attackMitigations,
  attackProcedures,
  attackRelationships,
  attackStrategyAnalytics,
  attackTactics,
  attackTechniques,
  attackTechniqueTactics,
  attackVersions,
  type AttackTactic,
  type AttackTechnique,
  type AttackVersion,
} from "../schema";

export async function getActiveVersion(db: Db): Promise<AttackVersion | null> {
  return (await db.select().from(attackVersions).where(eq(attackVersions.active, true)).get()) ?? null;
}

export async function getVersion(db: Db, version: string): Promise<AttackVersion | null> {
  return (await db.select().from(attackVersions).where(eq(attackVersions.version, version)).get()) ?? null;
}

export interface VersionStats {
  version: string;
  active: boolean;
  status: AttackVersion["status"];
  releasedAt: string | null;
  loadedAt: string | null;
  techniques: number;
  subtechniques: number;
  tactics: number;
  procedures: number;
}

/** Versions with counts of their active (neither revoked nor deprecated) objects, newest load first. */
export async function listVersionStats(db: Db): Promise<VersionStats[]> {
  const v = attackVersions;
  const activeTechniques = (sub: 0 | 1): SQL<number> =>
    sql<number>`(SELECT count(*) FROM attack_techniques t WHERE t.version = attack_versions.version
      AND t.revoked = 0 AND t.deprecated = 0 AND t.is_subtechnique = ${sub})`;
  return db
    .select({
      version: v.version,
      active: v.active,
      status: v.status,
      releasedAt: v.releasedAt,
      loadedAt: v.loadedAt,
      techniques: activeTechniques(0),
      subtechniques: activeTechniques(1),
      tactics: sql<number>`(SELECT count(*) FROM attack_tactics t WHERE t.version = attack_versions.version AND t.deprecated = 0)`,
      procedures: sql<number>`(SELECT count(*) FROM attack_procedures p WHERE p.version = attack_versions.version)`,
    })
    .from(v)
    .orderBy(sql`${v.active} DESC`, sql`${v.loadedAt} DESC`);
}

/** A technique row without its search text (procedure text runs to tens of kB: only FTS reads it). */
export type TechniqueRow = Omit<AttackTechnique, "searchSoftware" | "searchProcedures" | "searchTactics">;
const techniqueColumns = (() => {
  const { searchSoftware, searchProcedures, searchTactics, ...rest } = getTableColumns(attackTechniques);
  void [searchSoftware, searchProcedures, searchTactics];
  return rest;
})();

export async function getTechnique(db: Db, version: string, attackId: string): Promise<TechniqueRow | null> {
  const t = attackTechniques;
  return (
    (await db
      .select(techniqueColumns)
      .from(t)
      .where(and(eq(t.version, version), eq(t.attackId, attackId)))
      .get()) ?? null
  );
}

export async function listSubtechniques(db: Db, version: string, parentId: string): Promise<TechniqueRow[]> {
  const t = attackTechniques;
  return db
    .select(techniqueColumns)
    .from(t)
    .where(and(eq(t.version, version), eq(t.parentId, parentId), eq(t.revoked, false)))
    .orderBy(asc(t.attackId));
}

/** Tactics of the given techniques, by technique STIX id, in matrix order. */
export async function tacticsOfTechniques(
  db: Db,
  version: string,
  techniqueStixIds: string[],
): Promise<Map<string, AttackTactic[]>> {
  const tt = attackTechniqueTactics;
  const rows: { techniqueStixId: string; tactic: AttackTactic }[] = [];
  // Chunked: D1 binds at most 100 parameters per statement.
  for (const ids of chunks(techniqueStixIds, IDS_PER_IN_LIST)) {
    rows.push(
      ...(await db
        .select({ techniqueStixId: tt.techniqueStixId, tactic: attackTactics })
        .from(tt)
        .innerJoin(
          attackTactics,
          and(eq(attackTactics.version, tt.version), eq(attackTactics.shortname, tt.tacticShortname)),
        )
        .where(and(eq(tt.version, version), inArray(tt.techniqueStixId, ids)))
        .orderBy(asc(attackTactics.ordinal))),
    );
  }
  return groupBy(
    rows,
    (r) => r.techniqueStixId,
    (r) => r.tactic,
  );
}

export async function listTactics(db: Db, version: string): Promise<(AttackTactic & { techniqueCount: number })[]> {
  const t = attackTactics;
  return db
    .select({
      ...tacticColumns(),
      techniqueCount: sql<number>`(SELECT count(*) FROM attack_technique_tactics tt
        JOIN attack_techniques x ON x.version = tt.version AND x.stix_id = tt.technique_stix_id
        WHERE tt.version = attack_tactics.version AND tt.tactic_shortname = attack_tactics.shortname
          AND x.revoked = 0 AND x.deprecated = 0)`,
    })
    .from(t)
    .where(eq(t.version, version))
    .orderBy(asc(t.ordinal), asc(t.attackId));
}

function tacticColumns() {
  const t = attackTactics;
  return {
    version: t.version,
    stixId: t.stixId,
    attackId: t.attackId,
    name: t.name,
    description: t.description,
    url: t.url,
    created: t.created,
    modified: t.modified,
    objectVersion: t.objectVersion,
    revoked: t.revoked,
    deprecated: t.deprecated,
    shortname: t.shortname,
    ordinal: t.ordinal,
  };
}

export async function mitigationsOfTechnique(db: Db, version: string, techniqueStixId: string) {
  const m = attackMitigations;
  const r = attackRelationships;
  return db
    .select({ id: m.attackId, name: m.name, description: r.description, url: m.url })
    .from(r)
    .innerJoin(m, and(eq(m.version, r.version), eq(m.stixId, r.sourceRef)))
    .where(
      and(
        eq(r.version, version),
        eq(r.targetRef, techniqueStixId),
        eq(r.relationshipType, "mitigates"),
        eq(r.revoked, false),
        eq(r.deprecated, false),
        eq(m.deprecated, false),
      ),
    )
    .orderBy(asc(m.attackId));
}

export async function detectionStrategiesOfTechnique(db: Db, version: string, techniqueStixId: string) {
  const d = attackDetectionStrategies;
  const r = attackRelationships;
  const strategies = await db
    .select({ stixId: d.stixId, id: d.attackId, name: d.name, url: d.url })
    .from(r)
    .innerJoin(d, and(eq(d.version, r.version), eq(d.stixId, r.sourceRef)))
    .where(
      and(
        eq(r.version, version),
        eq(r.targetRef, techniqueStixId),
        eq(r.relationshipType, "detects"),
        eq(r.revoked, false),
      ),
    )
    .orderBy(asc(d.attackId));
  if (strategies.length === 0) return [];
  const a = attackAnalytics;
  const sa = attackStrategyAnalytics;
  const analytics = await db
    .select({
      strategyStixId: sa.strategyStixId,
      id: a.attackId,
      name: a.name,
      description: a.description,
      platforms: a.platforms,
      logSources: a.logSources,
    })
    .from(sa)
    .innerJoin(a, and(eq(a.version, sa.version), eq(a.stixId, sa.analyticStixId)))
    .where(
      and(
        eq(sa.version, version),
        inArray(
          sa.strategyStixId,
          strategies.map((s) => s.stixId),
        ),
      ),
    )
    .orderBy(asc(sa.ordinal));
  return strategies.map(({ stixId, ...s }) => ({
    ...s,
    analytics: analytics.filter((x) => x.strategyStixId === stixId).map(({ strategyStixId: _, ...x }) => x),
  }));
}

/** Techniques by ATT&CK id, deprecated and revoked ones too: their STIX ids and names. */
export async function techniquesByAttackId(
  db: Db,
  version: string,
  attackIds: string[],
): Promise<{ attackId: string; stixId: string; name: string }[]> {
  const out: { attackId: string; stixId: string; name: string }[] = [];
  const t = attackTechniques;
  for (const ids of chunks(attackIds, IDS_PER_IN_LIST)) {
    const rows = await db
      .select({ attackId: t.attackId, stixId: t.stixId, name: t.name })
      .from(t)
      .where(and(eq(t.version, version), inArray(t.attackId, ids)));
    out.push(...rows);
  }
  return out;
}

/** Description and procedure-example texts of some techniques of a version. */
export async function techniqueTexts(db: Db, version: string, attackIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const t = attackTechniques;
  const p = attackProcedures;
  for (const ids of chunks(attackIds, IDS_PER_IN_LIST)) {
    const techniques = await db
      .select({ id: t.attackId, stixId: t.stixId, description: t.description })
      .from(t)
      .where(and(eq(t.version, version), inArray(t.attackId, ids)));
    const idOf = new Map(techniques.map((x) => [x.stixId, x.id]));
    for (const x of techniques) out.set(x.id, [x.description]);
    if (techniques.length === 0) continue;
    const procedures = await db
      .select({ techniqueRef: p.techniqueRef, description: p.description })
      .from(p)
      .where(
        and(
          eq(p.version, version),
          inArray(
            p.techniqueRef,
            techniques.map((x) => x.stixId),
          ),
        ),
      );
    for (const x of procedures) out.get(idOf.get(x.techniqueRef) as string)?.push(x.description);
  }
  return out;
}

/** Makes `version` the active one, in one batch. */
export async function activateVersion(db: Db, version: string): Promise<void> {
  const v = attackVersions;
  await db.batch([
    // Only when the new one can take over: a batch cannot roll back on "nothing matched".
    db
      .update(v)
      .set({ active: false })
      .where(
        and(
          eq(v.active, true),
          sql`${v.version} <> ${version}`,
          sql`EXISTS (SELECT 1 FROM attack_versions r WHERE r.version = ${version} AND r.status = 'ready')`,
        ),
      ),
    db
      .update(v)
      .set({ active: true })
      .where(and(eq(v.version, version), eq(v.status, "ready"))),
  ]);
  const now = await getActiveVersion(db);
  if (now?.version !== version) throw new Error(`ATT&CK ${version} could not be activated (is it loaded?)`);
}

/** Deletes a version (its rows cascade) unless it is the active one: the guard and the delete are one statement. */
export async function deleteInactiveVersion(db: Db, version: string): Promise<void> {
  await db.delete(attackVersions).where(and(eq(attackVersions.version, version), eq(attackVersions.active, false)));
}

/**
 * What coverage needs of every technique of a version: its state, tactics and how many groups,
 * software and campaigns use it, and the version's tactics in matrix order. Four grouped scans
 * rather than correlated subqueries per technique (those took seconds).
 */
export async function techniqueFactsOf(db: Db, version: string) {
  const [rows, tacticRows, usageRows, tactics] = await Promise.all([
    db.all<{
      stixId: string;
      id: string;
      name: string;
      platforms: string;
      revoked: number;
      deprecated: number;
      revokedBy: string | null;
    }>(
      sql`SELECT stix_id AS stixId, attack_id AS id, name, platforms, revoked, deprecated, revoked_by AS revokedBy FROM attack_techniques WHERE version = ${version}`,
    ),
    db.all<{ stixId: string; tactics: string }>(
      sql`SELECT technique_stix_id AS stixId, group_concat(tactic_shortname) AS tactics FROM attack_technique_tactics WHERE version = ${version} GROUP BY technique_stix_id`,
    ),
    db.all<{ stixId: string; usage: number }>(
      sql`SELECT technique_ref AS stixId, count(DISTINCT source_ref) AS usage FROM attack_procedures WHERE version = ${version} GROUP BY technique_ref`,
    ),
    db.all<{ id: string; shortname: string; name: string }>(
      sql`SELECT attack_id AS id, shortname, name FROM attack_tactics WHERE version = ${version} AND deprecated = 0 ORDER BY ordinal`,
    ),
  ]);
  return { rows, tacticRows, usageRows, tactics };
}
