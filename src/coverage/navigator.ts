/**
 * @module ATT&CK Navigator layers, layer format 4.5 (mitre-attack/attack-navigator
 * `layers/spec/v4.5/layerformat.md`): the format as a zod schema, so any layer the product exports
 * can be checked, and a builder that fills in every field the spec defines. Pure.
 */
import { z } from "zod";
import { TECHNIQUE_ID } from "../attack/ids";
import { badRequest } from "../errors";

/**
 * Navigator checks only `versions.layer` against its own layer version ("4.5" in every release
 * since 4.9.0): another minor shows an "out of date" snackbar, another major a blocking dialog, a
 * missing `versions` counts as a major mismatch. `versions.navigator` is informational (the spec
 * asks for at least 4.9.0); 5.2.0 is the release the 4.5 spec's own example pairs with ATT&CK 18
 * (5.1.0 predates ATT&CK 16, so it would claim a Navigator that never served our data).
 * `versions.attack` is the major alone, as Navigator writes it; a layer older than the newest
 * ATT&CK a Navigator serves gets an upgrade offer, not a warning.
 */
export const LAYER_FORMAT = "4.5";
export const NAVIGATOR_VERSION = "5.2.0";

/** Enterprise platforms as ATT&CK 18 names them (the spec's list predates IaaS, ESXi, ...). */
export const ENTERPRISE_PLATFORMS = [
  "Windows",
  "Linux",
  "macOS",
  "Network Devices",
  "ESXi",
  "PRE",
  "Containers",
  "IaaS",
  "SaaS",
  "Office Suite",
  "Identity Provider",
] as const;

/** Tactic shortnames: "initial-access", "command-and-control". */
const TACTIC_SHORTNAME = /^[a-z]+(?:-[a-z]+)*$/;
/** #rgb, #rrggbb, or #rrggbbaa (Navigator writes gradient colors with alpha). */
const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;

const hexColor = z.string().regex(HEX_COLOR, { error: "must be a hex color such as #66b1ff" });
const Divider = z.strictObject({ divider: z.boolean() });
const MetadataItem = z.union([z.strictObject({ name: z.string().min(1), value: z.string() }), Divider], {
  error: "must be {name, value} or {divider: true}",
});
const LinkItem = z.union(
  [
    z.strictObject({
      label: z.string().min(1),
      url: z
        .string()
        .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, { error: "must be a URL with its protocol, e.g. https://…" }),
    }),
    Divider,
  ],
  { error: "must be {label, url with a protocol such as https://} or {divider: true}" },
);

const TechniqueSchema = z
  .strictObject({
    techniqueID: z.string().regex(TECHNIQUE_ID, { error: "must be a technique id: T#### or T####.###" }),
    tactic: z
      .string()
      .regex(TACTIC_SHORTNAME, { error: 'must be a tactic shortname such as "initial-access"' })
      .optional(),
    comment: z.string().optional(),
    enabled: z.boolean().optional(),
    score: z.number().optional(),
    // "" is the spec's default and what Navigator itself writes for an uncoloured technique.
    color: z.union([hexColor, z.literal("")], { error: "must be a hex color such as #66b1ff, or empty" }).optional(),
    metadata: z.array(MetadataItem).optional(),
    links: z.array(LinkItem).optional(),
    showSubtechniques: z.boolean().optional(),
  })
  .refine((t) => !(t.showSubtechniques && t.techniqueID.includes(".")), {
    error: "showSubtechniques only applies to a technique with sub-techniques, not to a sub-technique",
    path: ["showSubtechniques"],
  });

const GradientSchema = z
  .strictObject({
    colors: z.array(hexColor).min(2, { error: "needs at least two colors" }),
    minValue: z.number(),
    maxValue: z.number(),
  })
  .refine((g) => g.maxValue > g.minValue, { error: "must be greater than minValue", path: ["maxValue"] });

function atLeast(version: string, minimum: number[]): boolean {
  const parts = version.split(".").map(Number);
  for (const [i, min] of minimum.entries()) {
    const part = parts[i] ?? 0;
    if (part !== min) return part > min;
  }
  return true;
}

