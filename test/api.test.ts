import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { GroupT, TacticT, TechniqueHitT, TechniqueT } from "../src/attack/attack.schemas";
import { createDb } from "../src/db/client";
import worker from "../src/index";
import { CRON_JOBS, DAILY_CRON } from "../src/scheduled";
import { parse as parseToml } from "smol-toml";
import {
  api,
  releaseIndex,
  fixtureText,
  json,
  loadFixture,
  newTenantKey,
  postJson,
  runScheduled,
  SHIPPED_BUNDLE,
  type ErrorBody,
} from "./helpers";
import { server } from "./setup/msw";

interface SearchBody {
  attackVersion: string;
  items: TechniqueHitT[];
  nextCursor: string | null;
}

let key: string;

beforeAll(async () => {
  await loadFixture(SHIPPED_BUNDLE);
  ({ key } = await newTenantKey("analysts"));
});

describe("open endpoints", () => {
  it("GET /health answers without a key and names the active ATT&CK version", async () => {
    const res = await api("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", attackVersion: "18.1" });
  });

  it("GET /openapi.json documents the routes and the bearer scheme", async () => {
    const doc = await json<{
      openapi: string;
      info: { version: string };
      paths: Record<string, unknown>;
      components: { securitySchemes: object };
    }>(await api("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/health",
        "/api/v1/attack/techniques",
        "/api/v1/attack/techniques/{techniqueId}",
        "/api/v1/attack/groups/{groupId}",
      ]),
    );
    expect(doc.components.securitySchemes).toHaveProperty("bearerAuth");
    // One source for the version: package.json.
    const pkg = JSON.parse(await fixtureText("/repo/package.json")) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });
});

describe("authentication", () => {
  it.each([
    ["no Authorization header", undefined, /missing API key/],
    ["a key that does not exist", "ttp_0000000000000000000000000000000000000000", /invalid or revoked/],
    ["something that is not a key", "hunter2", /invalid or revoked/],
  ])("answers 401 JSON to %s", async (_name, badKey, message) => {
    for (const path of ["/api/v1/attack/versions", "/mcp"]) {
      const res = await api(path, badKey, path === "/mcp" ? { method: "POST", body: "{}" } : {});
      expect(res.status).toBe(401);
      const body = await json<ErrorBody>(res);
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.message).toMatch(message);
    }
  });

  it("stops accepting a key once it is revoked", async () => {
    const own = await newTenantKey("revokers", "admin");
    const created = await json<{ id: string; key: string }>(
      await api("/api/v1/keys", own.key, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"name":"temp"}',
      }),
    );
    expect((await api("/api/v1/attack/versions", created.key)).status).toBe(200);
    expect((await api(`/api/v1/keys/${created.id}`, own.key, { method: "DELETE" })).status).toBe(200);
    expect((await api("/api/v1/attack/versions", created.key)).status).toBe(401);
  });
});

