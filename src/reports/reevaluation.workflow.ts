/**
 * @module Re-evaluation of a stored report under a newer ATT&CK version: the retained text is
 * analysed again with the new version's model and stored as a new version of the report (the old
 * one stays, no longer latest). Matches on a technique the new version revoked move to its
 * successor with a note; matches on a deprecated one are kept and flagged; techniques an analyst
 * added (method manual) are kept.
 */
import { analyzeText } from "../analysis/engine";
import { recordChanges } from "../attack/diff";
import { createDb } from "../db/client";
import { getTechnique } from "../db/repos/attack";
import { getReport, listMatches, type NewMatch } from "../db/repos/reports";
import type { Match } from "../db/schema";
import { AppError } from "../errors";
import { modelFor } from "../models/model-cache";
import { readRetainedText, storeReport } from "./report-store";
import type { StepDefinition, WorkflowDefinition } from "../workflows/types";
import type { ReevalInput } from "./reevaluation.service";

const carry = (m: Match, techniqueId: string, note: string | null): NewMatch => ({
  id: crypto.randomUUID(),
  techniqueId,
  confidence: m.confidence,
  method: m.method,
  evidenceText: m.evidenceText,
  evidenceStart: m.evidenceStart,
  evidenceEnd: m.evidenceEnd,
  evidence: m.evidence,
  note,
});

const reevaluateStep: StepDefinition = {
  name: "reevaluate",
  progress: 1,
  async run({ env, state }) {
    const input = state.input as unknown as ReevalInput;
    const tenantId = state.tenantId as string;
    const db = createDb(env.DB);
    const report = await getReport(db, tenantId, input.reportId);
    if (!report) throw new AppError(404, "not_found", `report ${input.reportId} no longer exists`);
    if (!report.latest || report.attackVersion === input.toVersion) {
      return {
        result: { skipped: "the report already has a version under this ATT&CK release" },
        completeWith: { reportId: report.id },
      };
    }
    const { text, chunks } = await readRetainedText(db, tenantId, report.id, "re-evaluate");
    const { id: modelId, model } = await modelFor(db, input.toVersion);
    const result = analyzeText(text, model);
    const changes = await recordChanges(db, report.attackVersion, input.toVersion);

    const found = new Set(result.techniques.map((t) => t.id));
    const revokedBy = new Map(changes.revoked.map((r) => [r.id, r.revokedBy]));
    const deprecated = new Set(changes.deprecated);
    const carried: NewMatch[] = [];
    const moved: { from: string; to: string }[] = [];
    const flagged: string[] = [];
    const previous = await listMatches(db, tenantId, report.id);
    for (const m of previous) {
      const successor = revokedBy.get(m.techniqueId);
      if (successor) {
        moved.push({ from: m.techniqueId, to: successor });
        const note = `moved from ${m.techniqueId}: revoked in ATT&CK ${input.toVersion}, replaced by ${successor}`;
        const fresh = result.techniques.find((t) => t.id === successor);
        if (fresh) fresh.note = fresh.note ? `${fresh.note}; ${note}` : note;
        else if (
          !carried.some((c) => c.techniqueId === successor) &&
          (await getTechnique(db, input.toVersion, successor))
        ) {
          carried.push(carry(m, successor, note));
          found.add(successor);
        }
      } else if (deprecated.has(m.techniqueId)) {
        flagged.push(m.techniqueId);
        carried.push(
          carry(m, m.techniqueId, `deprecated in ATT&CK ${input.toVersion}: kept from the previous version for review`),
        );
      } else if (m.method === "manual" && !found.has(m.techniqueId)) {
        // An analyst's assertion outlives the model's answer: kept on every later version.
        carried.push(carry(m, m.techniqueId, m.note));
        found.add(m.techniqueId);
      }
    }
    const before = new Set(previous.map((m) => m.techniqueId));
    const reportChanges = {
      fromVersion: report.attackVersion,
      toVersion: input.toVersion,
      added: [...found].filter((id) => !before.has(id) && !moved.some((m) => m.to === id)).sort(),
      removed: [...before].filter((id) => !found.has(id) && !revokedBy.has(id) && !deprecated.has(id)).sort(),
      moved,
      flagged,
    };
    const { id: reportId } = await storeReport(db, {
      tenantId,
      workflowId: state.id,
      source: report.sourceType,
      sourceUrl: report.sourceUrl,
      title: report.title,
      text,
      contentHash: report.contentHash,
      attackVersion: input.toVersion,
      modelId,
      kind: (report.summary as { kind?: string } | null)?.kind ?? "text",
      result,
      version: {
        previous: { id: report.id, rootReportId: report.rootReportId, versionNumber: report.versionNumber },
        changes: reportChanges,
        carried,
        documentChunks: chunks,
      },
    });
    return {
      result: { reportId, ...reportChanges, added: reportChanges.added.length, removed: reportChanges.removed.length },
      completeWith: { reportId },
    };
  },
};

export const reevalWorkflow: WorkflowDefinition = { steps: () => [reevaluateStep] };
