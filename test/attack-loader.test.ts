import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAttackBundle } from "../src/attack/loader";
import { createDb } from "../src/db/client";
import { getActiveVersion, getTechnique, listVersionStats } from "../src/db/repos/attack";
import {
  failure,
  fixtureStream,
  loadFixture,
  relabelledBundle,
  sharedBundle,
  SHIPPED_BUNDLE,
  streamOf,
} from "./helpers";

const db = createDb(env.DB);

/** ATT&CK's own figures (../shared/README.md), counted independently of our loader. */
const FACTS = {
  "16.1": { attackPatterns: 799, active: 656, sub: 453, tactics: 14, procedures: 14008, revoked: 131, deprecated: 12 },
  "17.1": { attackPatterns: 823, active: 679, sub: 468, tactics: 14, procedures: 15049, revoked: 132, deprecated: 12 },
  "18.1": { attackPatterns: 835, active: 691, sub: 475, tactics: 14, procedures: 16017, revoked: 132, deprecated: 12 },
} as const;

async function facts(version: string) {
  const [row] = await db.all<Record<keyof (typeof FACTS)["18.1"], number>>(sql`SELECT
      (SELECT count(*) FROM attack_techniques WHERE version = ${version}) AS attackPatterns,
      (SELECT count(*) FROM attack_techniques WHERE version = ${version} AND revoked = 0 AND deprecated = 0) AS active,
      (SELECT count(*) FROM attack_techniques WHERE version = ${version} AND revoked = 0 AND deprecated = 0 AND is_subtechnique = 1) AS sub,
      (SELECT count(*) FROM attack_tactics WHERE version = ${version}) AS tactics,
      (SELECT count(*) FROM attack_procedures WHERE version = ${version}) AS procedures,
      (SELECT count(*) FROM attack_techniques WHERE version = ${version} AND revoked = 1) AS revoked,
      (SELECT count(*) FROM attack_techniques WHERE version = ${version} AND deprecated = 1) AS deprecated`);
  return row;
}