describe("roles: member, tenant admin, operator", () => {
  const postKey = (key: string, body: unknown) => postJson("/api/v1/keys", key, body);
  type Keys = { keys: { id: string; role: string; tenantId: string }[] };

  it("a member sees and revokes only its own key, and creates none", async () => {
    const admin = await newTenantKey("roles-keys", "admin");
    const member = await newTenantKey("roles-keys");
    const other = await newTenantKey("roles-keys");
    expect((await postKey(member.key, {})).status).toBe(403);
    const seen = await json<Keys>(await api("/api/v1/keys", member.key));
    expect(seen.keys.map((k) => k.id)).toEqual([member.keyId]);
    // The tenant id a key acts for (the one the signed-webhook endpoint names) is shown with it.
    expect(seen.keys[0]?.tenantId).toBe(member.tenantId);
    expect((await api(`/api/v1/keys/${other.keyId}`, member.key, { method: "DELETE" })).status).toBe(404);
    expect((await api("/api/v1/attack/versions", other.key)).status).toBe(200);
    expect((await api(`/api/v1/keys/${member.keyId}`, member.key, { method: "DELETE" })).status).toBe(200);
    expect((await api("/api/v1/attack/versions", member.key)).status).toBe(401);
    const all = await json<Keys>(await api("/api/v1/keys", admin.key));
    expect(all.keys.map((k) => k.id).sort()).toEqual([admin.keyId, member.keyId, other.keyId].sort());
  });

  it("a tenant admin makes member and admin keys, never an operator key", async () => {
    const admin = await newTenantKey("roles-admin", "admin");
    expect((await postKey(admin.key, { role: "admin" })).status).toBe(201);
    const operator = await postKey(admin.key, { role: "operator" });
    expect(operator.status).toBe(400);
    expect((await json<ErrorBody>(operator)).error.message).toMatch(/role/);
  });

  it("a tenant admin recomputes its own tenant's accounts; every tenant's takes an operator", async () => {
    const account = (key: string, identifier: string) =>
      postJson("/api/v1/accounts", key, {
        name: identifier,
        provider: "aws",
        identifier,
        environment: "prod",
        criticality: "low",
      });
    const a = await newTenantKey("roles-fleet-a", "admin");
    const b = await newTenantKey("roles-fleet-b", "admin");
    const mine = await json<{ id: string }>(await account(a.key, "a-1"));
    const theirs = await json<{ id: string }>(await account(b.key, "b-1"));
    const page = await json<{ recomputed: number; next: string | null }>(
      await postJson("/api/v1/coverage/recompute", a.key, { limit: 1 }),
    );
    expect(page).toEqual({ recomputed: 1, next: mine.id });
    expect(await json(await postJson("/api/v1/coverage/recompute", a.key, { after: mine.id }))).toEqual({
      recomputed: 0,
      next: null,
    });
    expect((await postJson("/api/v1/coverage/recompute", a.key, { allTenants: true })).status).toBe(403);
    const operator = await newTenantKey("roles-operators", "operator");
    let seen = 0;
    let after: string | null = null;
    do {
      const p: { recomputed: number; next: string | null } = await json(
        await postJson("/api/v1/coverage/recompute", operator.key, {
          allTenants: true,
          limit: 100,
          ...(after ? { after } : {}),
        }),
      );
      seen += p.recomputed;
      after = p.next;
    } while (after);
    const total = await env.DB.prepare("SELECT count(*) AS n FROM accounts").first<{ n: number }>();
    expect(seen).toBe(total?.n);
    expect(theirs.id).not.toBe(mine.id);
  });
});

