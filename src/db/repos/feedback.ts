/**
 * @module Analysts' feedback on matches. Reads and writes take the tenant; the one cross-tenant
 * read (model training) says so in its argument.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { matches, matchFeedback, type Match, type MatchFeedback } from "../schema";

export async function getMatch(db: Db, tenantId: string, reportId: string, matchId: string): Promise<Match | null> {
  return (
    (await db
      .select()
      .from(matches)
      .where(and(eq(matches.tenantId, tenantId), eq(matches.reportId, reportId), eq(matches.id, matchId)))
      .get()) ?? null
  );
}

export type NewFeedback = Omit<typeof matchFeedback.$inferInsert, "id" | "createdAt" | "tenantId">;

/** One verdict per match and tenant: a new one replaces the previous. */
export async function upsertFeedback(db: Db, tenantId: string, f: NewFeedback): Promise<MatchFeedback> {
  const [row] = await db
    .insert(matchFeedback)
    .values({ ...f, id: crypto.randomUUID(), tenantId })
    .onConflictDoUpdate({
      target: [matchFeedback.tenantId, matchFeedback.matchId],
      set: {
        verdict: f.verdict,
        correctTechniqueId: f.correctTechniqueId ?? null,
        comment: f.comment ?? null,
        keyPrefix: f.keyPrefix ?? null,
        createdAt: new Date().toISOString(),
      },
    })
    .returning();
  if (!row) throw new Error("feedback upsert returned no row");
  return row;
}

export async function feedbackForReport(db: Db, tenantId: string, reportId: string): Promise<MatchFeedback[]> {
  return db
    .select()
    .from(matchFeedback)
    .where(and(eq(matchFeedback.tenantId, tenantId), eq(matchFeedback.reportId, reportId)));
}

export interface FeedbackExample {
  text: string;
  techniqueId: string;
  verdict: MatchFeedback["verdict"];
  correctTechniqueId: string | null;
}

/** Evidence sentences with their verdicts, for training. Either one tenant's, or every tenant's (a deployment-wide build). */
export async function feedbackExamples(
  db: Db,
  scope: { tenantId: string } | "all-tenants",
): Promise<FeedbackExample[]> {
  const rows = await db
    .select({
      text: matches.evidenceText,
      techniqueId: matches.techniqueId,
      verdict: matchFeedback.verdict,
      correctTechniqueId: matchFeedback.correctTechniqueId,
    })
    .from(matchFeedback)
    .innerJoin(matches, and(eq(matches.id, matchFeedback.matchId), eq(matches.tenantId, matchFeedback.tenantId)))
    .where(scope === "all-tenants" ? undefined : eq(matchFeedback.tenantId, scope.tenantId));
  return rows;
}
