/**
 * @module The ATT&CK catalog as REST and MCP serve it: id validation, version resolution and the
 * assembly of a technique with everything related to it (groups and the rest: lookups.service.ts).
 */
import * as repo from "../db/repos/attack";
import { countProcedures, listProcedures } from "../db/repos/attack-lookups";
import { searchTechniques, type TechniqueQuery } from "../db/repos/attack-search";
import type { Db } from "../db/client";
import { AppError, badRequest, notFound } from "../errors";
import { takePage } from "../lib/collections";
import { normalizeTechniqueId } from "./ids";
import type { TacticT, TechniqueHitT, TechniqueT } from "./attack.schemas";

export { normalizeTechniqueId };

const PROCEDURE_SAMPLE = 5;

export function parseTechniqueId(raw: string): string {
  const id = normalizeTechniqueId(raw);
  if (!id) throw badRequest(`'${raw}' is not an ATT&CK technique id: expected T#### or T####.### (e.g. T1566.001)`);
  return id;
}

/** The active version's name, or null before any ATT&CK is loaded. */
export async function activeVersion(db: Db): Promise<string | null> {
  return (await repo.getActiveVersion(db))?.version ?? null;
}

/** Loaded versions with counts of their active objects, the active one first. */
export const listVersions = (db: Db) => repo.listVersionStats(db);

/** The version to read: the one asked for (it must be loaded) or the active one. */
export async function resolveVersion(db: Db, requested?: string): Promise<string> {
  if (requested) {
    const v = await repo.getVersion(db, requested);
    if (v?.status === "ready") return v.version;
    const loaded = (await repo.listVersionStats(db)).filter((x) => x.status === "ready").map((x) => x.version);
    throw notFound(`ATT&CK ${requested} is not loaded (loaded: ${loaded.join(", ") || "none"})`);
  }
  const active = await repo.getActiveVersion(db);
  if (!active)
    throw new AppError(503, "no_attack_data", "no ATT&CK version is loaded yet: run `npm run attack:load -- FILE`");
  return active.version;
}

/** A technique with everything related to it; the adapters add the cursor of the procedures not shown. */
export async function readTechnique(
  db: Db,
  version: string,
  rawId: string,
): Promise<Omit<TechniqueT, "proceduresCursor">> {
  const id = parseTechniqueId(rawId);
  const t = await repo.getTechnique(db, version, id);
  if (!t) throw notFound(`technique ${id} does not exist in ATT&CK ${version}`);
  const [parent, subs, tactics, mitigations, strategies, procedureCount, procedureExamples, revokedBy] =
    await Promise.all([
      t.parentId ? repo.getTechnique(db, version, t.parentId) : null,
      t.isSubtechnique ? [] : repo.listSubtechniques(db, version, t.attackId),
      repo.tacticsOfTechniques(db, version, [t.stixId]),
      repo.mitigationsOfTechnique(db, version, t.stixId),
      repo.detectionStrategiesOfTechnique(db, version, t.stixId),
      countProcedures(db, version, t.stixId),
      listProcedures(db, version, t.stixId, { limit: PROCEDURE_SAMPLE, offset: 0 }),
      t.revokedBy ? repo.getTechnique(db, version, t.revokedBy) : null,
    ]);
  return {
    id: t.attackId,
    stixId: t.stixId,
    attackVersion: version,
    name: t.name,
    description: t.description,
    url: t.url,
    isSubtechnique: t.isSubtechnique,
    parent: parent ? { id: parent.attackId, name: parent.name } : null,
    subtechniques: subs.filter((s) => !s.deprecated).map((s) => ({ id: s.attackId, name: s.name })),
    tactics: (tactics.get(t.stixId) ?? []).map((x) => ({ id: x.attackId, shortname: x.shortname, name: x.name })),
    platforms: t.platforms,
    detection: t.detection,
    objectVersion: t.objectVersion,
    created: t.created,
    modified: t.modified,
    revoked: t.revoked,
    deprecated: t.deprecated,
    revokedBy: revokedBy ? { id: revokedBy.attackId, name: revokedBy.name } : null,
    mitigations,
    detectionStrategies: strategies,
    procedureCount,
    procedureExamples,
  };
}

export async function searchTechniquePage(
  db: Db,
  query: TechniqueQuery,
): Promise<{ items: TechniqueHitT[]; hasMore: boolean }> {
  const hits = await searchTechniques(db, query);
  const { page, hasMore } = takePage(hits, query.limit);
  const tactics = await repo.tacticsOfTechniques(
    db,
    query.version,
    page.map((h) => h.stixId),
  );
  return {
    items: page.map(({ stixId, ...h }) => ({ ...h, tactics: (tactics.get(stixId) ?? []).map((t) => t.shortname) })),
    hasMore,
  };
}

export async function listTacticsOf(db: Db, version: string): Promise<TacticT[]> {
  const rows = await repo.listTactics(db, version);
  return rows
    .filter((t) => !t.deprecated)
    .map((t) => ({
      id: t.attackId,
      shortname: t.shortname,
      name: t.name,
      description: t.description,
      url: t.url,
      techniqueCount: t.techniqueCount,
    }));
}
