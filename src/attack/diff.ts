/**
 * @module Changes between two loaded ATT&CK versions, by technique id: what was added, removed,
 * revoked, deprecated, renamed, moved between tactics or updated. Computed once per ordered pair
 * and kept in attack_changes by the workflows that move reports across versions (loaded versions
 * never change); reads serve the kept pair or compute one without keeping it.
 *
 * A technique is *active* when it is neither revoked nor deprecated. The rules, with A the version
 * compared from and B the one compared to:
 * - added: active in B, absent from A (an id that appears already revoked or deprecated is not news);
 * - removed: in A, absent from B;
 * - revoked: not revoked in A (or absent from it), revoked in B, with B's replacement;
 * - deprecated: not deprecated in A (or absent from it), deprecated in B;
 * - renamed: in both, names differ;
 * - tacticsChanged: in both, sets of tactic shortnames differ;
 * - updated: in both, active in B, x_mitre_version differs.
 */
import { getVersion, listVersionStats } from "../db/repos/attack";
import { getStoredChanges, listTechniqueStates, storeChanges, type TechniqueState } from "../db/repos/attack-changes";
import type { Db } from "../db/client";
import { badRequest, notFound } from "../errors";
import { AttackChangeLists, type AttackChangeListsT, type AttackChangesT } from "./attack.schemas";

export type { TechniqueState };

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const isActive = (t: TechniqueState): boolean => !t.revoked && !t.deprecated;
const sortedTactics = (t: TechniqueState): string[] => [...new Set(t.tactics)].sort();

/** Active techniques of a version (the classes of its model), by id, and its revocations. */
export function techniqueCatalog(states: TechniqueState[]): {
  techniques: { id: string; name: string }[];
  revoked: Record<string, string>;
} {
  // By id in SQLite's byte order (the ids are ASCII): the model's class order and its revoked map's key order.
  const sorted = [...states].sort(byId);
  const revoked: Record<string, string> = {};
  for (const s of sorted) if (s.revoked && s.revokedBy) revoked[s.id] = s.revokedBy;
  return { techniques: sorted.filter(isActive).map((s) => ({ id: s.id, name: s.name })), revoked };
}

/** The comparison itself: pure, so it can be tested without a database. */
export function diffTechniques(a: TechniqueState[], b: TechniqueState[]): AttackChangeListsT {
  const before = new Map(a.map((t) => [t.id, t]));
  const after = [...b].sort(byId);
  const afterIds = new Set(b.map((t) => t.id));
  const out: AttackChangeListsT = {
    added: [],
    removed: [...before.keys()].filter((id) => !afterIds.has(id)).sort(),
    revoked: [],
    deprecated: [],
    renamed: [],
    tacticsChanged: [],
    updated: [],
  };
  for (const t of after) {
    const old = before.get(t.id);
    if (t.revoked && !old?.revoked) out.revoked.push({ id: t.id, revokedBy: t.revokedBy });
    if (t.deprecated && !old?.deprecated) out.deprecated.push(t.id);
    if (!old) {
      if (isActive(t)) out.added.push(t.id);
      continue;
    }
    if (old.name !== t.name) out.renamed.push({ id: t.id, from: old.name, to: t.name });
    const [from, to] = [sortedTactics(old), sortedTactics(t)];
    if (from.join("\n") !== to.join("\n")) out.tacticsChanged.push({ id: t.id, from, to });
    if (isActive(t) && old.objectVersion !== t.objectVersion) out.updated.push(t.id);
  }
  return out;
}

/** Reads both versions' techniques and compares them. Does not check that the versions are loaded. */
export async function computeChanges(db: Db, from: string, to: string): Promise<AttackChangesT> {
  const [a, b] = await Promise.all([listTechniqueStates(db, from), listTechniqueStates(db, to)]);
  return { from, to, computedAt: new Date().toISOString(), ...diffTechniques(a, b) };
}

async function requireLoaded(db: Db, from: string, to: string): Promise<void> {
  if (from === to) throw badRequest(`'from' and 'to' are both ${from}: name two different ATT&CK versions`);
  const versions = await Promise.all([getVersion(db, from), getVersion(db, to)]);
  const missing = [from, to].filter((_, i) => versions[i]?.status !== "ready");
  if (missing.length > 0) {
    const loaded = (await listVersionStats(db)).filter((v) => v.status === "ready").map((v) => v.version);
    const which = missing.length === 1 ? `ATT&CK ${missing[0]} is` : `ATT&CK ${missing.join(" and ")} are`;
    throw notFound(`${which} not loaded (loaded: ${loaded.join(", ") || "none"})`);
  }
}

/**
 * The changes from one loaded version to another, for a read: the stored ones (a refresh stores
 * the pair it moves across), or computed now and not stored (a read never writes).
 */
export async function readChanges(db: Db, from: string, to: string): Promise<AttackChangesT> {
  await requireLoaded(db, from, to);
  return (await readStored(db, from, to)) ?? computeChanges(db, from, to);
}

/**
 * The changes from one loaded version to another, kept: the stored ones, or computed and stored
 * now. For writers (the refresh and re-evaluation workflows); loaded versions never change, so a
 * pair is computed once.
 */
export async function recordChanges(db: Db, from: string, to: string): Promise<AttackChangesT> {
  await requireLoaded(db, from, to);
  const stored = await readStored(db, from, to);
  if (stored) return stored;
  const computed = await computeChanges(db, from, to);
  const { from: _f, to: _t, computedAt, ...lists } = computed;
  if (await storeChanges(db, from, to, lists, computedAt)) return computed;
  // Another writer stored the pair meanwhile: serve its row, so every caller sees the same computedAt.
  return (await readStored(db, from, to)) ?? computed;
}

async function readStored(db: Db, from: string, to: string): Promise<AttackChangesT | null> {
  const row = await getStoredChanges(db, from, to);
  if (!row) return null;
  // Validated: the JSON column has no type of its own, and a row outlives the code that wrote it.
  return { from, to, computedAt: row.computedAt, ...AttackChangeLists.parse(row.changes) };
}
