import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffTechniques, recordChanges, type TechniqueState } from "../src/attack/diff";
import { loadAttackBundle } from "../src/attack/loader";
import type { AttackChangesT } from "../src/attack/attack.schemas";
import { createDb } from "../src/db/client";
import {
  api,
  callTool,
  connectMcp,
  failure,
  json,
  loadFixture,
  newTenantKey,
  relabelledBundle,
  sharedBundle,
  SHIPPED_BUNDLE,
  streamOf,
  type ErrorBody,
  dataOf,
} from "./helpers";

const db = createDb(env.DB);

const KEYS = [
  "added",
  "computedAt",
  "deprecated",
  "from",
  "removed",
  "renamed",
  "revoked",
  "tacticsChanged",
  "to",
  "updated",
];

async function expectAppError(promise: Promise<unknown>, status: number, message: RegExp) {
  const error = await failure(promise);
  expect(error.status).toBe(status);
  expect(error.message).toMatch(message);
}

function expectSortedById(changes: AttackChangesT) {
  const lists: string[][] = [
    changes.added,
    changes.removed,
    changes.deprecated,
    changes.updated,
    changes.revoked.map((x) => x.id),
    changes.renamed.map((x) => x.id),
    changes.tacticsChanged.map((x) => x.id),
  ];
  for (const ids of lists) expect(ids).toEqual([...ids].sort());
}

/** A technique as a comparison sees it; every field can be overridden. */
function state(id: string, over: Partial<TechniqueState> = {}): TechniqueState {
  return {
    id,
    name: `name of ${id}`,
    revoked: false,
    deprecated: false,
    revokedBy: null,
    objectVersion: "1.0",
    tactics: ["execution"],
    ...over,
  };
}

describe("diffTechniques (pure)", () => {
  const a = [
    state("T1006", { objectVersion: "1.1" }),
    state("T1000"),
    state("T1001"),
    state("T1002"),
    state("T1003"),
    state("T1004"),
    state("T1005", { tactics: ["persistence", "execution"] }),
    state("T1007", { tactics: ["execution", "persistence"] }),
    state("T1008", { revoked: true, revokedBy: "T1000" }),
    state("T1009", { objectVersion: "1.0" }),
  ];
  const b = [
    state("T1012", { deprecated: true }),
    state("T1011"),
    state("T1010"),
    state("T1009", { objectVersion: "2.0", revoked: true, revokedBy: "T1000" }),
    state("T1008", { revoked: true, revokedBy: "T1000", objectVersion: "9.9" }),
    state("T1007", { tactics: ["execution", "defense-evasion"] }),
    // Same tactics in another order: no change.
    state("T1005", { tactics: ["execution", "persistence"] }),
    state("T1004", { name: "A new name", objectVersion: "1.1" }),
    state("T1003", { deprecated: true, objectVersion: "1.1" }),
    state("T1002", { revoked: true, revokedBy: "T1004" }),
    state("T1000"),
    state("T1006", { objectVersion: "1.2" }),
  ];

  it("puts each difference in its category, sorted by id", () => {
    expect(diffTechniques(a, b)).toEqual({
      added: ["T1010", "T1011"],
      removed: ["T1001"],
      // T1008 was revoked already; T1009's new version does not count as an update once revoked.
      revoked: [
        { id: "T1002", revokedBy: "T1004" },
        { id: "T1009", revokedBy: "T1000" },
      ],
      // T1012 arrives deprecated: not added, but reported as deprecated.
      deprecated: ["T1003", "T1012"],
      renamed: [{ id: "T1004", from: "name of T1004", to: "A new name" }],
      tacticsChanged: [{ id: "T1007", from: ["execution", "persistence"], to: ["defense-evasion", "execution"] }],
      updated: ["T1004", "T1006"],
    });
  });

  it("finds nothing between a version and itself, and swaps additions and removals when reversed", () => {
    expect(diffTechniques(a, a)).toEqual({
      added: [],
      removed: [],
      revoked: [],
      deprecated: [],
      renamed: [],
      tacticsChanged: [],
      updated: [],
    });
    const back = diffTechniques(b, a);
    expect(back.added).toEqual(["T1001"]);
    expect(back.removed).toEqual(["T1010", "T1011", "T1012"]);
    expect(back.renamed).toEqual([{ id: "T1004", from: "A new name", to: "name of T1004" }]);
  });
});