export const NavigatorLayerSchema = z
  .strictObject({
    name: z.string().min(1, { error: "must not be empty" }),
    // Optional in the spec, required here: Navigator treats a layer without it as another major format.
    versions: z.strictObject({
      attack: z.string().regex(/^\d+$/, { error: 'must be the ATT&CK major version, e.g. "18"' }).optional(),
      navigator: z
        .string()
        .regex(/^\d+\.\d+\.\d+$/, { error: 'must be a Navigator release such as "5.2.0"' })
        .refine((v) => atLeast(v, [4, 9, 0]), { error: "must be at least 4.9.0 for layer format 4.5" }),
      layer: z.literal(LAYER_FORMAT, { error: `must be "${LAYER_FORMAT}"` }),
    }),
    domain: z.enum(["enterprise-attack", "mobile-attack", "ics-attack"]),
    description: z.string().optional(),
    customDataURL: z.string().optional(),
    filters: z.strictObject({ platforms: z.array(z.string().min(1)).optional() }).optional(),
    sorting: z.number().int().min(0).max(3).optional(),
    layout: z
      .strictObject({
        layout: z.enum(["side", "flat", "mini"]).optional(),
        showID: z.boolean().optional(),
        showName: z.boolean().optional(),
        showAggregateScores: z.boolean().optional(),
        countUnscored: z.boolean().optional(),
        aggregateFunction: z.enum(["average", "min", "max", "sum"]).optional(),
        expandedSubtechniques: z.enum(["none", "all", "annotated"]).optional(),
      })
      .optional(),
    hideDisabled: z.boolean().optional(),
    techniques: z.array(TechniqueSchema).optional(),
    gradient: GradientSchema.optional(),
    legendItems: z.array(z.strictObject({ label: z.string(), color: hexColor })).optional(),
    showTacticRowBackground: z.boolean().optional(),
    tacticRowBackground: hexColor.optional(),
    selectTechniquesAcrossTactics: z.boolean().optional(),
    selectSubtechniquesWithParent: z.boolean().optional(),
    selectVisibleTechniques: z.boolean().optional(),
    metadata: z.array(MetadataItem).optional(),
    links: z.array(LinkItem).optional(),
  })
  .superRefine((layer, ctx) => {
    // Navigator keeps only the last of two entries for one technique in one tactic: a silent loss.
    const seen = new Set<string>();
    for (const [i, t] of (layer.techniques ?? []).entries()) {
      const key = `${t.techniqueID} ${t.tactic ?? "(all tactics)"}`;
      if (seen.has(key))
        ctx.addIssue({ code: "custom", path: ["techniques", i], message: `duplicate entry for ${key}` });
      seen.add(key);
    }
  });

export type NavigatorLayer = z.infer<typeof NavigatorLayerSchema>;
/** What buildLayer returns: every field it fills is present (JSON response types need that). */
export type BuiltLayer = Required<Omit<NavigatorLayer, "customDataURL">>;

export interface LayerTechnique {
  techniqueID: string;
  /** Tactic shortname; without it the annotation shows under every tactic of the technique. */
  tactic?: string;
  score?: number;
  color?: string;
  comment?: string;
  enabled?: boolean;
  metadata?: { name: string; value: string }[];
  showSubtechniques?: boolean;
}

export interface BuildLayerOptions {
  name: string;
  description?: string;
  /** "18.1" or "18": layers carry the major only. */
  attackVersion: string;
  techniques: LayerTechnique[];
  /** Default: white to blue from min(0, lowest score) to the highest score. */
  gradient?: { colors: string[]; minValue: number; maxValue: number };
  legendItems?: { label: string; color: string }[];
  /** Default: every ATT&CK 18 Enterprise platform. */
  platforms?: string[];
  metadata?: { name: string; value: string }[];
  links?: { label: string; url: string }[];
}

export type ValidationResult = { ok: true } | { ok: false; errors: string[] };

