/**
 * @module Importing detection rules into an account: parse every file (Sigma, Splunk, Elastic),
 * resolve its technique ids against the active ATT&CK version (revoked → successor, with a note),
 * infer techniques for untagged rules with the analysis engine (`nlp` mappings, pending review),
 * and write new, changed (a new version: drift) and unchanged rules in one D1 batch with the scan's
 * snapshot. A file that cannot be parsed or names an unknown id is reported, never dropped silently,
 * and never stops the rest.
 */
import { analyzeText } from "../analysis/engine";
import { runBatch, type Db, type Statement } from "../db/client";
import { markCoveragePending } from "../db/repos/coverage";
import {
  detectionsByRuleId,
  insertDetection,
  replaceAutomaticMappings,
  reviseDetection,
  serviceIds,
  touchDetection,
  upsertLogic,
  removeUnseen,
  countUnseen,
  getSnapshot,
  scanSnapshotStatement,
  type NewMapping,
} from "../db/repos/detections";
import type { Account } from "../db/schema";
import { AppError, notFound } from "../errors";
import { sha256Hex } from "../lib/bytes";
import { modelFor } from "../models/model-cache";
import { attackContext, resolveTechnique } from "./attack-context";
import { parseRule, PARSER_VERSION, type ParsedRule, type RuleFormat } from "./parsers";

/** Confidence of a mapping read from the rule's own ATT&CK tag. */
const TAG_CONFIDENCE = 0.9;
/** Techniques inferred for an untagged rule: at most this many, at or above the model's threshold. */
const NLP_MAX = 3;

export interface ImportFile {
  path: string;
  content: string;
}

export interface ImportRequest {
  format: RuleFormat;
  files: ImportFile[];
  /** Continue this scan (several calls for a large rule set). */
  scanId?: string;
  /** The scan held every rule of the format: rules it did not see are marked removed. */
  complete?: boolean;
}

export interface ImportResult {
  scanId: string;
  imported: number;
  updated: number;
  unchanged: number;
  skipped: number;
  removed: number;
  mappings: { tag: number; nlp: number };
  errors: { path: string; message: string }[];
  notes: { path: string; message: string }[];
}

/** Whether the call read any rule (imported, updated, found unchanged or removed): one whose every file was refused did not. */
export const readAnyRule = (r: ImportResult) => r.imported + r.updated + r.unchanged + r.removed > 0;

function serviceName(rule: ParsedRule, format: RuleFormat): string {
  const l = rule.logic.logsource;
  const parts = [l.product, l.service ?? l.category].filter(Boolean);
  return parts.length ? `${format}:${parts.join("/")}` : format;
}

/**
 * Imports into `account` (already read for its tenant), resolving ids against ATT&CK `version`.
 * The file count is bounded by the input schema (MAX_FILES_PER_IMPORT).
 */
