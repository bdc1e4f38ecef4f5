import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { validateLayer } from "../src/coverage/navigator";
import { api, json, loadShippedAttackAndModel, newTenantKey, postJson, readCorpus, type ImportOut } from "./helpers";
import { ALL_PLATFORMS } from "./coverage-fixtures";
type File = { path: string; content: string };

/** Imports a whole corpus as one scan, 500 files a call. */
async function importAll(key: string, account: string, format: string, files: File[]): Promise<ImportOut> {
  const total: ImportOut = {
    scanId: "",
    imported: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    removed: 0,
    mappings: { tag: 0, nlp: 0 },
    errors: [],
    notes: [],
  };
  for (let i = 0; i < files.length; i += 500) {
    const res = await postJson(`/api/v1/accounts/${account}/detections/import`, key, {
      format,
      files: files.slice(i, i + 500),
      ...(total.scanId ? { scanId: total.scanId } : {}),
      complete: i + 500 >= files.length,
    });
    expect(res.status).toBe(200);
    const out = await json<ImportOut>(res);
    total.scanId = out.scanId;
    for (const k of ["imported", "updated", "unchanged", "skipped", "removed"] as const) total[k] += out[k];
    total.mappings.tag += out.mappings.tag;
    total.mappings.nlp += out.mappings.nlp;
    total.errors.push(...out.errors);
    total.notes.push(...out.notes);
  }
  return total;
}

/** Technique ids a rule's text names, counted straight from the text (not through our parser). */
function sigmaTechniques(content: string): Set<string> {
  return new Set(
    [...content.matchAll(/^\s*-\s*['"]?attack\.(t\d{4}(?:\.\d{3})?)['"]?\s*(?:#.*)?$/gim)].map((m) =>
      (m[1] as string).toUpperCase(),
    ),
  );
}

describe.skipIf(!env.HAS_SHARED_DATA)("importing the real rule sets (needs ../shared/data/rules)", () => {
  let key: string;
  beforeAll(async () => {
    await loadShippedAttackAndModel();
    ({ key } = await newTenantKey("corpora"));
  });

  const account = async (identifier: string) =>
    (
      await json<{ id: string }>(
        await postJson("/api/v1/accounts", key, {
          name: identifier,
          provider: "on_prem",
          identifier,
          environment: "prod",
          criticality: "high",
          // The corpora cover cloud and SaaS techniques too: measured on the whole matrix.
          platforms: ALL_PLATFORMS,
        }),
      )
    ).id;

  it("Sigma: all 3,708 rules; the coverage layer's detection counts equal the rules per technique tag (SigmaHQ's count)", async () => {
    const files = await readCorpus("/shared/rules/sigma", /\.ya?ml$/);
    expect(files).toHaveLength(3708);
    const id = await account("sigma");
    const out = await importAll(key, id, "sigma", files);
    const untagged = files.filter((f) => sigmaTechniques(f.content).size === 0).length;
    expect(out).toMatchObject({ imported: 3708, skipped: 0, removed: 0 });
    expect(out.errors).toEqual([]);
    expect(out.mappings.tag).toBe(files.reduce((n, f) => n + sigmaTechniques(f.content).size, 0));
    expect(out.mappings.nlp).toBeGreaterThan(untagged / 2);

    const expected = new Map<string, number>();
    for (const f of files) for (const t of sigmaTechniques(f.content)) expected.set(t, (expected.get(t) ?? 0) + 1);
    expect(expected.size).toBe(395);
    const layer = await json<{
      techniques: { techniqueID: string; score: number; metadata?: { name: string; value: string }[] }[];
    }>(await api(`/api/v1/accounts/${id}/coverage/layer`, key));
    expect(validateLayer(layer)).toEqual({ ok: true });
    const counted = layer.techniques.filter((t) => t.score >= 1);
    const counts = new Map(
      counted.map((t) => [t.techniqueID, Number(t.metadata?.find((m) => m.name === "detections")?.value)]),
    );
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
    // Tag rules nobody reported on: fair (2) alone, 3 when a second rule backs it.
    for (const t of counted) expect(t.score, t.techniqueID).toBe((expected.get(t.techniqueID) ?? 0) >= 2 ? 3 : 2);
    // The rest are techniques only untagged rules' pending inferences map to: mapped, not counting.
    const pending = layer.techniques.filter((t) => t.score < 1);
    expect(pending.every((t) => t.score === 0 && !expected.has(t.techniqueID))).toBe(true);

    // The same rules again: nothing changes.
    const again = await importAll(key, id, "sigma", files);
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: 3708, removed: 0 });
  });

  it("Splunk: the security_content detections, T1574.002 remapped to T1574.001", async () => {
    const files = await readCorpus("/shared/rules/splunk", /\.ya?ml$/);
    expect(files).toHaveLength(1711);
    const id = await account("splunk");
    const out = await importAll(key, id, "splunk", files);
    const withIds = files.filter((f) => /mitre_attack_id:\s*\n(\s*-\s*T\d{4}(\.\d{3})?\s*\n?)+/.test(f.content)).length;
    expect(out.imported + out.skipped).toBe(files.length);
    expect(out.skipped).toBe(out.errors.filter((e) => !/not an ATT&CK|deprecated/.test(e.message)).length);
    // Every imported rule that names ids maps to at least one technique by its tags.
    expect(out.mappings.tag).toBeGreaterThanOrEqual(withIds - out.skipped);
    expect(out.notes.some((n) => /T1574\.002.*T1574\.001/.test(n.message))).toBe(true);
  });

  it("Elastic: the detection-rules TOML files, T1547.011 remapped to its successor", async () => {
    const files = await readCorpus("/shared/rules/elastic", /\.toml$/);
    expect(files).toHaveLength(2064);
    const id = await account("elastic");
    const out = await importAll(key, id, "elastic", files);
    expect(out.imported + out.skipped).toBe(files.length);
    expect(out.skipped).toBe(0);
    expect(out.mappings.tag).toBeGreaterThan(1900);
    expect(out.notes.some((n) => /T1547\.011.*revoked/.test(n.message))).toBe(true);
  });
});
