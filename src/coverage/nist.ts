/**
 * @module NIST SP 800-53 rev5 controls that mitigate an ATT&CK technique, from CTID Mappings
 * Explorer (ATT&CK 16.1, Apache-2.0). The table is data/mappings/nist-800-53-rev5.json, built by
 * `npx tsx scripts/mappings-build.ts` and bundled into the Worker as a JSON import: no D1, no
 * fetch. Pure.
 */
import { z } from "zod";
import mappingFile from "../../data/mappings/nist-800-53-rev5.json";
import { canonicalTechniqueId, TECHNIQUE_ID } from "../attack/ids";

/** The shipped file's shape (the build script writes it, tests hold it to this schema). */
export const MappingFileSchema = z.strictObject({
  source: z.strictObject({
    name: z.string(),
    url: z.url(),
    repository: z.url(),
    file: z.string(),
    framework: z.string(),
    lastUpdate: z.string(),
  }),
  attackVersion: z.string().regex(/^\d+\.\d+$/),
  license: z.literal("Apache-2.0"),
  /** Technique id → [control id ("AC-2"), control name], sorted by family then number. */
  techniques: z.record(
    z.string().regex(TECHNIQUE_ID),
    z.array(z.tuple([z.string().regex(/^[A-Z]{2}-\d+(\(\d+\))?$/), z.string()])).min(1),
  ),
  /** Techniques CTID marked "non_mappable" (no control applies): these never borrow a parent's controls. */
  nonMappable: z.array(z.string().regex(TECHNIQUE_ID)),
});
export type MappingFile = z.infer<typeof MappingFileSchema>;

export interface NistControl {
  id: string;
  name: string;
  /** True when the technique has no mapping of its own and these are its parent technique's. */
  inherited: boolean;
}

// The JSON module's inferred type widens tuples to string[][]; the build script wrote this exact
// shape and the tests check the shipped file against MappingFileSchema, so no parse at start-up.
const FILE = mappingFile as unknown as MappingFile;
const NON_MAPPABLE = new Set(FILE.nonMappable);

/** Where the mapping comes from, for responses and exported layers to cite. */
export const NIST_SOURCE = {
  ...FILE.source,
  attackVersion: FILE.attackVersion,
  license: FILE.license,
  techniques: Object.keys(FILE.techniques).length,
} as const;

/**
 * The controls mapped to a technique (id case and whitespace forgiven). A sub-technique with no
 * entry of its own falls back to its parent's controls, marked `inherited`; one CTID judged
 * non-mappable does not (CTID decided no control applies). Unknown ids give [].
 */
export function controlsFor(techniqueId: string): NistControl[] {
  const id = canonicalTechniqueId(techniqueId);
  if (!id) return [];
  const own = FILE.techniques[id];
  if (own) return own.map(([cid, name]) => ({ id: cid, name, inherited: false }));
  if (NON_MAPPABLE.has(id)) return [];
  const parent = id.includes(".") ? FILE.techniques[id.slice(0, 5)] : undefined;
  return parent ? parent.map(([cid, name]) => ({ id: cid, name, inherited: true })) : [];
}