export async function importDetections(
  db: Db,
  account: Account,
  version: string,
  req: ImportRequest,
): Promise<ImportResult> {
  const { tenantId, id: accountId } = account;
  let scanId = req.scanId;
  if (scanId) {
    const scan = await getSnapshot(db, tenantId, accountId, scanId);
    if (!scan) throw notFound(`no scan ${scanId} for this account`);
    if (scan.format !== req.format)
      throw new AppError(400, "bad_request", `scan ${scanId} is a ${scan.format} scan, not ${req.format}`);
    if (scan.completedAt) throw new AppError(409, "conflict", `scan ${scanId} is complete: start a new scan`);
  }
  scanId ??= crypto.randomUUID();

  const context = await attackContext(db, version);
  const result: ImportResult = {
    scanId,
    imported: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    removed: 0,
    mappings: { tag: 0, nlp: 0 },
    errors: [],
    notes: [],
  };

  // Parse everything first: a bad file is reported and skipped, the rest goes on.
  const parsed: { file: ImportFile; rule: ParsedRule }[] = [];
  const seen = new Set<string>();
  for (const file of req.files) {
    const r = parseRule(req.format, file.path, file.content);
    if (!r.ok) {
      result.errors.push({ path: file.path, message: r.error });
      result.skipped++;
    } else if (seen.has(r.rule.ruleId)) {
      result.errors.push({
        path: file.path,
        message: `rule id ${r.rule.ruleId} appears twice in this import: the first one was kept`,
      });
      result.skipped++;
    } else {
      seen.add(r.rule.ruleId);
      parsed.push({ file, rule: r.rule });
    }
  }

  const existing = await detectionsByRuleId(
    db,
    tenantId,
    accountId,
    req.format,
    parsed.map((p) => p.rule.ruleId),
  );
  const services = await serviceIds(
    db,
    parsed.map((p) => serviceName(p.rule, req.format)),
  );
  const untagged = parsed.some((p) => p.rule.techniqueIds.length === 0);
  const model = untagged ? await modelFor(db, version).catch(() => null) : null;
  if (untagged && !model)
    result.notes.push({
      path: "*",
      message: `no mapping model for ATT&CK ${version}: untagged rules get no inferred mappings`,
    });

  const now = new Date().toISOString();
  const statements: Statement[] = [];
  for (const { file, rule } of parsed) {
    const hash = await sha256Hex(file.content);
    const old = existing.get(rule.ruleId);
    if (old && old.contentHash === hash) {
      result.unchanged++;
      statements.push(touchDetection(db, tenantId, old.id, scanId));
      continue;
    }
    const id = old?.id ?? crypto.randomUUID();
    const fields = {
      serviceId: services.get(serviceName(rule, req.format)) ?? null,
      path: file.path,
      name: rule.name,
      description: rule.description,
      status: rule.status,
      owner: rule.author,
      severity: rule.severity,
      tags: rule.tags,
      rawConfig: file.content,
      contentHash: hash,
      sourceModified: rule.modified,
      lastScanId: scanId,
    };
    if (old) {
      statements.push(...reviseDetection(db, old, tenantId, fields));
      result.updated++;
    } else {
      statements.push(
        insertDetection(db, {
          ...fields,
          id,
          tenantId,
          accountId,
          detectionType: req.format,
          sourceRuleId: rule.ruleId,
          discoveredAt: now,
          modifiedAt: now,
        }),
      );
      result.imported++;
    }
    statements.push(
      upsertLogic(db, {
        detectionId: id,
        tenantId,
        entities: rule.logic.entities,
        conditions: rule.logic.conditions,
        logsource: rule.logic.logsource,
        severity: rule.severity,
        parserVersion: PARSER_VERSION,
        parseConfidence: rule.parseConfidence,
      }),
    );
    const mappings: NewMapping[] = [];
    for (const raw of rule.techniqueIds) {
      const r = resolveTechnique(context, raw);
      if ("unknown" in r) {
        result.errors.push({ path: file.path, message: r.unknown });
        continue;
      }
      if (r.note) result.notes.push({ path: file.path, message: r.note });
      if (mappings.some((m) => m.techniqueId === r.id)) continue;
      mappings.push({
        id: crypto.randomUUID(),
        tenantId,
        accountId,
        detectionId: id,
        techniqueId: r.id,
        confidence: TAG_CONFIDENCE,
        method: "tag",
        validation: "pending",
        rationale: r.note ?? `tagged ${raw} in the rule`,
      });
    }
    if (rule.techniqueIds.length === 0 && model) {
      const analysis = analyzeText(`${rule.name}.\n${rule.description}`, model.model);
      for (const t of analysis.techniques.slice(0, NLP_MAX)) {
        mappings.push({
          id: crypto.randomUUID(),
          tenantId,
          accountId,
          detectionId: id,
          techniqueId: t.id,
          confidence: t.confidence,
          method: "nlp",
          validation: "pending",
          rationale: `inferred from the rule's title and description: "${t.evidence[0]?.text.slice(0, 200) ?? ""}"`,
        });
      }
    }
    result.mappings.tag += mappings.filter((m) => m.method === "tag").length;
    result.mappings.nlp += mappings.filter((m) => m.method === "nlp").length;
    statements.push(...replaceAutomaticMappings(db, tenantId, id, mappings));
  }

  if (req.complete) {
    result.removed = await countUnseen(db, tenantId, accountId, req.format, scanId, [...seen]);
    statements.push(removeUnseen(db, tenantId, accountId, req.format, scanId));
  }
  const counts = {
    files: req.files.length,
    added: result.imported,
    modified: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    removed: result.removed,
    errors: result.errors,
  };
  statements.push(
    scanSnapshotStatement(
      db,
      { tenantId, accountId, scanId, format: req.format, now, complete: req.complete === true },
      counts,
      {
        continues: req.scanId !== undefined,
      },
    ),
  );
  // Cleared by the recompute that follows; left for the cron if that recompute fails. A call whose
  // every file was refused read nothing: the coverage it would recompute is the same.
  if (readAnyRule(result)) {
    statements.push(markCoveragePending(db, { tenantId, accountId }, now));
  }
  await runBatch(db, statements);
  return result;
}
