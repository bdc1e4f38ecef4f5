import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { defaultPlatforms } from "../src/coverage/platforms";
import { MIGRATIONS_TABLE, rollbackStatements } from "../src/db/rollback";

interface SchemaObject {
  type: string;
  name: string;
  columns?: string[];
}

/**
 * Everything the migrations create (wrangler's own table and SQLite/D1 internals aside), with the
 * columns of each table: ALTER TABLE changes columns, not the object list.
 */
async function schema(): Promise<SchemaObject[]> {
  const { results } = await env.DB.prepare(
    `SELECT type, name FROM sqlite_master
     WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> '${MIGRATIONS_TABLE}'
     ORDER BY type, name`,
  ).all<SchemaObject>();
  for (const o of results) {
    if (o.type !== "table") continue;
    const { results: cols } = await env.DB.prepare(`SELECT name FROM pragma_table_info('${o.name}') ORDER BY cid`).all<{
      name: string;
    }>();
    o.columns = cols.map((c) => c.name);
  }
  return results;
}

async function applied(): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`).all<{ name: string }>();
  return results.map((r) => r.name);
}

async function rollbackLast(): Promise<string> {
  const name = (await applied()).at(-1);
  if (!name) throw new Error("nothing to roll back");
  const down = env.TEST_DOWN_MIGRATIONS.find((m) => m.name === name);
  if (!down) throw new Error(`migration ${name} has no down script in migrations/down/`);
  await env.DB.batch(rollbackStatements(name, down.queries).map((q) => env.DB.prepare(q)));
  return name;
}

describe("migrations", () => {
  it("has a down script for every migration", () => {
    expect(env.TEST_DOWN_MIGRATIONS.map((m) => m.name)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
  });

  it("apply all, roll each back in turn, and re-apply to the same schema", async () => {
    const full = await schema();
    expect(await applied()).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
    expect(full.some((o) => o.name === "attack_techniques_fts")).toBe(true);

    // Roll everything back, then re-apply one migration at a time, noting the schema after each.
    for (let i = env.TEST_MIGRATIONS.length - 1; i >= 0; i--)
      expect(await rollbackLast()).toBe(env.TEST_MIGRATIONS[i]?.name);
    expect(await schema()).toEqual([]);
    expect(await applied()).toEqual([]);
    const after: SchemaObject[][] = [];
    for (let i = 1; i <= env.TEST_MIGRATIONS.length; i++) {
      await applyD1Migrations(env.DB, env.TEST_MIGRATIONS.slice(0, i));
      after.push(await schema());
    }
    expect(after.at(-1)).toEqual(full);

    // Each down script takes the schema back to exactly what the migrations before it made.
    for (let i = env.TEST_MIGRATIONS.length - 1; i >= 1; i--) {
      await rollbackLast();
      expect(await schema(), `after rolling back ${env.TEST_MIGRATIONS[i]?.name}`).toEqual(after[i - 1]);
    }
    await rollbackLast();
    expect(await schema()).toEqual([]);
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    expect(await schema()).toEqual(full);

    // And the re-applied schema works: the FTS triggers index a technique row.
    await env.DB.batch([
      env.DB.prepare("INSERT INTO attack_versions (version, status) VALUES ('0.1', 'loading')"),
      env.DB.prepare(
        "INSERT INTO attack_techniques (version, stix_id, attack_id, name, description) VALUES ('0.1', 'attack-pattern--x', 'T0001', 'Test Technique', 'spearphishing')",
      ),
    ]);
    const hit = await env.DB.prepare(
      "SELECT attack_id FROM attack_techniques_fts WHERE attack_techniques_fts MATCH 'spearphishing'",
    ).first();
    expect(hit).toEqual({ attack_id: "T0001" });
  });

  it("re-indexes techniques already loaded when the search migration is re-applied", async () => {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO attack_versions (version, status) VALUES ('0.2', 'loading')"),
      env.DB.prepare(
        "INSERT INTO attack_techniques (version, stix_id, attack_id, name, description) VALUES ('0.2', 'attack-pattern--z', 'T0003', 'Kept Technique', 'exfiltration over carrier pigeon')",
      ),
    ]);
    // Back to before the search migration (and anything after it), then forward again.
    while ((await applied()).includes("0001_technique_fts.sql")) await rollbackLast();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const hit = await env.DB.prepare(
      "SELECT attack_id FROM attack_techniques_fts WHERE attack_techniques_fts MATCH 'pigeon'",
    ).first();
    expect(hit).toEqual({ attack_id: "T0003" });
  });

  it("gives accounts existing before 0012 their provider's platforms, marked for a recompute", async () => {
    while ((await applied()).includes("0012_account_platforms.sql")) await rollbackLast();
    const providers = ["aws", "azure", "gcp", "on_prem", "saas", "other"];
    await env.DB.batch([
      env.DB.prepare("INSERT INTO tenants (id, name) VALUES ('m12', 'm12')"),
      ...providers.map((p) =>
        env.DB.prepare(
          `INSERT INTO accounts (id, tenant_id, provider_id, identifier, name, environment, criticality, coverage_computed_at)
           VALUES (?, 'm12', ?, ?, ?, 'prod', 'high', '2026-01-01T00:00:00.000Z')`,
        ).bind(`acct-${p}`, p, p, p),
      ),
    ]);
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const { results } = await env.DB.prepare(
      "SELECT provider_id AS provider, platforms, coverage_pending_since AS pending FROM accounts WHERE tenant_id = 'm12'",
    ).all<{ provider: string; platforms: string; pending: string | null }>();
    expect(results).toHaveLength(providers.length);
    for (const r of results) {
      // The SQL default and the code's are one table.
      expect(JSON.parse(r.platforms), r.provider).toEqual(defaultPlatforms(r.provider));
      expect(r.pending, r.provider).not.toBeNull();
    }
  });

  it("indexes the software, procedures and tactics of techniques already loaded (0011), both ways", async () => {
    const seed = [
      "INSERT INTO attack_versions (version, status) VALUES ('0.11', 'loading')",
      "INSERT INTO attack_techniques (version, stix_id, attack_id, name, description) VALUES ('0.11', 'attack-pattern--s', 'T0011', 'Seed Technique', 'plain words')",
      "INSERT INTO attack_software (version, stix_id, attack_id, name, software_type, aliases) VALUES ('0.11', 'tool--s', 'S0011', 'Quillsaw', 'tool', '[\"Quillsaw\", \"QSaw\"]')",
      "INSERT INTO attack_procedures (version, stix_id, source_ref, source_type, technique_ref, description) VALUES ('0.11', 'relationship--s', 'tool--s', 'software', 'attack-pattern--s', 'uses a marmalade beacon')",
      "INSERT INTO attack_tactics (version, stix_id, attack_id, name, shortname) VALUES ('0.11', 'x-mitre-tactic--s', 'TA0011', 'Seed Tactic', 'seed-tactic')",
      "INSERT INTO attack_technique_tactics (version, technique_stix_id, tactic_shortname) VALUES ('0.11', 'attack-pattern--s', 'seed-tactic')",
    ];
    await env.DB.batch(seed.map((q) => env.DB.prepare(q)));
    const find = async (word: string) =>
      (
        await env.DB.prepare(`SELECT attack_id FROM attack_techniques_fts WHERE attack_techniques_fts MATCH ?`)
          .bind(word)
          .all()
      ).results;
    while ((await applied()).includes("0011_technique_search_text.sql")) await rollbackLast();
    expect(await find("plain")).toEqual([{ attack_id: "T0011" }]);
    expect(await find("qsaw")).toEqual([]);
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    for (const word of ["qsaw", "quillsaw", "marmalade", "seed"])
      expect(await find(word), word).toEqual([{ attack_id: "T0011" }]);
  });

  it("rebuilding matches for the manual method (0010) keeps their feedback, both ways", async () => {
    const seed = [
      "INSERT INTO tenants (id, name) VALUES ('m10', 'm10')",
      "INSERT INTO attack_versions (version, status) VALUES ('0.10', 'loading')",
      "INSERT INTO reports (id, tenant_id, source_type, content_hash, attack_version) VALUES ('r10', 'm10', 'text', 'h', '0.10')",
      `INSERT INTO matches (id, report_id, tenant_id, technique_id, confidence, method, evidence_text, evidence_start, evidence_end)
       VALUES ('m-model', 'r10', 'm10', 'T0001', 0.9, 'model', 'x', 0, 1)`,
      "INSERT INTO match_feedback (id, tenant_id, report_id, match_id, verdict) VALUES ('f10', 'm10', 'r10', 'm-model', 'accept')",
    ];
    await env.DB.batch(seed.map((q) => env.DB.prepare(q)));
    const manual = `INSERT INTO matches (id, report_id, tenant_id, technique_id, confidence, method, evidence_text, evidence_start, evidence_end)
       VALUES ('m-manual', 'r10', 'm10', 'T0002', 1, 'manual', 'y', 0, 1)`;
    await env.DB.prepare(manual).run();
    const feedback = () => env.DB.prepare("SELECT id FROM match_feedback WHERE tenant_id = 'm10'").all();
    while ((await applied()).at(-1) !== "0010_analyst_edits.sql") await rollbackLast();
    expect(await rollbackLast()).toBe("0010_analyst_edits.sql");
    expect((await feedback()).results).toEqual([{ id: "f10" }]);
    // The manual match went with the method; the old check refuses it again.
    expect(await env.DB.prepare("SELECT id FROM matches WHERE report_id = 'r10'").all()).toMatchObject({
      results: [{ id: "m-model" }],
    });
    await expect(env.DB.prepare(manual).run()).rejects.toThrow();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    expect((await feedback()).results).toEqual([{ id: "f10" }]);
    await env.DB.prepare(manual).run();
  });

  it("enforces the schema's rules", async () => {
    const bad = [
      "INSERT INTO tenants (id, name) VALUES ('t1', 'a'), ('t2', 'a')",
      "INSERT INTO workflows (id, type) VALUES ('w1', 'mining')",
      "INSERT INTO attack_versions (version, status, active) VALUES ('1.0', 'loading', 1)",
      "INSERT INTO attack_techniques (version, stix_id, attack_id, name) VALUES ('no-such-version', 'attack-pattern--y', 'T0002', 'x')",
      `INSERT INTO api_keys (id, tenant_id, role, prefix, key_hash) VALUES ('k1', 'roles', 'root', 'ttp_x', '${"0".repeat(64)}')`,
    ];
    await env.DB.prepare("INSERT INTO tenants (id, name) VALUES ('roles', 'roles')").run();
    for (const statement of bad) await expect(env.DB.prepare(statement).run(), statement).rejects.toThrow();
    // The rebuilt api_keys (0007) keeps its checks and takes the operator role.
    await env.DB.prepare(
      `INSERT INTO api_keys (id, tenant_id, role, prefix, key_hash) VALUES ('k2', 'roles', 'operator', 'ttp_x', '${"1".repeat(64)}')`,
    ).run();
    await expect(
      env.DB.prepare(
        "INSERT INTO api_keys (id, tenant_id, role, prefix, key_hash) VALUES ('k3', 'roles', 'member', 'ttp_x', 'short')",
      ).run(),
    ).rejects.toThrow();
  });
});
