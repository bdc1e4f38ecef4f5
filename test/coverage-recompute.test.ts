/**
 * The recompute policy (coverage/recompute.ts): which writes recompute an account in the request,
 * which leave its coverage stale until the cron, and that reads answer what is stored and write
 * nothing.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAttackBundle } from "../src/attack/loader";
import { activateVersion, deleteInactiveVersion } from "../src/db/repos/attack";
import { SWEEP_CRON } from "../src/scheduled";
import { createDb } from "../src/db/client";
import { issueApiKey } from "../src/tenants/keys.service";
import {
  api,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  postJson,
  relabelledBundle,
  runScheduled,
  streamOf,
  tenantDataDigest,
} from "./helpers";
import { RULES, sigma, type Coverage, type Gaps } from "./coverage-fixtures";
import * as fixtures from "./coverage-fixtures";

let a: { key: string; tenantId: string };
beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("recompute-policy");
});

const seedAccount = (rules?: { path: string; content: string }[]) => fixtures.seedAccount(a.key, rules);

describe("deprecated APIs and detection health", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount([
      {
        path: "legacy.yml",
        content: sigma(
          "66666666-6666-4666-8666-666666666666",
          "Legacy telemetry",
          ["attack.t1059.001"],
          "\n    Product|contains: 'legacy-telemetry-v1'",
        ),
      },
    ]);
  });

  it("an operator records a deprecation; detections that use it turn degraded and are listed", async () => {
    const { key: tenantAdmin } = await issueApiKey(createDb(env.DB), a.tenantId, "ops", "admin");
    const { key: operator } = await newTenantKey("deployment-operators", "operator");
    const body = {
      apiName: "legacy-telemetry-v1",
      description: "test deprecation",
      removalDate: "2999-01-01",
      replacement: "the new field",
    };
    // The catalogue belongs to the deployment: neither a member nor a tenant's admin may change it.
    expect((await postJson("/api/v1/coverage/deprecations", a.key, body)).status).toBe(403);
    expect((await postJson("/api/v1/coverage/deprecations", tenantAdmin, body)).status).toBe(403);
    const res = await postJson("/api/v1/coverage/deprecations", operator, body);
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ impactedDetections: 1, impact: "medium" });
    const listed = await json<{ items: { detection: string; apiName: string }[] }>(
      await api(`/api/v1/accounts/${account}/deprecations`, a.key),
    );
    expect(listed.items).toEqual([
      expect.objectContaining({ detection: "Legacy telemetry", apiName: "legacy-telemetry-v1" }),
    ]);
    const health = await json<{
      summary: Record<string, number>;
      attention: { name: string; status: string; issues: string[] }[];
    }>(await api(`/api/v1/accounts/${account}/health`, a.key));
    expect(health.summary).toEqual({ healthy: 0, degraded: 1, broken: 0, unknown: 0 });
    expect(health.attention[0]).toMatchObject({ name: "Legacy telemetry", status: "degraded" });
    expect(health.attention[0]?.issues[0]).toMatch(/legacy-telemetry-v1/);
    // The deprecation changed the account's inputs: its coverage waits for the cron's recompute.
    expect((await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key))).stale).toBe(true);
    await runScheduled(SWEEP_CRON);
    expect((await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key))).stale).toBe(false);
  });
});

/** PUT a health report for the account's first detection (by name). */
async function putHealth(account: string, body: unknown): Promise<{ res: Response; detection: { id: string } | null }> {
  const detection = await env.DB.prepare("SELECT id FROM detections WHERE account_id = ? ORDER BY name LIMIT 1")
    .bind(account)
    .first<{ id: string }>();
  const res = await api(`/api/v1/accounts/${account}/detections/${detection?.id}/health`, a.key, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { res, detection };
}

describe("the recompute policy", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount(RULES.slice(0, 2));
  });

  it("a health report recomputes the account in the request", async () => {
    const before = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    const { res } = await putHealth(account, { status: "healthy" });
    expect(res.status).toBe(200);
    const after = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    expect(after).toMatchObject({ stale: false, covered: before.covered });
    expect(after.computedAt).not.toBe(before.computedAt);
  });

  it("refuses a health report with a field it does not know, naming it, and records nothing", async () => {
    const { res, detection } = await putHealth(account, { status: "broken", lastValidated: "2026-01-01T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("lastValidated");
    const stored = await env.DB.prepare("SELECT status FROM detection_health WHERE detection_id = ?")
      .bind(detection?.id)
      .first<{ status: string }>();
    expect(stored?.status).not.toBe("broken");
  });

  it("reads write nothing: after an ATT&CK switch they answer the stored coverage as stale until the cron recomputes", async () => {
    const db = createDb(env.DB);
    const before = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
    await loadAttackBundle(env.DB, streamOf(await relabelledBundle({ gzip: false })), { activate: "always" });
    try {
      const digest = await tenantDataDigest();
      const stale = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
      const gaps = await json<Gaps & { stale: boolean }>(await api(`/api/v1/accounts/${account}/gaps`, a.key));
      const overlaps = await json<{ stale: boolean }>(await api(`/api/v1/accounts/${account}/overlaps`, a.key));
      expect(stale).toEqual({ ...before, stale: true });
      expect([gaps.stale, overlaps.stale]).toEqual([true, true]);
      expect(await tenantDataDigest()).toBe(digest);

      await runScheduled(SWEEP_CRON);
      const current = await json<Coverage>(await api(`/api/v1/accounts/${account}/coverage`, a.key));
      expect(current).toMatchObject({ attackVersion: "18.2", stale: false, covered: before.covered });
    } finally {
      await activateVersion(db, "18.1");
      await deleteInactiveVersion(db, "18.2");
      await runScheduled(SWEEP_CRON);
    }
  });
});