describe("changes between loaded versions (shipped 18.1 and a relabelled copy)", () => {
  let key: string;
  let client: Client;

  beforeAll(async () => {
    await loadFixture(SHIPPED_BUNDLE);
    await loadAttackBundle(env.DB, streamOf(await relabelledBundle({ gzip: false })), { activate: "never" });
    // Edits to the copy, one per category the database query must see.
    await db.run(
      sql`UPDATE attack_techniques SET name = 'Spearphishing Attachments' WHERE version = '18.2' AND attack_id = 'T1566.001'`,
    );
    await db.run(
      sql`UPDATE attack_techniques SET object_version = '99.0' WHERE version = '18.2' AND attack_id = 'T1003'`,
    );
    await db.run(sql`UPDATE attack_techniques SET deprecated = 1 WHERE version = '18.2' AND attack_id = 'T1001'`);
    await db.run(
      sql`UPDATE attack_techniques SET revoked = 1, revoked_by = 'T1059' WHERE version = '18.2' AND attack_id = 'T1059.001'`,
    );
    await db.run(sql`DELETE FROM attack_technique_tactics WHERE version = '18.2' AND technique_stix_id =
      (SELECT stix_id FROM attack_techniques WHERE version = '18.2' AND attack_id = 'T1566.001')`);
    key = (await newTenantKey("changes")).key;
    client = await connectMcp(key);
  });
  afterAll(async () => {
    await client.close();
  });

  it("reads both versions from D1 and reports exactly the edits", async () => {
    const changes = await recordChanges(db, "18.1", "18.2");
    expect(changes).toMatchObject({
      from: "18.1",
      to: "18.2",
      added: [],
      removed: [],
      revoked: [{ id: "T1059.001", revokedBy: "T1059" }],
      deprecated: ["T1001"],
      renamed: [{ id: "T1566.001", from: "Spearphishing Attachment", to: "Spearphishing Attachments" }],
      tacticsChanged: [{ id: "T1566.001", from: ["initial-access"], to: [] }],
      updated: ["T1003"],
    });
  });

  it("stores the changes once and serves the stored row afterwards", async () => {
    await db.run(sql`DELETE FROM attack_changes WHERE from_version = '18.2' AND to_version = '18.1'`);
    const first = await recordChanges(db, "18.2", "18.1");
    const rows = await db.all<{ computedAt: string }>(
      sql`SELECT computed_at AS computedAt FROM attack_changes WHERE from_version = '18.2' AND to_version = '18.1'`,
    );
    expect(rows).toEqual([{ computedAt: first.computedAt }]);
    expect(await recordChanges(db, "18.2", "18.1")).toEqual(first);
    // Proof it is not recomputed: an edit to the stored row is what comes back.
    await db.run(
      sql`UPDATE attack_changes SET computed_at = '2000-01-01T00:00:00.000Z' WHERE from_version = '18.2' AND to_version = '18.1'`,
    );
    expect(await recordChanges(db, "18.2", "18.1")).toEqual({ ...first, computedAt: "2000-01-01T00:00:00.000Z" });
  });

  it("refuses the same version twice and versions not loaded", async () => {
    await expectAppError(recordChanges(db, "18.1", "18.1"), 400, /both 18\.1/);
    await expectAppError(recordChanges(db, "18.1", "99.9"), 404, /ATT&CK 99\.9 is not loaded \(loaded: .*18\.1/);
    await expectAppError(recordChanges(db, "98.0", "99.9"), 404, /ATT&CK 98\.0 and 99\.9 are not loaded/);
  });

  it("GET /api/v1/attack/changes answers with the changes, and 400/404 JSON errors", async () => {
    const res = await api("/api/v1/attack/changes?from=18.1&to=18.2", key);
    expect(res.status).toBe(200);
    const body = await json<AttackChangesT>(res);
    expect(Object.keys(body).sort()).toEqual(KEYS);
    expect(body).toEqual(await recordChanges(db, "18.1", "18.2"));

    const cases: [string, number, string, RegExp][] = [
      ["?from=18.1&to=99.9", 404, "not_found", /99\.9 is not loaded/],
      ["?to=18.1", 400, "invalid_request", /query\.from/],
      ["?from=18.1&to=18.1", 400, "bad_request", /both 18\.1/],
      ["?from=latest&to=18.1", 400, "invalid_request", /query\.from/],
    ];
    for (const [query, status, code, message] of cases) {
      const err = await api(`/api/v1/attack/changes${query}`, key);
      expect(err.status, query).toBe(status);
      const { error } = await json<ErrorBody>(err);
      expect(error.code, query).toBe(code);
      expect(error.message, query).toMatch(message);
    }
    expect((await api("/api/v1/attack/changes?from=18.1&to=18.2")).status).toBe(401);
    const doc = await json<{
      paths: Record<string, { get?: { parameters?: { name: string; required?: boolean }[] } }>;
    }>(await api("/openapi.json"));
    expect(doc.paths["/api/v1/attack/changes"]?.get?.parameters).toEqual([
      expect.objectContaining({ name: "from", required: true }),
      expect.objectContaining({ name: "to", required: true }),
    ]);
  });

  it("get_attack_changes returns the same object, and failures as isError", async () => {
    const result = await callTool(client, "get_attack_changes", { from: "18.1", to: "18.2" });
    expect(result.isError).toBeFalsy();
    expect(dataOf(result)).toEqual(await recordChanges(db, "18.1", "18.2"));
    const tool = (await client.listTools()).tools.find((t) => t.name === "get_attack_changes");
    expect(tool?.annotations?.readOnlyHint).toBe(true);
    // Text results (the default) list no output schema; structured ones do (mcp-context.test.ts).
    expect(tool?.outputSchema).toBeUndefined();
    const inputs = tool?.inputSchema.properties as Record<string, { description?: string }>;
    expect(Object.keys(inputs).sort()).toEqual(["from", "to"]);
    expect(inputs.from?.description).toMatch(/compare from/);
    expect(tool?.inputSchema.required).toEqual(["from", "to"]);
    const missing = await callTool(client, "get_attack_changes", { from: "18.1", to: "99.9" });
    expect(missing.isError).toBe(true);
    expect((missing.content[0] as { text: string }).text).toMatch(/99\.9 is not loaded/);
  });
});

describe.skipIf(!env.HAS_SHARED_DATA)(
  "changes between ATT&CK releases from ../shared/data (skipped where it is absent)",
  () => {
    let key: string;

    beforeAll(async () => {
      await loadFixture(SHIPPED_BUNDLE);
      await loadFixture(sharedBundle("16.1"), { activate: "never" });
      await loadFixture(sharedBundle("17.1"), { activate: "never" });
      key = (await newTenantKey("changes-shared")).key;
    });

    it("16.1 → 17.1 matches ATT&CK's own account", async () => {
      const c = await recordChanges(db, "16.1", "17.1");
      expect(c.added).toHaveLength(24);
      expect(c.renamed.map((r) => r.id)).toEqual(["T1036.003", "T1036.005", "T1176", "T1219", "T1574.001"]);
      expect(c.revoked).toEqual([{ id: "T1574.002", revokedBy: "T1574.001" }]);
      expect(c.updated).toHaveLength(383);
      expect(c.removed).toEqual([]);
      expect(c.deprecated).toEqual([]);
      expect(c.tacticsChanged).toHaveLength(1);
      expectSortedById(c);
    });

    it("17.1 → 18.1 matches ATT&CK's own account", async () => {
      const c = await recordChanges(db, "17.1", "18.1");
      expect(c.added).toHaveLength(12);
      expect(c.renamed.map((r) => r.id)).toEqual(["T1497.003", "T1552.003"]);
      expect(c.revoked).toEqual([]);
      expect(c.updated).toHaveLength(62);
      // 835 - 823 attack-patterns are the 12 added, and 12 were deprecated in both: nothing removed or newly deprecated.
      expect(c.removed).toEqual([]);
      expect(c.deprecated).toEqual([]);
      expectSortedById(c);
    });

    it("serves the same stored object over REST and MCP", async () => {
      const stored = await recordChanges(db, "16.1", "17.1");
      const rows = await db.all<{ n: number }>(
        sql`SELECT count(*) AS n FROM attack_changes WHERE from_version = '16.1' AND to_version = '17.1'`,
      );
      expect(rows[0]?.n).toBe(1);
      const res = await api("/api/v1/attack/changes?from=16.1&to=17.1", key);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(stored);
      const client = await connectMcp(key);
      try {
        expect(dataOf(await callTool(client, "get_attack_changes", { from: "16.1", to: "17.1" }))).toEqual(stored);
      } finally {
        await client.close();
      }
    });
  },
);
