/**
 * @module Ranked full-text search over techniques (FTS5 with bm25 over name, description, the software
 * that uses a technique, its procedures and tactics), with tactic and platform filters.
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
 * bm25 weights of attack_techniques_fts's columns (attack_id, name, description, search_software,
 * search_procedures, search_tactics), tuned on analysts' queries (test/technique-search.test.ts): a word in the
 * name counts most; a tool's name or alias more than prose; procedure text, long and repetitive, least.
 */
const WEIGHTS = sql.raw("10.0, 5.0, 1.0, 3.0, 0.5, 2.0");

/**
 * The search columns of attack_techniques, from a version's relationships: names and aliases of
 * the (current) software that uses the technique, its procedure examples, its tactics' names.
 * migrations/0011 backfills with the same SQL.
 */
export function searchTextSql(): {
  searchSoftware: SQL<string>;
  searchProcedures: SQL<string>;
  searchTactics: SQL<string>;
} {
  const uses = sql`p.version = attack_techniques.version AND p.technique_ref = attack_techniques.stix_id`;
  return {
    searchSoftware: sql`coalesce((SELECT group_concat(DISTINCT n.value) FROM attack_procedures p
      JOIN attack_software s ON s.version = p.version AND s.stix_id = p.source_ref
      JOIN json_each(json_insert(s.aliases, '$[#]', s.name)) n
      WHERE ${uses} AND s.revoked = 0 AND s.deprecated = 0), '')`,
    searchProcedures: sql`coalesce((SELECT group_concat(p.description, ' ') FROM attack_procedures p WHERE ${uses}), '')`,
    searchTactics: sql`coalesce((SELECT group_concat(ta.name, ' ') FROM attack_technique_tactics tt
      JOIN attack_tactics ta ON ta.version = tt.version AND ta.shortname = tt.tactic_shortname
      WHERE tt.version = attack_techniques.version AND tt.technique_stix_id = attack_techniques.stix_id), '')`,
  };
}

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
  // A technique named exactly what was typed comes first ("PowerShell" before "PowerShell Profile").
  const exactName = q.toLowerCase().replace(/\s+/g, " ");
  const from = (
    match: string,
  ) => sql`FROM attack_techniques_fts JOIN attack_techniques t ON t.rowid = attack_techniques_fts.rowid
      WHERE attack_techniques_fts MATCH ${match} AND ${where}`;
  const ranked = (match: string) =>
    db.all<HitRow>(sql`SELECT ${columns}, snippet(attack_techniques_fts, 2, '', '', '…', 24) AS snippet ${from(match)}
      ORDER BY (t.attack_id = ${exactId}) DESC, (lower(t.name) = ${exactName}) DESC,
        -- Two techniques can share a name (Spearphishing Attachment is T1566.001 and T1598.002):
        -- the one with more procedure text (more groups, software, campaigns use it) comes first.
        CASE WHEN lower(t.name) = ${exactName} THEN length(t.search_procedures) END DESC,
        bm25(attack_techniques_fts, ${WEIGHTS}), t.attack_id ${page}`);
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
