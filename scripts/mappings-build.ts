/**
 * npx tsx scripts/mappings-build.ts [--in FILE] [--out FILE]
 *
 * Builds data/mappings/nist-800-53-rev5.json, the NIST SP 800-53 rev5 ↔ ATT&CK table that
 * `src/coverage/nist.ts` bundles, from CTID Mappings Explorer's export
 * (../shared/data/mappings/nist_800_53-rev5_attack-16.1-enterprise.json, Apache-2.0).
 *
 * The export holds two statuses: "complete" (a control mitigates the technique: kept) and
 * "non_mappable" (CTID looked and found no control, no capability id: listed under `nonMappable`
 * so a sub-technique there does not borrow its parent's controls). Control ids are written the way
 * NIST does ("AC-2", the export pads them: "AC-02"). Output is sorted and has no timestamp, so the
 * same input gives the same bytes.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
// Type only: a value import would load the JSON this script writes (absent on a first build).
import type { MappingFile } from "../src/coverage/nist";
import { flag, parseArgs, ROOT } from "./lib/cli";

const DEFAULT_IN = path.resolve(
  ROOT,
  "..",
  "shared",
  "data",
  "mappings",
  "nist_800_53-rev5_attack-16.1-enterprise.json",
);
const DEFAULT_OUT = path.join(ROOT, "data", "mappings", "nist-800-53-rev5.json");

const MappingObject = z.object({
  capability_id: z.string().nullable(),
  capability_description: z.string().nullable(),
  attack_object_id: z.string().regex(/^T\d{4}(\.\d{3})?$/),
  status: z.string(),
});
const Export = z.object({
  metadata: z.object({
    attack_version: z.string(),
    mapping_framework: z.string(),
    mapping_framework_version: z.string(),
    last_update: z.string(),
  }),
  mapping_objects: z.array(MappingObject),
});

/** "AC-02" → "AC-2"; enhancements ("AC-02(01)") keep their number unpadded too. */
function nistControlId(raw: string): string {
  const m = /^([A-Z]{2})-0*(\d+)(?:\s*\(0*(\d+)\))?$/.exec(raw.trim());
  if (!m) throw new Error(`unexpected control id '${raw}'`);
  return m[3] ? `${m[1]}-${m[2]}(${m[3]})` : `${m[1]}-${m[2]}`;
}

/** Family, then number, then enhancement: AC-2 < AC-10 < CM-2. */
function compareControls(a: string, b: string): number {
  const key = (id: string): [string, number, number] => {
    const m = /^([A-Z]{2})-(\d+)(?:\((\d+)\))?$/.exec(id);
    return [m?.[1] ?? id, Number(m?.[2] ?? 0), Number(m?.[3] ?? 0)];
  };
  const [fa, na, ea] = key(a);
  const [fb, nb, eb] = key(b);
  // Code-unit order, not localeCompare: the output must not depend on the machine's locale.
  return (fa < fb ? -1 : fa > fb ? 1 : 0) || na - nb || ea - eb;
}

/** "04/16/2025" (the export's US date) → "2025-04-16". */
function isoDate(us: string): string {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(us);
  return m ? `${m[3]}-${m[1]}-${m[2]}` : us;
}

function buildMappingFile(raw: unknown, file: string): { out: MappingFile; statuses: Record<string, number> } {
  const data = Export.parse(raw);
  const statuses: Record<string, number> = {};
  const controls = new Map<string, Map<string, string>>();
  const nonMappable = new Set<string>();
  for (const m of data.mapping_objects) {
    statuses[m.status] = (statuses[m.status] ?? 0) + 1;
    if (m.status === "complete" && m.capability_id) {
      const id = nistControlId(m.capability_id);
      const byTechnique = controls.get(m.attack_object_id) ?? new Map<string, string>();
      byTechnique.set(id, m.capability_description ?? "");
      controls.set(m.attack_object_id, byTechnique);
    } else if (m.status === "non_mappable") {
      nonMappable.add(m.attack_object_id);
    } else {
      throw new Error(
        `unexpected mapping status '${m.status}' for ${m.attack_object_id}: decide whether it is mappable`,
      );
    }
  }
  // A technique with both kinds of row is mapped: the controls win.
  for (const id of controls.keys()) nonMappable.delete(id);

  const techniques: MappingFile["techniques"] = {};
  for (const id of [...controls.keys()].sort()) {
    const byControl = controls.get(id) ?? new Map<string, string>();
    techniques[id] = [...byControl.keys()]
      .sort(compareControls)
      .map((c): [string, string] => [c, byControl.get(c) ?? ""]);
  }
  const out: MappingFile = {
    source: {
      name: "CTID Mappings Explorer: NIST SP 800-53 rev5 to ATT&CK Enterprise",
      url: "https://center-for-threat-informed-defense.github.io/mappings-explorer/",
      repository: "https://github.com/center-for-threat-informed-defense/mappings-explorer",
      file,
      framework: `${data.metadata.mapping_framework} ${data.metadata.mapping_framework_version}`,
      lastUpdate: isoDate(data.metadata.last_update),
    },
    attackVersion: data.metadata.attack_version,
    license: "Apache-2.0",
    techniques,
    nonMappable: [...nonMappable].sort(),
  };
  return { out, statuses };
}

function main(): void {
  const { flags } = parseArgs(process.argv.slice(2));
  const input = path.resolve(flag(flags, "in") ?? DEFAULT_IN);
  const output = path.resolve(flag(flags, "out") ?? DEFAULT_OUT);
  const { out, statuses } = buildMappingFile(JSON.parse(fs.readFileSync(input, "utf8")), path.basename(input));
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const text = JSON.stringify(out) + "\n";
  fs.writeFileSync(output, text);
  const pairs = Object.values(out.techniques).reduce((n, list) => n + list.length, 0);
  console.log(
    `${path.relative(process.cwd(), output)}: ${Object.keys(out.techniques).length} techniques, ${pairs} technique-control pairs, ` +
      `${out.nonMappable.length} non-mappable, ${text.length} bytes (statuses in source: ${JSON.stringify(statuses)})`,
  );
}

main();
