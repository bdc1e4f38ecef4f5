/**
 * @module Coverage at fleet scale: 1,000 accounts × 1,000 detections (2 mappings each) seeded into a
 * local D1, then through `wrangler dev`: the whole fleet's coverage recomputed (operator endpoint, a
 * page of accounts per call), and p50/p99 of reading one account's coverage and its gaps.
 * FLEET_ACCOUNTS and FLEET_PAGE change the fleet size and the page; BENCH_VERBOSE shows wrangler's log.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FALLBACK_PLATFORMS, PRE_PLATFORM } from "../../src/coverage/platforms";
import { withLocalDb } from "../lib/wrangler";
import { attackLoad, runScript, startDev, type DevServer } from "./harness";
import { median, percentile, type Row } from "./table";

const ACCOUNTS = Number(process.env.FLEET_ACCOUNTS ?? 1000);
const DETECTIONS = 1000;
const SAMPLES = 200;
/** Every platform, PRE included: the mappings span every technique, so the fleet is measured on all. */
const WHOLE_MATRIX = JSON.stringify([...FALLBACK_PLATFORMS, PRE_PLATFORM]);

/** Seeds the fleet with SQL that generates the rows inside SQLite (a statement per account and table). */
async function seed(dir: string): Promise<{ seconds: number; accountIds: string[] }> {
  return withLocalDb(async (d1) => {
    const tenant = await d1.prepare("SELECT id FROM tenants WHERE name = 'fleet'").first<{ id: string }>();
    if (!tenant) throw new Error("no fleet tenant");
    const t0 = performance.now();
    // Bench-only lookup table: technique by ordinal, so generated mappings join on a key.
    await d1.batch([
      d1.prepare("CREATE TABLE bench_techniques (k INTEGER PRIMARY KEY, attack_id TEXT NOT NULL)"),
      d1.prepare(
        "INSERT INTO bench_techniques (k, attack_id) SELECT row_number() OVER (ORDER BY attack_id) - 1, attack_id FROM attack_techniques WHERE version = (SELECT version FROM attack_versions WHERE active = 1) AND revoked = 0 AND deprecated = 0",
      ),
    ]);
    const techniques = (await d1.prepare("SELECT count(*) AS n FROM bench_techniques").first<{ n: number }>())?.n ?? 1;
    const now = new Date().toISOString();
    const accountIds = Array.from(
      { length: ACCOUNTS },
      (_, a) => `00000000-0000-4000-8000-${String(a).padStart(12, "0")}`,
    );
    const criticality = ["high", "medium", "low"];
    for (let a = 0; a < ACCOUNTS; a += 50) {
      const statements = accountIds.slice(a, a + 50).flatMap((id, j) => {
        const n = a + j;
        // Each account covers a window of techniques of its own.
        const span = 150 + (n % 400);
        return [
          d1
            .prepare(
              "INSERT INTO accounts (id, tenant_id, provider_id, identifier, name, environment, criticality, platforms) VALUES (?1, ?2, 'aws', ?3, ?4, 'prod', ?5, ?6)",
            )
            .bind(id, tenant.id, `acct-${n}`, `Account ${n}`, criticality[n % 3], WHOLE_MATRIX),
          d1
            .prepare(
              `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${DETECTIONS - 1})
               INSERT INTO detections (id, tenant_id, account_id, detection_type, source_rule_id, name, status, raw_config, content_hash, discovered_at, modified_at, service_id)
               SELECT ?1 || '-' || i, ?2, ?1, 'sigma', 'rule-' || i, 'Bench rule ' || i, CASE WHEN i % 20 = 0 THEN 'disabled' ELSE 'enabled' END,
                 'title: Bench rule ' || i, hex(randomblob(16)), ?3, ?3, NULL FROM n`,
            )
            .bind(id, tenant.id, now),
          d1
            .prepare(
              `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${DETECTIONS - 1}), m(j) AS (SELECT 0 UNION ALL SELECT 1)
               INSERT INTO detection_mappings (id, tenant_id, account_id, detection_id, technique_id, confidence, method, validation, created_at, updated_at)
               SELECT ?1 || '-' || i || '-' || j, ?2, ?1, ?1 || '-' || i, t.attack_id, 0.9, 'tag', 'pending', ?3, ?3
               FROM n, m JOIN bench_techniques t ON t.k = ((?4 + (i * 7 + j * 131) % ?5) % ${techniques})`,
            )
            .bind(id, tenant.id, now, (n * 17) % techniques, span),
        ];
      });
      await d1.batch(statements);
    }
    await d1.prepare("DROP TABLE bench_techniques").run();
    return { seconds: (performance.now() - t0) / 1000, accountIds };
  }, dir);
}

export async function benchFleet(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-fleet-"));
  let dev: DevServer | undefined;
  try {
    attackLoad(dir);
    const operator = runScript("key-create.ts", ["--tenant", "fleet", "--operator", "--persist-to", dir]);
    const { seconds: seedSeconds, accountIds } = await seed(dir);
    process.stderr.write(`fleet: seeded ${ACCOUNTS} × ${DETECTIONS} in ${seedSeconds.toFixed(1)} s\n`);
    dev = await startDev(dir, [], { verbose: Boolean(process.env.BENCH_VERBOSE) });
    const { base } = dev;
    await dev.ready();
    const headers = { authorization: `Bearer ${operator}`, "content-type": "application/json" };

    const t0 = performance.now();
    let after: string | null = null;
    let recomputed = 0;
    do {
      const res: Response = await fetch(`${base}/api/v1/coverage/recompute`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          limit: Number(process.env.FLEET_PAGE ?? 50),
          allTenants: true,
          ...(after ? { after } : {}),
        }),
      });
      if (!res.ok) throw new Error(`recompute → ${res.status} ${await res.text()}`);
      const page: { recomputed: number; next: string | null } = await res.json<{
        recomputed: number;
        next: string | null;
      }>();
      recomputed += page.recomputed;
      after = page.next;
    } while (after);
    const recomputeSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(`fleet: recomputed ${recomputed} accounts in ${recomputeSeconds.toFixed(1)} s\n`);

    const time = async (url: string) => {
      const s = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url} → ${res.status}`);
      return performance.now() - s;
    };
    const pick = (i: number) => accountIds[(i * 7919) % accountIds.length] as string;
    for (let i = 0; i < 10; i++) await time(`${base}/api/v1/accounts/${pick(i)}/coverage`);
    const coverage: number[] = [];
    const gaps: number[] = [];
    for (let i = 0; i < SAMPLES; i++) coverage.push(await time(`${base}/api/v1/accounts/${pick(i + 10)}/coverage`));
    for (let i = 0; i < SAMPLES; i++) gaps.push(await time(`${base}/api/v1/accounts/${pick(i + 300)}/gaps?limit=25`));
    return [
      [
        `Fleet seed, ${ACCOUNTS} accounts × ${DETECTIONS} detections (2 mappings each), seconds`,
        seedSeconds.toFixed(1),
        "",
      ],
      ["Fleet coverage recompute, all accounts, seconds", recomputeSeconds.toFixed(1), "≤ 60"],
      [
        `GET account coverage, p50 / p99 ms (${SAMPLES} accounts)`,
        `${median(coverage).toFixed(1)} / ${percentile(coverage, 99).toFixed(1)}`,
        "p50 ≤ 20",
      ],
      [
        `GET account gaps (25), p50 / p99 ms (${SAMPLES} accounts)`,
        `${median(gaps).toFixed(1)} / ${percentile(gaps, 99).toFixed(1)}`,
        "p50 ≤ 50",
      ],
    ];
  } finally {
    dev?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
