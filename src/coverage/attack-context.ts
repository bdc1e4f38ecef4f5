/**
 * @module What coverage needs to know about an ATT&CK version: its active techniques with their
 * tactics, how many groups, software and campaigns use each (the threat they carry), and how a
 * technique id found in a rule resolves (revoked → successor). Read once per version and isolate.
 */
import { successor } from "../attack/ids";
import type { Db } from "../db/client";
import { techniqueFactsOf } from "../db/repos/attack";

export interface TechniqueFacts {
  id: string;
  name: string;
  tactics: string[];
  /** ATT&CK platform names (`x_mitre_platforms`). */
  platforms: string[];
  /** Distinct groups, software and campaigns with a procedure example for it. */
  usage: number;
}

export interface AttackContext {
  version: string;
  techniques: Map<string, TechniqueFacts>;
  /** Tactics in matrix order: id, shortname, name. */
  tactics: { id: string; shortname: string; name: string }[];
  revokedBy: Map<string, string>;
  deprecated: Set<string>;
  /** Every platform an active technique names, sorted: what an account may scope its coverage to. */
  platforms: string[];
}

export type Resolution = { id: string; note?: string } | { unknown: string };

const cache = new Map<string, Promise<AttackContext>>();

export function attackContext(db: Db, version: string): Promise<AttackContext> {
  let pending = cache.get(version);
  if (!pending) {
    pending = load(db, version);
    cache.set(version, pending);
    pending.catch(() => cache.delete(version));
  }
  return pending;
}

async function load(db: Db, version: string): Promise<AttackContext> {
  const { rows, tacticRows, usageRows, tactics } = await techniqueFactsOf(db, version);
  const tacticsOf = new Map(tacticRows.map((r) => [r.stixId, r.tactics.split(",")]));
  const usageOf = new Map(usageRows.map((r) => [r.stixId, r.usage]));
  const context: AttackContext = {
    version,
    techniques: new Map(),
    tactics,
    revokedBy: new Map(),
    deprecated: new Set(),
    platforms: [],
  };
  const platforms = new Set<string>();
  for (const r of rows) {
    if (r.revoked) {
      if (r.revokedBy) context.revokedBy.set(r.id, r.revokedBy);
    } else if (r.deprecated) context.deprecated.add(r.id);
    else {
      const list = JSON.parse(r.platforms) as string[];
      for (const p of list) platforms.add(p);
      context.techniques.set(r.id, {
        id: r.id,
        name: r.name,
        tactics: tacticsOf.get(r.stixId) ?? [],
        platforms: list,
        usage: usageOf.get(r.stixId) ?? 0,
      });
    }
  }
  context.platforms = [...platforms].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" }));
  return context;
}

/** A technique id from a rule, in the context's version. */
export function resolveTechnique(context: AttackContext, id: string): Resolution {
  if (context.techniques.has(id)) return { id };
  const current = successor(id, (x) => context.revokedBy.get(x));
  if (current !== id && context.techniques.has(current)) {
    return { id: current, note: `${id} is revoked in ATT&CK ${context.version}; mapped to its successor ${current}` };
  }
  if (context.deprecated.has(id)) return { unknown: `${id} is deprecated in ATT&CK ${context.version}: not mapped` };
  return { unknown: `${id} is not an ATT&CK ${context.version} technique: not mapped` };
}
