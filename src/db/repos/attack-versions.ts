/**
 * @module The lifecycle of an ATT&CK version in D1, as the bundle loader drives it: a version row
 * `loading` (or a staging key until the bundle says which version it is), its rows written in
 * batches, then `ready` (and maybe active) in one final batch; deleted whole on failure (every
 * table's rows cascade from the version row).
 */
import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { chunks } from "../../lib/collections";
import { runBatch, type Db, type Statement } from "../client";
import { rowsPerStatement } from "../rows";
import { searchTextSql } from "./attack-search";
import {
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
  attackVersions,
  type AttackVersion,
} from "../schema";

/** The tables a bundle's objects become rows of, by the loader's names for them. */
export const VERSION_TABLES = {
  tactics: attackTactics,
  techniques: attackTechniques,
  techniqueTactics: attackTechniqueTactics,
  groups: attackGroups,
  software: attackSoftware,
  campaigns: attackCampaigns,
  mitigations: attackMitigations,
  detectionStrategies: attackDetectionStrategies,
  strategyAnalytics: attackStrategyAnalytics,
  analytics: attackAnalytics,
  procedures: attackProcedures,
  relationships: attackRelationships,
} satisfies Record<string, SQLiteTable>;

export type VersionTable = keyof typeof VERSION_TABLES;

export async function versionStatus(db: Db, version: string): Promise<AttackVersion["status"] | null> {
  const row = await db
    .select({ status: attackVersions.status })
    .from(attackVersions)
    .where(eq(attackVersions.version, version))
    .get();
  return row?.status ?? null;
}

export async function activeVersionName(db: Db): Promise<string | null> {
  const row = await db
    .select({ version: attackVersions.version })
    .from(attackVersions)
    .where(eq(attackVersions.active, true))
    .get();
  return row?.version ?? null;
}

export async function isActive(db: Db, version: string): Promise<boolean> {
  const row = await db
    .select({ active: attackVersions.active })
    .from(attackVersions)
    .where(eq(attackVersions.version, version))
    .get();
  return row?.active === true;
}

/** A version row in `loading` under `key` (the version, or a staging key). */
export async function insertLoadingVersion(db: Db, key: string): Promise<void> {
  await db.insert(attackVersions).values({ version: key, status: "loading", startedAt: new Date().toISOString() });
}

/** Deletes a version row whatever its state; its rows in every table cascade. */
export async function deleteVersion(db: Db, key: string): Promise<void> {
  await db.delete(attackVersions).where(eq(attackVersions.version, key));
}

/** Renames a staging key to the real version; ON UPDATE CASCADE carries every row written so far. */
export async function renameVersion(db: Db, from: string, to: string): Promise<void> {
  await db.update(attackVersions).set({ version: to }).where(eq(attackVersions.version, from));
}

/** Writes buffered rows of a version in one batch; a bundle may repeat an object, the first copy wins. */
export async function insertVersionRows(
  db: Db,
  key: string,
  rows: Partial<Record<VersionTable, Record<string, unknown>[]>>,
): Promise<void> {
  const statements: Statement[] = [];
  for (const [name, list] of Object.entries(rows) as [VersionTable, Record<string, unknown>[]][]) {
    const table: SQLiteTable = VERSION_TABLES[name];
    for (const chunk of chunks(list, rowsPerStatement(table))) {
      statements.push(
        db
          .insert(table)
          .values(chunk.map((row) => ({ ...row, version: key })))
          .onConflictDoNothing(),
      );
    }
  }
  await runBatch(db, statements);
}

/**
 * Makes a loaded version `ready` in one batch: tactics in matrix order, revoked techniques linked
 * to their replacement, the version's metadata, and (when `activate`) the switch of the active one.
 */
export async function finishVersion(
  db: Db,
  version: string,
  f: {
    tacticOrder: string[];
    activate: boolean;
    meta: { name?: string; releasedAt?: string; specVersion?: string };
    objectCount: number;
  },
): Promise<void> {
  const v = attackVersions;
  const t = attackTechniques;
  const statements: Statement[] = f.tacticOrder.map((stixId, i) =>
    db
      .update(attackTactics)
      .set({ ordinal: i + 1 })
      .where(and(eq(attackTactics.version, version), eq(attackTactics.stixId, stixId))),
  );
  statements.push(
    db
      .update(t)
      .set({ revokedBy: revokedBySql() })
      .where(and(eq(t.version, version), eq(t.revoked, true))),
  );
  // Relationships are all in by now: derive the search text (the FTS triggers index it).
  statements.push(db.update(t).set(searchTextSql()).where(eq(t.version, version)));
  if (f.activate) {
    statements.push(
      db
        .update(v)
        .set({ active: false })
        .where(and(eq(v.active, true), ne(v.version, version))),
    );
  }
  statements.push(
    db
      .update(v)
      .set({
        status: "ready",
        active: f.activate,
        error: null,
        name: f.meta.name ?? null,
        releasedAt: f.meta.releasedAt ?? null,
        specVersion: f.meta.specVersion ?? null,
        objectCount: f.objectCount,
        loadedAt: new Date().toISOString(),
      })
      .where(eq(v.version, version)),
  );
  await runBatch(db, statements);
}

/** revoked_by of a technique row, from the bundle's revoked-by relationships. */
function revokedBySql(): SQL<string | null> {
  return sql`(SELECT n.attack_id FROM attack_relationships r
      JOIN attack_techniques n ON n.version = r.version AND n.stix_id = r.target_ref
      WHERE r.version = attack_techniques.version AND r.relationship_type = 'revoked-by'
        AND r.source_ref = attack_techniques.stix_id
      LIMIT 1)`;
}
