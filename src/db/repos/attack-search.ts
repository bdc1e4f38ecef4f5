/**
 * @module Ranked full-text search over techniques (FTS5 with bm25), with tactic and platform filters.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";

export interface TechniqueQuery {
  version: string;
  q?: string;
  /** TA0001, initial-access or "Initial Access". */
  tactic?: string;
  platform?: string;
  /** Also list revoked and deprecated techniques. */
  includeRevoked?: boolean;
  limit: number;
  offset: number;
}

export interface TechniqueHit {
  stixId: string;
  id: string;
  name: string;
  isSubtechnique: boolean;
  parentId: string | null;
  platforms: string[];
  revoked: boolean;
  deprecated: boolean;
  /** The part of the description that matched, or its opening when there was no query. */
  snippet: string;
}

interface HitRow {
  stixId: string;
  id: string;
  name: string;
  isSubtechnique: number;
  parentId: string | null;
  platforms: string;
  revoked: number;
  deprecated: number;
  snippet: string;
}

const ATTACK_ID = /^T\d{4}(?:\.\d{3})?$/i;
const MAX_TERMS = 16;

/**
 * FTS5 query text for free text typed by a person: every word quoted (so FTS operators in the
 * input are inert), the last one as a prefix so a query can be typed incrementally.
 */
export function ftsQuery(q: string, mode: "all" | "any"): string | null {
  const words = (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  const terms = words.map((w, i) => (i === words.length - 1 ? `"${w}"*` : `"${w}"`));
  return terms.join(mode === "all" ? " " : " OR ");
}

/** Returns up to `limit + 1` hits so the caller can tell whether another page exists. */
export async function searchTechniques(db: Db, query: TechniqueQuery): Promise<TechniqueHit[]> {
  const filters: SQL[] = [sql`t.version = ${query.version}`];
  if (!query.includeRevoked) filters.push(sql`t.revoked = 0 AND t.deprecated = 0`);
  if (query.tactic) {
    filters.push(sql`EXISTS (SELECT 1 FROM attack_technique_tactics tt
      JOIN attack_tactics ta ON ta.version = tt.version AND ta.shortname = tt.tactic_shortname
      WHERE tt.version = t.version AND tt.technique_stix_id = t.stix_id
        AND (ta.attack_id = upper(${query.tactic}) OR ta.shortname = lower(${query.tactic}) OR lower(ta.name) = lower(${query.tactic})))`);
  }
  if (query.platform) {
    filters.push(sql`EXISTS (SELECT 1 FROM json_each(t.platforms) WHERE lower(value) = lower(${query.platform}))`);
  }
  const where = sql.join(filters, sql` AND `);
  const columns = sql`t.stix_id AS stixId, t.attack_id AS id, t.name AS name, t.is_subtechnique AS isSubtechnique,
    t.parent_id AS parentId, t.platforms AS platforms, t.revoked AS revoked, t.deprecated AS deprecated`;
  const page = sql`LIMIT ${query.limit + 1} OFFSET ${query.offset}`;

  const q = query.q?.trim();
  if (!q) {
    const rows = await db.all<HitRow>(sql`SELECT ${columns}, substr(t.description, 1, 200) AS snippet
      FROM attack_techniques t WHERE ${where} ORDER BY t.attack_id ${page}`);
    return rows.map(toHit);
  }
  const exactId = ATTACK_ID.test(q) ? q.toUpperCase() : "";
  const from = (
    match: string,
  ) => sql`FROM attack_techniques_fts JOIN attack_techniques t ON t.rowid = attack_techniques_fts.rowid
      WHERE attack_techniques_fts MATCH ${match} AND ${where}`;
  const ranked = (match: string) =>
    db.all<HitRow>(sql`SELECT ${columns}, snippet(attack_techniques_fts, 2, '', '', '…', 24) AS snippet ${from(match)}
      ORDER BY (t.attack_id = ${exactId}) DESC, bm25(attack_techniques_fts, 10.0, 5.0, 1.0), t.attack_id ${page}`);
  // Every word first; only when no technique holds them all, any word (still ranked by bm25).
  const all = ftsQuery(q, "all");
  const any = ftsQuery(q, "any");
  if (!all || !any) return [];
  const rows = await ranked(all);
  if (rows.length > 0 || any === all) return rows.map(toHit);
  const allHasHits = query.offset > 0 && (await db.all(sql`SELECT 1 ${from(all)} LIMIT 1`)).length > 0;
  return allHasHits ? [] : (await ranked(any)).map(toHit);
}

function toHit(r: HitRow): TechniqueHit {
  return {
    stixId: r.stixId,
    id: r.id,
    name: r.name,
    isSubtechnique: r.isSubtechnique === 1,
    parentId: r.parentId,
    platforms: JSON.parse(r.platforms) as string[],
    revoked: r.revoked === 1,
    deprecated: r.deprecated === 1,
    snippet: r.snippet,
  };
}
