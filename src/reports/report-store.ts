/**
 * @module From an analysed document to a stored report: report row, one match per asserted
 * technique (its strongest evidence in columns, all evidence as JSON), the retained text, and the
 * same text in chunks for search; and reading the retained text back.
 */
import type { AnalysisResult } from "../analysis/engine";
import type { Db } from "../db/client";
import { persistReport, reportDocumentChunks, type NewMatch } from "../db/repos/reports";
import type { Report } from "../db/schema";
import { AppError } from "../errors";
import { base64Chunks, gunzip, gzip, joinBase64Chunks } from "../lib/bytes";
import { countBy } from "../lib/collections";

/** Raw (gzipped) bytes per retained-text chunk: about 1.4 MB of base64 per D1 row. */
const DOCUMENT_CHUNK = 1_000_000;

/**
 * Characters per search-text chunk: at most 200 KB of UTF-8 per D1 row, well under its 2 MB, and
 * a hit's snippet comes from the chunk it is in.
 */
export const SEARCH_CHUNK = 50_000;

/** The text in chunks of at most `size` characters, cut at whitespace so no word is split. */
export function searchChunks(text: string, size = SEARCH_CHUNK): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) {
      const space = text.slice(start, end).search(/\s\S*$/);
      if (space > 0) end = start + space + 1;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

export interface AnalysedDocument {
  tenantId: string;
  workflowId?: string;
  source: Report["sourceType"];
  sourceUrl?: string | null;
  title: string | null;
  text: string;
  contentHash: string;
  attackVersion: string;
  modelId: string;
  kind: string;
  result: AnalysisResult;
  /** For a new version of an existing report: the link, what changed, matches carried over. */
  version?: {
    previous: { id: string; rootReportId: string | null; versionNumber: number };
    changes: unknown;
    carried: NewMatch[];
    /** The previous version's retained text, reused as is. */
    documentChunks: string[];
  };
}

export function toMatches(result: AnalysisResult): NewMatch[] {
  return result.techniques.map((t) => {
    const first = t.evidence[0] ?? { text: "", start: 0, end: 0 };
    return {
      id: crypto.randomUUID(),
      techniqueId: t.id,
      confidence: t.confidence,
      method: t.method,
      evidenceText: first.text,
      evidenceStart: first.start,
      evidenceEnd: first.end,
      evidence: t.evidence,
      note: t.note ?? null,
    };
  });
}

/** What was stored: the report's id and the techniques as the report now holds them (with match ids). */
export interface StoredReport {
  id: string;
  techniques: (AnalysisResult["techniques"][number] & { matchId: string })[];
}

/** Writes report, matches, text (and the workflow's completion) in one batch. */
export async function storeReport(db: Db, doc: AnalysedDocument): Promise<StoredReport> {
  const id = crypto.randomUUID();
  const matches = toMatches(doc.result);
  await persistReport(db, {
    report: {
      id,
      tenantId: doc.tenantId,
      workflowId: doc.workflowId ?? null,
      sourceType: doc.source,
      sourceUrl: doc.sourceUrl ?? null,
      title: doc.title,
      contentHash: doc.contentHash,
      attackVersion: doc.attackVersion,
      charCount: doc.text.length,
      status: "complete",
      ...(doc.version
        ? {
            rootReportId: doc.version.previous.rootReportId ?? doc.version.previous.id,
            previousReportId: doc.version.previous.id,
            versionNumber: doc.version.previous.versionNumber + 1,
            changes: doc.version.changes,
          }
        : {}),
      summary: {
        techniques: doc.result.techniques.length,
        sentences: doc.result.sentences,
        kind: doc.kind,
        modelId: doc.modelId,
        methods: Object.fromEntries(countBy(doc.result.techniques.map((t) => t.method))),
      },
    },
    matches: [...matches, ...(doc.version?.carried ?? [])],
    documentChunks: doc.version?.documentChunks ?? base64Chunks(await gzip(doc.text), DOCUMENT_CHUNK),
    textChunks: searchChunks(doc.text),
    workflowId: doc.workflowId,
    supersedes: doc.version?.previous.id,
  });
  // toMatches keeps the result's order: match i is technique i.
  return { id, techniques: doc.result.techniques.map((t, i) => ({ ...t, matchId: matches[i]?.id ?? "" })) };
}

/** A report's retained text, with the stored chunks it came from; a 422 says what it was wanted for. */
export async function readRetainedText(
  db: Db,
  tenantId: string,
  reportId: string,
  purpose: string,
): Promise<{ text: string; chunks: string[] }> {
  const chunks = await reportDocumentChunks(db, tenantId, reportId);
  if (chunks.length === 0) throw new AppError(422, "no_retained_text", `report ${reportId} kept no text to ${purpose}`);
  return { text: new TextDecoder().decode(await gunzip(joinBase64Chunks(chunks))), chunks };
}
