/**
 * @module Navigator layers (format 4.5) and the NIST 800-53 mapping: pure functions, no D1.
 * Expectations about controls come from the data files, not from memory.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import shipped from "../data/mappings/nist-800-53-rev5.json";
import { AppError } from "../src/errors";
import {
  buildLayer,
  NavigatorLayerSchema,
  techniqueEntriesPerTactic,
  validateLayer,
  type LayerTechnique,
} from "../src/coverage/navigator";
import { controlsFor, MappingFileSchema, NIST_SOURCE, type MappingFile } from "../src/coverage/nist";
import { fixtureText } from "./helpers";

const SPEC_FIELDS = [
  "name",
  "versions",
  "domain",
  "description",
  "filters",
  "sorting",
  "layout",
  "hideDisabled",
  "techniques",
  "gradient",
  "legendItems",
  "showTacticRowBackground",
  "tacticRowBackground",
  "selectTechniquesAcrossTactics",
  "selectSubtechniquesWithParent",
  "selectVisibleTechniques",
  "metadata",
  "links",
];

const techniques: LayerTechnique[] = [
  { techniqueID: "T1059", tactic: "execution", score: 2, comment: "2 rules", showSubtechniques: true },
  {
    techniqueID: "T1059.001",
    tactic: "execution",
    score: 5,
    color: "#ff6666",
    metadata: [{ name: "rule", value: "Encoded PowerShell" }],
  },
  { techniqueID: "T1078", score: 1, enabled: false },
];

function sampleLayer(): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(buildLayer({ name: "Sigma coverage", attackVersion: "18.1", techniques })),
  ) as Record<string, unknown>;
}

function expectInvalid(layer: unknown, ...fragments: string[]): string[] {
  const result = validateLayer(layer);
  if (result.ok) throw new Error("layer unexpectedly valid");
  for (const f of fragments) expect(result.errors.join("\n")).toContain(f);
  return result.errors;
}

describe("buildLayer", () => {
  it("builds a complete 4.5 layer that validates, also after a JSON round trip", () => {
    const layer = buildLayer({
      name: "Sigma coverage",
      description: "rules per technique",
      attackVersion: "18.1",
      techniques,
    });
    expect(validateLayer(layer)).toEqual({ ok: true });
    expect(validateLayer(JSON.parse(JSON.stringify(layer)))).toEqual({ ok: true });
    expect(layer.versions).toEqual({ attack: "18", navigator: "5.2.0", layer: "4.5" });
    expect(layer.domain).toBe("enterprise-attack");
    expect(Object.keys(layer).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(layer.layout?.layout).toBe("side");
    expect(layer.filters?.platforms).toContain("ESXi");
    expect(layer.gradient).toEqual({ colors: ["#ffffff", "#66b1ff"], minValue: 0, maxValue: 5 });
    expect(layer.techniques).toEqual(techniques);
    expect(layer.techniques?.[1]).not.toBe(techniques[1]);
  });

  it("keeps a given gradient, legend and ATT&CK major version", () => {
    const layer = buildLayer({
      name: "x",
      attackVersion: "17",
      techniques: [],
      gradient: { colors: ["#ff6666ff", "#ffe766ff", "#8ec843ff"], minValue: 0, maxValue: 100 },
      legendItems: [{ label: "covered", color: "#8ec843" }],
    });
    expect(layer.versions.attack).toBe("17");
    expect(layer.gradient?.maxValue).toBe(100);
    expect(layer.legendItems).toEqual([{ label: "covered", color: "#8ec843" }]);
  });

  it("gives an empty layer a usable gradient (maxValue > minValue)", () => {
    expect(buildLayer({ name: "empty", attackVersion: "18", techniques: [] }).gradient).toMatchObject({
      minValue: 0,
      maxValue: 1,
    });
  });

  it.each([
    [{ attackVersion: "v18" }, "not an ATT&CK version"],
    [{ techniques: [{ techniqueID: "T59" }] }, "techniques[0].techniqueID"],
    [{ techniques: [{ techniqueID: "T1059", color: "red" }] }, "hex color"],
    [{ name: "" }, "name"],
  ])("refuses bad input %j with a 400", (override, fragment) => {
    let error: unknown;
    try {
      buildLayer({ name: "x", attackVersion: "18.1", techniques: [], ...override });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining(fragment) });
  });
});

describe("validateLayer", () => {
  it("accepts a layer shaped like Navigator's own export (alpha colors, empty color, dividers, links)", () => {
    const exported = {
      ...sampleLayer(),
      versions: { attack: "18", navigator: "5.2.0", layer: "4.5" },
      customDataURL: "https://example.com/bundle.json",
      gradient: { colors: ["#ff6666ff", "#ffe766ff", "#8ec843ff"], minValue: 0, maxValue: 100 },
      techniques: [
        {
          techniqueID: "T1110",
          tactic: "credential-access",
          color: "",
          comment: "",
          enabled: true,
          metadata: [],
          links: [],
          showSubtechniques: false,
        },
        {
          techniqueID: "T1053",
          tactic: "privilege-escalation",
          metadata: [{ name: "a", value: "1" }, { divider: true }, { name: "b", value: "2" }],
        },
        {
          techniqueID: "T1098",
          links: [{ label: "Navigator", url: "https://github.com/mitre-attack/attack-navigator" }],
        },
      ],
    };
    expect(validateLayer(exported)).toEqual({ ok: true });
    expect(NavigatorLayerSchema.safeParse(exported).success).toBe(true);
  });

  it.each([
    [
      "layer format 4.4",
      (l: Record<string, unknown>) => (l.versions = { attack: "18", navigator: "5.2.0", layer: "4.4" }),
      'versions.layer: must be "4.5"',
    ],
    [
      "Navigator older than 4.9.0",
      (l: Record<string, unknown>) => (l.versions = { navigator: "4.8.2", layer: "4.5" }),
      "versions.navigator: must be at least 4.9.0",
    ],
    [
      "ATT&CK version with a minor",
      (l: Record<string, unknown>) => (l.versions = { attack: "18.1", navigator: "5.2.0", layer: "4.5" }),
      "versions.attack",
    ],
    ["no versions", (l: Record<string, unknown>) => delete l.versions, "versions: is required"],
    ["missing name", (l: Record<string, unknown>) => delete l.name, "name: is required"],
    ["empty name", (l: Record<string, unknown>) => (l.name = ""), "name: must not be empty"],
    ["unknown domain", (l: Record<string, unknown>) => (l.domain = "pre-attack"), "domain"],
    [
      "bad technique id",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "T1059.1" }]),
      "techniques[0].techniqueID: must be a technique id",
    ],
    [
      "tactic id instead of a technique",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "TA0002" }]),
      "techniques[0].techniqueID",
    ],
    [
      "lower-case technique id",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "t1059" }]),
      "techniques[0].techniqueID",
    ],
    [
      "tactic name instead of shortname",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "T1059", tactic: "Execution" }]),
      "techniques[0].tactic",
    ],
    [
      "non-hex technique color",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "T1059", color: "red" }]),
      "techniques[0].color",
    ],
    [
      "non-hex gradient color",
      (l: Record<string, unknown>) => (l.gradient = { colors: ["#fff", "#12345g"], minValue: 0, maxValue: 1 }),
      "gradient.colors[1]: must be a hex color",
    ],
    [
      "non-hex legend color",
      (l: Record<string, unknown>) => (l.legendItems = [{ label: "x", color: "green" }]),
      "legendItems[0].color",
    ],
    [
      "gradient max not above min",
      (l: Record<string, unknown>) => (l.gradient = { colors: ["#fff", "#000"], minValue: 5, maxValue: 5 }),
      "gradient.maxValue: must be greater",
    ],
    [
      "one gradient color",
      (l: Record<string, unknown>) => (l.gradient = { colors: ["#fff"], minValue: 0, maxValue: 1 }),
      "at least two colors",
    ],
    ["sorting out of range", (l: Record<string, unknown>) => (l.sorting = 4), "sorting"],
    ["unknown layout", (l: Record<string, unknown>) => (l.layout = { layout: "grid" }), "layout.layout"],
    ["misspelt field", (l: Record<string, unknown>) => (l.techniques = [{ techniqueId: "T1059" }]), "techniqueId"],
    [
      "link without protocol",
      (l: Record<string, unknown>) => (l.links = [{ label: "x", url: "example.com" }]),
      "links[0]",
    ],
    [
      "showSubtechniques on a sub-technique",
      (l: Record<string, unknown>) => (l.techniques = [{ techniqueID: "T1059.001", showSubtechniques: true }]),
      "techniques[0].showSubtechniques",
    ],
    [
      "duplicate technique × tactic",
      (l: Record<string, unknown>) =>
        (l.techniques = [
          { techniqueID: "T1059", tactic: "execution" },
          { techniqueID: "T1059", tactic: "execution" },
        ]),
      "techniques[1]: duplicate entry for T1059 execution",
    ],
  ])("rejects %s", (_, mutate, fragment) => {
    const layer = sampleLayer();
    mutate(layer);
    expectInvalid(layer, fragment);
  });

  it("reports every problem at once, and non-objects", () => {
    const layer = sampleLayer();
    delete layer.name;
    layer.techniques = [{ techniqueID: "T1" }, { techniqueID: "T1059", color: "blue" }];
    expect(expectInvalid(layer, "name", "techniques[0].techniqueID", "techniques[1].color").length).toBe(3);
    expectInvalid(null, "(layer)");
    expectInvalid([], "(layer)");
  });
});

describe("techniqueEntriesPerTactic", () => {
  const input = [
    {
      id: "T1078",
      tactics: ["defense-evasion", "persistence", "privilege-escalation", "initial-access"],
      score: 3,
      comment: "3 rules",
    },
    { id: "T1059.001", tactics: ["execution"], score: 7 },
    { id: "t1059", tactics: ["execution", "execution"], score: 1 },
    { id: "T9999", tactics: [], score: 2 },
  ];

  it("gives one entry per technique × tactic, sorted, sub-techniques separate", () => {
    const entries = techniqueEntriesPerTactic(input);
    expect(entries.filter((e) => e.techniqueID === "T1078").map((e) => e.tactic)).toEqual(input[0]?.tactics);
    expect(
      entries.filter((e) => e.techniqueID === "T1078").every((e) => e.score === 3 && e.comment === "3 rules"),
    ).toBe(true);
    // No roll-up: the parent keeps its own score, the sub-technique has its own entry.
    expect(entries.filter((e) => e.techniqueID.startsWith("T1059"))).toEqual([
      { techniqueID: "T1059", score: 1, tactic: "execution" },
      { techniqueID: "T1059.001", score: 7, tactic: "execution" },
    ]);
    expect(entries.find((e) => e.techniqueID === "T9999")).toEqual({ techniqueID: "T9999", score: 2 });
    expect(entries.map((e) => e.techniqueID)).toEqual([
      "T1059",
      "T1059.001",
      "T1078",
      "T1078",
      "T1078",
      "T1078",
      "T9999",
    ]);
    expect(entries).toHaveLength(7);
  });

  it("feeds buildLayer a valid layer, and refuses a technique listed twice", () => {
    const layer = buildLayer({
      name: "per tactic",
      attackVersion: "18.1",
      techniques: techniqueEntriesPerTactic(input),
    });
    expect(validateLayer(layer)).toEqual({ ok: true });
    expect(layer.gradient?.maxValue).toBe(7);
    expect(() => techniqueEntriesPerTactic([...input, { id: "T1078", tactics: [], score: 1 }])).toThrow("listed twice");
  });
});

describe("NIST SP 800-53 controls", () => {
  const table = shipped as unknown as MappingFile;
  const ids = (list: { id: string }[]) => list.map((c) => c.id);

  it("ships a table of the documented shape, citing its source", () => {
    expect(MappingFileSchema.safeParse(shipped).error?.issues ?? []).toEqual([]);
    // 470: the count data/mappings/README.md states for the CTID export, not one recomputed from the table.
    expect(NIST_SOURCE).toMatchObject({ attackVersion: "16.1", license: "Apache-2.0", techniques: 470 });
  });

  it("returns a mapped technique's own controls", () => {
    const own = table.techniques.T1078;
    expect(own).toHaveLength(25);
    const controls = controlsFor("T1078");
    expect(controls.map((c) => [c.id, c.name])).toEqual(own);
    expect(controls.every((c) => !c.inherited)).toBe(true);
    expect(controlsFor(" t1078 ")).toEqual(controls);
  });

  it("falls back to the parent for a sub-technique without an entry, marked inherited", () => {
    // T1059.013 (Container CLI/API) is newer than the 16.1 mapping; its parent is mapped.
    expect(table.techniques["T1059.013"]).toBeUndefined();
    expect(table.nonMappable).not.toContain("T1059.013");
    const parent = controlsFor("T1059");
    expect(parent).toHaveLength(23);
    const controls = controlsFor("T1059.013");
    expect(ids(controls)).toEqual(ids(parent));
    expect(controls.every((c) => c.inherited)).toBe(true);
  });

  it("does not borrow the parent's controls for a sub-technique CTID marked non-mappable", () => {
    expect(table.nonMappable).toContain("T1566.004");
    expect(controlsFor("T1566")).toHaveLength(13);
    expect(controlsFor("T1566.004")).toEqual([]);
  });

  it.each(["T9999", "T9999.001", "TA0001", "", "T1078; DROP"])("returns [] for %j", (id) => {
    expect(controlsFor(id)).toEqual([]);
  });
});

describe.skipIf(!env.HAS_SHARED_DATA)(
  "NIST mapping against the CTID export in ../shared/data (skipped where it is absent)",
  () => {
    it("holds exactly the export's complete mappings, ids unpadded", async () => {
      const raw = JSON.parse(await fixtureText("/shared/mappings/nist_800_53-rev5_attack-16.1-enterprise.json")) as {
        metadata: { attack_version: string };
        mapping_objects: {
          capability_id: string | null;
          capability_description: string | null;
          attack_object_id: string;
          status: string;
        }[];
      };
      expect(raw.metadata.attack_version).toBe(NIST_SOURCE.attackVersion);
      const expected = new Map<string, Set<string>>();
      for (const m of raw.mapping_objects) {
        if (m.status !== "complete" || !m.capability_id) continue;
        const set = expected.get(m.attack_object_id) ?? new Set<string>();
        set.add(`${m.capability_id.replace(/-0*(\d)/, "-$1")} ${m.capability_description}`);
        expected.set(m.attack_object_id, set);
      }
      // The example the brief names, checked from the export itself.
      const t1078 = [...(expected.get("T1078") ?? [])];
      expect(t1078.some((c) => c.startsWith("AC-2 "))).toBe(true);
      expect(controlsFor("T1078").some((c) => c.id === "AC-2" && c.name === "Account Management")).toBe(true);
      for (const [technique, controls] of expected) {
        expect(new Set(controlsFor(technique).map((c) => `${c.id} ${c.name}`)), technique).toEqual(controls);
      }
      expect(Object.keys((shipped as unknown as MappingFile).techniques).sort()).toEqual([...expected.keys()].sort());
    });
  },
);
