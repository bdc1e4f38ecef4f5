/**
 * @module What coverage needs to know about an ATT&CK version: its active techniques with their
 * tactics, how many groups, software and campaigns use each (the threat they carry), and how a
 * technique id found in a rule resolves (revoked → successor). Read once per version and isolate.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";

export interface TechniqueFacts {
  id: string;
  name: string;
  tactics: string[];
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
  const rows = await db.all<{ id: string; name: string; revoked: number; deprecated: number; revokedBy: string | null; tactics: string | null; usage: number }>(sql`
    SELECT t.attack_id AS id, t.name AS name, t.revoked AS revoked, t.deprecated AS deprecated, t.revoked_by AS revokedBy,
      (SELECT group_concat(tt.tactic_shortname) FROM attack_technique_tactics tt WHERE tt.version = t.version AND tt.technique_stix_id = t.stix_id) AS tactics,
      (SELECT count(DISTINCT p.source_ref) FROM attack_procedures p WHERE p.version = t.version AND p.technique_ref = t.stix_id) AS usage
    FROM attack_techniques t WHERE t.version = ${version}`);
  const tactics = await db.all<{ id: string; shortname: string; name: string }>(
    sql`SELECT attack_id AS id, shortname, name FROM attack_tactics WHERE version = ${version} AND deprecated = 0 ORDER BY ordinal`,
  );
  const context: AttackContext = { version, techniques: new Map(), tactics, revokedBy: new Map(), deprecated: new Set() };
  for (const r of rows) {
    if (r.revoked) {
      if (r.revokedBy) context.revokedBy.set(r.id, r.revokedBy);
    } else if (r.deprecated) context.deprecated.add(r.id);
    else context.techniques.set(r.id, { id: r.id, name: r.name, tactics: r.tactics ? r.tactics.split(",") : [], usage: r.usage });
  }
  return context;
}

/** A technique id from a rule, in the context's version. */
export function resolveTechnique(context: AttackContext, id: string): Resolution {
  if (context.techniques.has(id)) return { id };
  let current = id;
  for (let hops = 0; hops < 10 && context.revokedBy.has(current); hops++) current = context.revokedBy.get(current) as string;
  if (current !== id && context.techniques.has(current)) {
    return { id: current, note: `${id} is revoked in ATT&CK ${context.version}; mapped to its successor ${current}` };
  }
  if (context.deprecated.has(id)) return { unknown: `${id} is deprecated in ATT&CK ${context.version}: not mapped` };
  return { unknown: `${id} is not an ATT&CK ${context.version} technique: not mapped` };
}
