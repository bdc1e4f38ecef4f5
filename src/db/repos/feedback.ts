/**
 * @module Analysts' feedback on matches. Reads and writes take the tenant; the one cross-tenant
 * read (model training) says so in its argument.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { runBatch, type Db } from "../client";
import { matches, matchFeedback, reports, type Match, type MatchFeedback } from "../schema";

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

/**
 * Adds an analyst's match to a report and counts it in the report's summary, in one batch. Null
 * when the report already has a match on the technique (checked in the insert itself).
 */
export async function insertManualMatch(
  db: Db,
  tenantId: string,
  reportId: string,
  m: Omit<typeof matches.$inferInsert, "reportId" | "tenantId" | "method" | "createdAt"> & { id: string },
): Promise<Match | null> {
  const present = sql`EXISTS (SELECT 1 FROM ${matches} WHERE ${matches.reportId} = ${reportId}
    AND ${matches.tenantId} = ${tenantId} AND ${matches.techniqueId} = ${m.techniqueId} AND ${matches.id} <> ${m.id})`;
  const r = reports;
  await runBatch(db, [
    db
      .insert(matches)
      .values({ ...m, reportId, tenantId, method: "manual" })
      .onConflictDoNothing(),
    // After the insert: counts only when this batch added the row and no other match had the technique.
    db
      .update(r)
      .set({
        summary: sql`json_set(coalesce(${r.summary}, '{}'), '$.techniques', coalesce(json_extract(${r.summary}, '$.techniques'), 0) + 1)`,
      })
      .where(and(eq(r.tenantId, tenantId), eq(r.id, reportId), sql`NOT ${present}`)),
  ]);
  return getMatch(db, tenantId, reportId, m.id);
}

export interface FeedbackExample {
  text: string;
  techniqueId: string;
  verdict: MatchFeedback["verdict"];
  correctTechniqueId: string | null;
  /** `feedback`: a verdict on a match; `manual`: a technique an analyst added, a positive example. */
  source: "feedback" | "manual";
}

/**
 * Labelled evidence for training: verdicts on matches, and techniques analysts added (their span
 * and technique, as accepted; once per tenant, span and technique, since re-evaluation carries
 * them to each new version; one with a verdict of its own counts by that verdict). Either one
 * tenant's, or every tenant's (a deployment-wide build).
 */
export async function feedbackExamples(
  db: Db,
  scope: { tenantId: string } | "all-tenants",
): Promise<FeedbackExample[]> {
  const verdicts = await db
    .select({
      text: matches.evidenceText,
      techniqueId: matches.techniqueId,
      verdict: matchFeedback.verdict,
      correctTechniqueId: matchFeedback.correctTechniqueId,
    })
    .from(matchFeedback)
    .innerJoin(matches, and(eq(matches.id, matchFeedback.matchId), eq(matches.tenantId, matchFeedback.tenantId)))
    .where(scope === "all-tenants" ? undefined : eq(matchFeedback.tenantId, scope.tenantId));
  const manual = await db
    .selectDistinct({ tenantId: matches.tenantId, text: matches.evidenceText, techniqueId: matches.techniqueId })
    .from(matches)
    .leftJoin(matchFeedback, and(eq(matchFeedback.matchId, matches.id), eq(matchFeedback.tenantId, matches.tenantId)))
    .where(
      and(
        eq(matches.method, "manual"),
        isNull(matchFeedback.id),
        scope === "all-tenants" ? undefined : eq(matches.tenantId, scope.tenantId),
      ),
    );
  return [
    ...verdicts.map((v) => ({ ...v, source: "feedback" as const })),
    ...manual.map((m) => ({
      text: m.text,
      techniqueId: m.techniqueId,
      verdict: "accept" as const,
      correctTechniqueId: null,
      source: "manual" as const,
    })),
  ];
}
