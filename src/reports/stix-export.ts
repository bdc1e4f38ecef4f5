/**
 * @module A report as a STIX 2.1 bundle: TTPscope's identity, the report SDO, one attack-pattern per
 * technique (with its ATT&CK reference), each sub-technique's `subtechnique-of` its parent when both
 * are in the report; the evidence is in each attack-pattern's description. (Not as notes: OASIS's
 * bundle.json lists no `note`, and its branch for other types matches a note twice, so it refuses
 * every note.) Ids are UUIDv5 of the report and the technique, and
 * timestamps are the report's, so exporting twice gives the same bundle.
 */
import type { Db } from "../db/client";
import { uuidV5 } from "../lib/uuid";
import type { ReportT } from "./reports.schemas";
import { readReport, tacticsByTechnique } from "./reports.service";

/** TTPscope's namespace for its STIX ids (a fixed random UUID: never change it). */
const STIX_NAMESPACE = "6f1c3a52-9d4e-4b7a-8c2f-5e0d9a7b3c14";
const SPEC = "2.1";
export const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";

export type StixObject = { type: string; id: string } & Record<string, unknown>;
export interface StixBundle {
  type: "bundle";
  id: string;
  objects: StixObject[];
}

const stixId = async (type: string, name: string) => `${type}--${await uuidV5(STIX_NAMESPACE, name)}`;

/** ATT&CK's page of a technique: T1059.001 → /techniques/T1059/001. */
export const attackUrl = (techniqueId: string) =>
  `https://attack.mitre.org/techniques/${techniqueId.replace(".", "/")}/`;

/** STIX wants `…T…Z` with a literal Z; D1's timestamps are parsed and written back that way. */
const stixTime = (t: string) => new Date(/Z$|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(" ", "T")}Z`).toISOString();

/** What TTPscope saw: how and how sure, then the report's words. */
function describe(t: ReportT["techniques"][number]): string {
  const head = `${t.id} ${t.name}, found by TTPscope (${t.method}, confidence ${t.confidence.toFixed(2)}).`;
  const quotes = t.evidence.map((e) => e.text.trim()).filter((x) => x !== "");
  return quotes.length === 0 ? head : `${head}\n\nEvidence:\n${quotes.map((q) => `> ${q}`).join("\n")}`;
}

/** The tenant's report `reportId` as a STIX 2.1 bundle (rejected matches left out). */
export async function readReportStix(db: Db, tenantId: string, reportId: string): Promise<StixBundle> {
  return toStixBundle(await readReport(db, tenantId, reportId));
}

export async function toStixBundle(report: ReportT): Promise<StixBundle> {
  const time = stixTime(report.createdAt);
  const identity: StixObject = {
    type: "identity",
    spec_version: SPEC,
    id: await stixId("identity", "ttpscope"),
    created: "2026-01-01T00:00:00.000Z",
    modified: "2026-01-01T00:00:00.000Z",
    name: "TTPscope",
    identity_class: "system",
    description: "Maps threat reports to MITRE ATT&CK techniques.",
  };
  const common = (type: string) => ({
    type,
    spec_version: SPEC,
    created: time,
    modified: time,
    created_by_ref: identity.id,
  });
  const kept = report.techniques.filter((t) => t.feedback !== "reject");
  const phases = tacticsByTechnique(report, "shortname");

  const patterns = new Map<string, StixObject>();
  for (const t of kept) {
    const tactics = phases.get(t.id) ?? [];
    const pattern: StixObject = {
      ...common("attack-pattern"),
      id: await stixId("attack-pattern", `${report.id}/${t.id}`),
      name: t.name,
      description: describe(t),
      confidence: Math.round(t.confidence * 100),
      external_references: [{ source_name: "mitre-attack", external_id: t.id, url: attackUrl(t.id) }],
      ...(tactics.length
        ? {
            kill_chain_phases: tactics.map((p) => ({
              kill_chain_name: "mitre-attack",
              phase_name: p,
            })),
          }
        : {}),
    };
    patterns.set(t.id, pattern);
  }
  const relationships: StixObject[] = [];
  for (const [id, pattern] of patterns) {
    const parent = id.includes(".") ? patterns.get(id.split(".")[0] ?? "") : undefined;
    if (!parent) continue;
    relationships.push({
      ...common("relationship"),
      id: await stixId("relationship", `${report.id}/${id}/subtechnique-of`),
      relationship_type: "subtechnique-of",
      source_ref: pattern.id,
      target_ref: parent.id,
    });
  }
  const contents = [...patterns.values(), ...relationships];
  const reportSdo: StixObject = {
    ...common("report"),
    id: await stixId("report", report.id),
    name: report.title ?? `TTPscope report ${report.id}`,
    description: `ATT&CK ${report.attackVersion} techniques TTPscope found in the document (report ${report.id}, version ${report.versionNumber}).`,
    report_types: ["threat-report"],
    published: time,
    // A report with no technique still refers to something: its author.
    object_refs: [identity.id, ...contents.map((o) => o.id)],
    external_references: [
      { source_name: "ttpscope", external_id: report.id },
      ...(report.sourceUrl ? [{ source_name: "source", url: report.sourceUrl }] : []),
    ],
  };
  return {
    type: "bundle",
    id: await stixId("bundle", report.id),
    objects: [identity, reportSdo, ...contents],
  };
}