/** A complete layer: every field of the 4.5 spec, checked against the schema (400 if invalid). */
export function buildLayer(options: BuildLayerOptions): BuiltLayer {
  const major = /^(\d+)(?:\.\d+)*$/.exec(options.attackVersion.trim())?.[1];
  if (!major) throw badRequest(`'${options.attackVersion}' is not an ATT&CK version (expected e.g. 18.1)`);
  const layer: BuiltLayer = {
    name: options.name,
    versions: { attack: major, navigator: NAVIGATOR_VERSION, layer: LAYER_FORMAT },
    domain: "enterprise-attack",
    description: options.description ?? "",
    filters: { platforms: [...(options.platforms ?? ENTERPRISE_PLATFORMS)] },
    sorting: 0,
    layout: {
      layout: "side",
      aggregateFunction: "average",
      showID: false,
      showName: true,
      showAggregateScores: false,
      countUnscored: false,
      // Sub-techniques carry their own scores (no roll-up), so show the annotated ones opened.
      expandedSubtechniques: "annotated",
    },
    hideDisabled: false,
    techniques: options.techniques.map(copyTechnique),
    gradient: options.gradient
      ? { ...options.gradient, colors: [...options.gradient.colors] }
      : defaultGradient(options.techniques),
    legendItems: (options.legendItems ?? []).map((l) => ({ ...l })),
    metadata: (options.metadata ?? []).map((m) => ({ ...m })),
    links: (options.links ?? []).map((l) => ({ ...l })),
    showTacticRowBackground: false,
    tacticRowBackground: "#dddddd",
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
    selectVisibleTechniques: false,
  };
  const result = validateLayer(layer);
  if (!result.ok) throw badRequest(`invalid Navigator layer: ${result.errors.slice(0, 5).join("; ")}`);
  return layer;
}

/** Checks a layer (parsed JSON) against layer format 4.5; errors read "path: problem". */
export function validateLayer(x: unknown): ValidationResult {
  const parsed = NavigatorLayerSchema.safeParse(x);
  if (parsed.success) return { ok: true };
  return { ok: false, errors: parsed.error.issues.map((i) => `${issuePath(i.path)}: ${issueMessage(i)}`) };
}

/**
 * One entry per technique and tactic it belongs to, as SigmaHQ's coverage layer does it, so a
 * score can later differ by tactic; sub-techniques stay separate (no roll-up into the parent). A
 * technique without tactics gets one entry without `tactic` (Navigator places it under all of its
 * tactics). Sorted by technique id; each technique may be listed once.
 */
export function techniqueEntriesPerTactic(
  techniques: {
    id: string;
    tactics: string[];
    score: number;
    comment?: string;
    metadata?: { name: string; value: string }[];
  }[],
): LayerTechnique[] {
  const seen = new Set<string>();
  const entries: LayerTechnique[] = [];
  const normalized = techniques.map((t) => ({ ...t, id: t.id.trim().toUpperCase() }));
  for (const t of normalized.sort((a, b) => compareIds(a.id, b.id))) {
    const id = t.id;
    if (seen.has(id)) throw badRequest(`technique ${id} is listed twice`);
    seen.add(id);
    const base = {
      techniqueID: id,
      score: t.score,
      ...(t.comment !== undefined ? { comment: t.comment } : {}),
      ...(t.metadata?.length ? { metadata: t.metadata } : {}),
    };
    const tactics = [...new Set(t.tactics)];
    if (tactics.length === 0) entries.push(base);
    for (const tactic of tactics) entries.push({ ...base, tactic });
  }
  return entries;
}

function copyTechnique(t: LayerTechnique): LayerTechnique {
  const copy: LayerTechnique = { ...t };
  if (t.metadata) copy.metadata = t.metadata.map((m) => ({ ...m }));
  // Undefined keys would survive as explicit undefined in the object (JSON drops them anyway).
  for (const key of Object.keys(copy) as (keyof LayerTechnique)[]) if (copy[key] === undefined) delete copy[key];
  return copy;
}

function defaultGradient(techniques: LayerTechnique[]): { colors: string[]; minValue: number; maxValue: number } {
  const scores = techniques.flatMap((t) => (typeof t.score === "number" && Number.isFinite(t.score) ? [t.score] : []));
  const minValue = Math.min(0, ...scores);
  const highest = scores.length ? Math.max(...scores) : minValue;
  // Navigator requires maxValue > minValue, also for an empty or all-zero layer.
  return { colors: ["#ffffff", "#66b1ff"], minValue, maxValue: highest > minValue ? highest : minValue + 1 };
}

/** "T1059" < "T1059.001" < "T1060". */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function issuePath(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(layer)";
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message))
    return `is required (${issue.expected})`;
  return issue.message;
}