describe("ATT&CK REST", () => {
  it("lists versions with counts of active objects", async () => {
    const body = await json<{ versions: unknown[] }>(await api("/api/v1/attack/versions", key));
    expect(body.versions).toContainEqual(
      expect.objectContaining({
        version: "18.1",
        active: true,
        techniques: 216,
        subtechniques: 475,
        tactics: 14,
        procedures: 16017,
      }),
    );
  });

  it("finds T1566.001 first for 'spearphishing attachment'", async () => {
    const body = await json<SearchBody>(await api("/api/v1/attack/techniques?q=spearphishing%20attachment", key));
    expect(body.items[0]).toMatchObject({ id: "T1566.001", name: "Spearphishing Attachment", parentId: "T1566" });
    expect(body.items[0]?.tactics).toContain("initial-access");
  });

  it("treats FTS syntax in a query as words, not as an error", async () => {
    for (const q of ['powershell" (*', "NEAR(powershell", "powershell -"]) {
      const res = await api(`/api/v1/attack/techniques?q=${encodeURIComponent(q)}`, key);
      expect(res.status, q).toBe(200);
      expect(
        (await json<SearchBody>(res)).items.map((t) => t.id),
        q,
      ).toContain("T1059.001");
    }
  });

  it("falls back to any word when no technique holds them all", async () => {
    const body = await json<SearchBody>(await api("/api/v1/attack/techniques?q=kerberoasting%20xylophone", key));
    expect(body.items[0]?.id).toBe("T1558.003");
  });

  it("filters by tactic and platform and pages with a cursor", async () => {
    const first = await json<SearchBody>(
      await api("/api/v1/attack/techniques?tactic=TA0001&platform=linux&limit=5", key),
    );
    expect(first.items).toHaveLength(5);
    for (const t of first.items) {
      expect(t.tactics).toContain("initial-access");
      expect(t.platforms).toContain("Linux");
    }
    expect(first.nextCursor).toBeTruthy();
    const second = await json<SearchBody>(
      await api(
        `/api/v1/attack/techniques?tactic=initial-access&platform=Linux&limit=5&cursor=${first.nextCursor}`,
        key,
      ),
    );
    expect(second.items.map((t) => t.id)).not.toContain(first.items[0]?.id);
    // 20 initial-access techniques run on Linux in ATT&CK 18.1: the second page of 5 is full.
    expect(second.items).toHaveLength(5);
  });

  it("returns a technique with its relations", async () => {
    const t = await json<TechniqueT>(await api("/api/v1/attack/techniques/t1566.001", key));
    expect(t).toMatchObject({
      id: "T1566.001",
      parent: { id: "T1566", name: "Phishing" },
      revoked: false,
      attackVersion: "18.1",
    });
    expect(t.tactics.map((x) => x.shortname)).toEqual(["initial-access"]);
    expect(t.mitigations.map((m) => m.id)).toContain("M1049");
    expect(t.detectionStrategies.map((d) => [d.id, d.analytics.length])).toEqual([["DET0236", 3]]);
    expect(t.procedureCount).toBe(141);
    expect(t.procedureExamples).toHaveLength(5);
    const parent = await json<TechniqueT>(await api("/api/v1/attack/techniques/T1566", key));
    expect(parent.subtechniques.map((s) => s.id)).toEqual(
      expect.arrayContaining(["T1566.001", "T1566.002", "T1566.003"]),
    );
  });

  it("says what revoked a revoked technique", async () => {
    const res = await api("/api/v1/attack/techniques/T1574.002", key);
    expect(res.status).toBe(200);
    expect(await json<TechniqueT>(res)).toMatchObject({ revoked: true, revokedBy: { id: "T1574.001" } });
  });

  it.each([
    ["/api/v1/attack/techniques/T9999", 404, "not_found", /T9999 does not exist in ATT&CK 18.1/],
    ["/api/v1/attack/techniques/X1566", 400, "bad_request", /not an ATT&CK technique id/],
    ["/api/v1/attack/techniques/T1566?version=99.9", 404, "not_found", /ATT&CK 99.9 is not loaded/],
    ["/api/v1/attack/techniques?limit=1000", 400, "invalid_request", /limit/],
    ["/api/v1/attack/techniques?cursor=garbage", 400, "bad_request", /invalid cursor/],
    ["/api/v1/attack/groups/G9999", 404, "not_found", /no ATT&CK 18.1 group/],
    ["/api/v1/nothing-here", 404, "not_found", /no route/],
  ])("GET %s → %i %s", async (path, status, code, message) => {
    const res = await api(path, key);
    expect(res.status).toBe(status);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it("lists the 14 tactics in matrix order", async () => {
    const body = await json<{ tactics: TacticT[] }>(await api("/api/v1/attack/tactics", key));
    expect(body.tactics).toHaveLength(14);
    expect(body.tactics[0]).toMatchObject({ id: "TA0043", shortname: "reconnaissance" });
    expect(body.tactics.at(-1)).toMatchObject({ id: "TA0040", shortname: "impact" });
    expect(body.tactics.every((t) => t.techniqueCount > 0)).toBe(true);
  });

  it("finds a group by id and by alias, with its techniques", async () => {
    const byId = await json<GroupT>(await api("/api/v1/attack/groups/G0016", key));
    expect(byId.name).toBe("APT29");
    expect(byId.techniqueCount).toBe(66);
    expect(byId.techniques).toHaveLength(25);
    expect(byId.techniques.every((t) => t.procedure === undefined)).toBe(true);
    const detailed = await json<GroupT>(await api("/api/v1/attack/groups/G0016?detail=true&limit=100", key));
    expect(detailed.techniques).toHaveLength(66);
    expect(detailed.techniques.every((t) => (t.procedure ?? "").length > 0)).toBe(true);
    const byAlias = await json<GroupT>(await api("/api/v1/attack/groups/cozy%20bear", key));
    expect(byAlias.id).toBe("G0016");
  });
});

describe("audit log", () => {
  it("records each tenant's mutating requests for that tenant only", async () => {
    const a = await newTenantKey("tenant-a", "admin");
    const b = await newTenantKey("tenant-b", "admin");
    const post = (k: string) =>
      api("/api/v1/keys", k, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const created = await json<{ id: string }>(await post(a.key));
    // B cannot touch A's key: 404, and the failure is in B's log, not A's.
    expect((await api(`/api/v1/keys/${created.id}`, b.key, { method: "DELETE" })).status).toBe(404);
    expect((await api("/api/v1/attack/versions", a.key)).status).toBe(200);

    type Audit = { items: { action: string; outcome: string; status: number; keyPrefix: string; target: string }[] };
    const logA = await json<Audit>(await api("/api/v1/audit", a.key));
    const logB = await json<Audit>(await api("/api/v1/audit", b.key));
    expect(logA.items).toEqual([
      expect.objectContaining({
        action: "POST /api/v1/keys",
        outcome: "success",
        status: 201,
        keyPrefix: a.key.slice(0, 12),
      }),
    ]);
    expect(logB.items).toEqual([
      expect.objectContaining({
        action: "DELETE /api/v1/keys/:keyId",
        outcome: "failure",
        status: 404,
        target: `/api/v1/keys/${created.id}`,
      }),
    ]);
    const keysOfB = await json<{ keys: { id: string }[] }>(await api("/api/v1/keys", b.key));
    expect(keysOfB.keys.map((k) => k.id)).not.toContain(created.id);
  });

  it("is pruned by the daily cron after the retention period", async () => {
    const t = await newTenantKey("retention");
    const db = createDb(env.DB);
    await db.run(sql`INSERT INTO audit_log (tenant_id, action, outcome, created_at) VALUES
      (${t.tenantId}, 'old', 'success', '2000-01-01T00:00:00.000Z'), (${t.tenantId}, 'recent', 'success', ${new Date().toISOString()})`);
    // The daily cron also asks the release index for a newer ATT&CK: nothing newer is listed.
    server.use(http.get("https://attack-data.example.com/index.json", () => HttpResponse.json(releaseIndex([]))));
    await runScheduled(DAILY_CRON);
    const rows = await db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE tenant_id = ${t.tenantId}`);
    expect(rows.map((r) => r.action)).toEqual(["recent"]);
  });
});

describe("deployment settings and cron triggers", () => {
  it("a bad setting answers every request with what is wrong, instead of falling back", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://ttpscope.test/health"),
      { ...env, REEVAL_SCOPE: "chanegd" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe("invalid_config");
    expect(body.error.message).toMatch(/REEVAL_SCOPE="chanegd" must be one of changed, updated, all/);
  });

  it("every cron string of wrangler.toml has its jobs, and no job waits on a trigger that never fires", async () => {
    const toml = parseToml(await fixtureText("/repo/wrangler.toml")) as { triggers?: { crons?: string[] } };
    expect([...(toml.triggers?.crons ?? [])].sort()).toEqual(Object.keys(CRON_JOBS).sort());
  });

  it("a trigger no job names runs nothing (it used to run every job)", async () => {
    const t = await newTenantKey("cron-unknown");
    const db = createDb(env.DB);
    await db.run(
      sql`INSERT INTO audit_log (tenant_id, action, outcome, created_at) VALUES (${t.tenantId}, 'old', 'success', '2000-01-01T00:00:00.000Z')`,
    );
    // No handler for the release index: had the daily refresh run, msw would fail the request.
    await runScheduled("0 * * * *");
    const rows = await db.all<{ action: string }>(sql`SELECT action FROM audit_log WHERE tenant_id = ${t.tenantId}`);
    expect(rows.map((r) => r.action)).toEqual(["old"]);
  });
});
