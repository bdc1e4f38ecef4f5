/**
 * @module D1 access for comparing ATT&CK versions: the technique states a comparison reads, and the
 * computed changes kept in attack_changes (one row per ordered pair of versions).
 */
import { and, eq } from "drizzle-orm";
import { groupBy } from "../../lib/collections";
import type { Db } from "../client";
import { attackChanges, attackTechniques, attackTechniqueTactics } from "../schema";

/** What a comparison needs of one technique in one version. */
export interface TechniqueState {
  id: string;
  name: string;
  revoked: boolean;
  deprecated: boolean;
  revokedBy: string | null;
  /** x_mitre_version. */
  objectVersion: string | null;
  /** Tactic shortnames, in any order. */
  tactics: string[];
}

/** Every technique of a version with its tactics: two queries, whatever the number of techniques. */
export async function listTechniqueStates(db: Db, version: string): Promise<TechniqueState[]> {
  const t = attackTechniques;
  const tt = attackTechniqueTactics;
  const [techniques, links] = await Promise.all([
    db
      .select({
        stixId: t.stixId,
        id: t.attackId,
        name: t.name,
        revoked: t.revoked,
        deprecated: t.deprecated,
        revokedBy: t.revokedBy,
        objectVersion: t.objectVersion,
      })
      .from(t)
      .where(eq(t.version, version)),
    db.select({ stixId: tt.techniqueStixId, tactic: tt.tacticShortname }).from(tt).where(eq(tt.version, version)),
  ]);
  const tactics = groupBy(
    links,
    (l) => l.stixId,
    (l) => l.tactic,
  );
  return techniques.map(({ stixId, ...rest }) => ({ ...rest, tactics: tactics.get(stixId) ?? [] }));
}

export interface StoredChanges {
  /** The JSON as stored: the caller validates it. */
  changes: unknown;
  computedAt: string;
}

export async function getStoredChanges(db: Db, from: string, to: string): Promise<StoredChanges | null> {
  const c = attackChanges;
  const row = await db
    .select({ changes: c.changes, computedAt: c.computedAt })
    .from(c)
    .where(and(eq(c.fromVersion, from), eq(c.toVersion, to)))
    .get();
  return row ?? null;
}

/**
 * Keeps computed changes unless a row for the pair is already there (a concurrent request got
 * there first). Returns whether this call stored them.
 */
export async function storeChanges(
  db: Db,
  from: string,
  to: string,
  /** The lists (attack/diff.ts); the reader validates them, since a row outlives the code that wrote it. */
  changes: object,
  computedAt: string,
): Promise<boolean> {
  const inserted = await db
    .insert(attackChanges)
    .values({ fromVersion: from, toVersion: to, changes, computedAt })
    .onConflictDoNothing()
    .returning({ computedAt: attackChanges.computedAt });
  return inserted.length > 0;
}
