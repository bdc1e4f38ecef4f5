/**
 * @module ATT&CK technique ids: the canonical form, how to get there from what people and rule
 * authors write, and where a revoked one leads. Pure (the rule parsers and the Navigator schema use it without a database).
 */

/** The canonical form: T1059 or T1059.001. */
export const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;

/** Trimmed and upper-cased (t1059.001 → T1059.001) if that is canonical, else null. */
export function canonicalTechniqueId(raw: string): string | null {
  const id = raw.trim().toUpperCase();
  return TECHNIQUE_ID.test(id) ? id : null;
}

/** Canonical technique id (T1059.001) from what people type (t1059.001, T1059/001), or null. */
export function normalizeTechniqueId(raw: string): string | null {
  return canonicalTechniqueId(raw.replace("/", "."));
}

/** Follows a revoked id to the technique that finally replaced it (itself when not revoked). */
export function successor(id: string, revokedBy: (id: string) => string | undefined): string {
  let current = id;
  for (let hops = 0, next = revokedBy(current); hops < 10 && next; hops++, next = revokedBy(current)) current = next;
  return current;
}