/** Row counts of every ATT&CK table, to show that something did or did not change. */
async function tableCounts(): Promise<Record<string, number>> {
  const tables = await db.all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'attack_%' AND name NOT LIKE 'attack_techniques_fts%' ORDER BY name`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await db.all<{ n: number }>(sql.raw(`SELECT count(*) AS n FROM "${name}"`));
    counts[name] = row?.n ?? 0;
  }
  return counts;
}

async function expectRefused(body: ReadableStream<Uint8Array>, message: RegExp) {
  const error = await failure(loadAttackBundle(env.DB, body));
  expect(error.status).toBe(422);
  expect(error.message).toMatch(message);
}

describe("loading the shipped ATT&CK 18.1", () => {
  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
  });

  it("gives ATT&CK's counts and becomes the active version", async () => {
    expect(await facts("18.1")).toEqual(FACTS["18.1"]);
    const [stats] = await listVersionStats(db);
    expect(stats).toMatchObject({
      version: "18.1",
      active: true,
      status: "ready",
      techniques: 216,
      subtechniques: 475,
      tactics: 14,
      procedures: 16017,
    });
    const counts = await tableCounts();
    expect(counts.attack_detection_strategies).toBe(691);
    expect(counts.attack_analytics).toBe(1739);
  });

  it("keeps relationships, parents, revocations and tactic order", async () => {
    const sub = await getTechnique(db, "18.1", "T1566.001");
    expect(sub).toMatchObject({
      name: "Spearphishing Attachment",
      isSubtechnique: true,
      parentId: "T1566",
      revoked: false,
    });
    expect(sub?.description).not.toMatch(/\(Citation:/);
    expect(await getTechnique(db, "18.1", "T1574.002")).toMatchObject({ revoked: true, revokedBy: "T1574.001" });
    const order = await db.all<{ shortname: string }>(
      sql`SELECT shortname FROM attack_tactics WHERE version = '18.1' ORDER BY ordinal`,
    );
    expect(order.at(0)?.shortname).toBe("reconnaissance");
    expect(order.at(-1)?.shortname).toBe("impact");
  });

  it("changes nothing when the same version is loaded again", async () => {
    const before = await tableCounts();
    const version = await getActiveVersion(db);
    const again = await loadFixture(SHIPPED_BUNDLE);
    expect(again).toMatchObject({ version: "18.1", status: "unchanged", active: true, rows: 0 });
    expect(await tableCounts()).toEqual(before);
    expect(await getActiveVersion(db)).toEqual(version);
  });

  it("reads an uncompressed bundle the same way (and still finds it loaded)", async () => {
    const plain = (await fixtureStream(SHIPPED_BUNDLE)).pipeThrough(new DecompressionStream("gzip"));
    expect(await loadAttackBundle(env.DB, plain)).toMatchObject({ version: "18.1", status: "unchanged" });
  });
});

describe("bad bundles are refused and leave the active version as it was", () => {
  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
  });

  const cases: [string, () => Promise<ReadableStream<Uint8Array>>, RegExp][] = [
    ["text that is not JSON", async () => streamOf("<html>not a bundle</html>"), /not valid JSON/],
    [
      "JSON that is not a bundle",
      async () => streamOf(JSON.stringify({ type: "report", objects: [] })),
      /not a STIX bundle/,
    ],
    ["an empty body", async () => streamOf(""), /not a STIX bundle/],
    [
      "a bundle whose objects are not STIX",
      async () => streamOf(JSON.stringify({ type: "bundle", id: "bundle--1", objects: [{ hello: "world" }] })),
      /object #1 .* not a STIX object/,
    ],
    [
      "a STIX bundle without ATT&CK",
      async () =>
        streamOf(
          JSON.stringify({
            type: "bundle",
            id: "bundle--0b1b9a2c-6f2e-4a5e-9f43-2c1f0f7c9d10",
            objects: [{ type: "identity", id: "identity--0b1b9a2c-6f2e-4a5e-9f43-2c1f0f7c9d11", name: "x" }],
          }),
        ),
      /no x-mitre-collection/,
    ],
    // The new release is the shipped one relabelled 18.2, so a failure cannot be mistaken for "already loaded".
    [
      "a download of a new release cut in the middle",
      async () => {
        const bytes = await relabelledBundle({ gzip: true });
        return streamOf(bytes.slice(0, Math.floor(bytes.length / 2)));
      },
      /could not be read|ends early/,
    ],
    [
      "a new release whose gzip is corrupt",
      async () => {
        const bytes = await relabelledBundle({ gzip: true });
        bytes.fill(0x41, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 64);
        return streamOf(bytes);
      },
      /could not be read|not valid JSON/,
    ],
  ];

  it.each(cases)("refuses %s", async (_name, body, message) => {
    const before = await tableCounts();
    await expectRefused(await body(), message);
    expect(await getActiveVersion(db)).toMatchObject({ version: "18.1", active: true });
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a bundle that is not the version the caller expects", async () => {
    const error = await failure(loadAttackBundle(env.DB, await fixtureStream(SHIPPED_BUNDLE), { version: "19.0" }));
    expect(error.message).toMatch(/expected ATT&CK 19.0 but the bundle is 18.1/);
  });
});

describe.skipIf(!env.HAS_SHARED_DATA)("older releases from ../shared/data (skipped where it is absent)", () => {
  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
  });

  it.each(["16.1", "17.1"] as const)(
    "loads %s with ATT&CK's counts, beside 18.1, without activating it",
    async (version) => {
      const result = await loadFixture(sharedBundle(version));
      expect(result).toMatchObject({ version, status: "loaded", active: false });
      expect(await facts(version)).toEqual(FACTS[version]);
      expect(await facts("18.1")).toEqual(FACTS["18.1"]);
      const { active, sub, tactics, procedures } = FACTS[version];
      const stats = await listVersionStats(db);
      expect(stats.find((s) => s.version === version)).toMatchObject({
        techniques: active - sub,
        subtechniques: sub,
        tactics,
        procedures,
      });
      expect(stats.find((s) => s.version === "18.1")).toMatchObject({
        techniques: 216,
        subtechniques: 475,
        procedures: 16017,
      });
      expect((await getActiveVersion(db))?.version).toBe("18.1");
    },
  );

  it("records that 17.1 revoked T1574.002 in favour of T1574.001", async () => {
    await loadFixture(sharedBundle("17.1"));
    expect(await getTechnique(db, "17.1", "T1574.002")).toMatchObject({ revoked: true, revokedBy: "T1574.001" });
  });

  it("activates a loaded version when none is active, and a newer one over an older", async () => {
    await db.run(sql`UPDATE attack_versions SET active = 0`);
    await db.run(sql`DELETE FROM attack_versions WHERE version = '17.1'`);
    expect((await loadFixture(sharedBundle("16.1"))).active).toBe(true);
    expect((await getActiveVersion(db))?.version).toBe("16.1");
    expect(await loadFixture(sharedBundle("17.1"))).toMatchObject({ status: "loaded", active: true });
    expect((await getActiveVersion(db))?.version).toBe("17.1");
    expect(await loadFixture(SHIPPED_BUNDLE, { activate: "never" })).toMatchObject({ active: false });
    expect((await getActiveVersion(db))?.version).toBe("17.1");
  });
});
