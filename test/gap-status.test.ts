/**
 * Gap triage (coverage/gap-status.service.ts): the allowed moves and the refused ones, who/when/why
 * on the gap, the audit of each change (REST, MCP and the cron's reopening), the expiry of an
 * accepted risk, the status kept across recomputes, and list_gaps' status filter.
 */
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWEEP_CRON } from "../src/scheduled";
import { displayPrefix } from "../src/tenants/api-keys";
import { seedAccount, importRules, RULES, sigma } from "./coverage-fixtures";
import {
  api,
  callTool,
  connectMcp,
  json,
  loadShippedAttackAndModel,
  newTenantKey,
  runScheduled,
  type ErrorBody,
  dataOf,
} from "./helpers";

let a: { key: string; tenantId: string };
let account: string;
const COVERING = RULES.slice(0, 2);

beforeAll(async () => {
  await loadShippedAttackAndModel();
  a = await newTenantKey("gap-triage");
  account = await seedAccount(a.key, COVERING);
});

interface Change {
  status: string;
  previousStatus: string;
  reason: string | null;
  expiresAt: string | null;
  changedBy: string;
  changedAt: string;
}

const put = (technique: string, body: unknown, key = a.key) =>
  api(`/api/v1/accounts/${account}/gaps/${technique}/status`, key, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function move(technique: string, body: Record<string, unknown>): Promise<Change> {
  const res = await put(technique, body);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Change>(res);
}

const gapRow = (technique: string) =>
  env.DB.prepare(
    `SELECT status, status_changed_by AS changedBy, status_reason AS reason, status_expires_at AS expiresAt, resolved_at AS resolvedAt
     FROM coverage_gaps WHERE account_id = ? AND technique_id = ?`,
  )
    .bind(account, technique)
    .first<{
      status: string;
      changedBy: string;
      reason: string | null;
      expiresAt: string | null;
      resolvedAt: string | null;
    }>();

const auditRows = (target: string) =>
  env.DB.prepare("SELECT key_prefix AS keyPrefix, action, outcome FROM audit_log WHERE target LIKE ? ORDER BY id")
    .bind(`%${target}%`)
    .all<{ keyPrefix: string | null; action: string; outcome: string }>()
    .then((r) => r.results);

const listed = async (status: string) =>
  (
    await json<{ items: { techniqueId: string; status: string; reason?: string; expiresAt?: string }[] }>(
      await api(`/api/v1/accounts/${account}/gaps?status=${status}&limit=100`, a.key),
    )
  ).items;

describe("gap status transitions", () => {
  it("walks open → acknowledged → accepted_risk → remediated → open, saying who, when and why", async () => {
    const t = "T1566.001";
    const ack = await move(t, { status: "acknowledged", reason: "phishing triage in Q3" });
    expect(ack).toMatchObject({ status: "acknowledged", previousStatus: "open", changedBy: displayPrefix(a.key) });
    expect((await listed("acknowledged")).find((g) => g.techniqueId === t)).toMatchObject({
      reason: "phishing triage in Q3",
    });

    const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const accepted = await move(t, { status: "accepted_risk", reason: "mail gateway blocks it", expiresAt: expiry });
    expect(accepted).toMatchObject({
      previousStatus: "acknowledged",
      reason: "mail gateway blocks it",
      expiresAt: expiry,
    });
    // Renewing an accepted risk (a new expiry) is allowed.
    expect(await move(t, { status: "accepted_risk", reason: "still blocked" })).toMatchObject({ expiresAt: null });

    const fixed = await move(t, { status: "remediated" });
    expect(fixed.previousStatus).toBe("accepted_risk");
    expect(await gapRow(t)).toMatchObject({ status: "remediated", reason: null, expiresAt: null });
    expect((await gapRow(t))?.resolvedAt).toBe(fixed.changedAt);

    expect(await move(t, { status: "open", reason: "rule was rolled back" })).toMatchObject({
      status: "open",
      previousStatus: "remediated",
    });
    expect(await gapRow(t)).toMatchObject({ status: "open", resolvedAt: null, changedBy: displayPrefix(a.key) });
    // Open goes straight to any other status; acknowledged and accepted_risk go back to open.
    expect((await move(t, { status: "remediated" })).previousStatus).toBe("open");
    await move(t, { status: "open" });
    await move(t, { status: "accepted_risk", reason: "r" });
    expect((await move(t, { status: "open" })).previousStatus).toBe("accepted_risk");
  });

  it("refuses an invalid move with a 409 naming the allowed ones, and bad input with a 400", async () => {
    const t = "T1566.002";
    await move(t, { status: "remediated" });
    const invalid = await put(t, { status: "acknowledged" });
    expect(invalid.status).toBe(409);
    expect((await json<ErrorBody>(invalid)).error.message).toMatch(/is remediated .*can become: open$/);
    await move(t, { status: "open" });
    const same = await put(t, { status: "open" });
    expect(same.status).toBe(409);
    expect((await json<ErrorBody>(same)).error.message).toMatch(/acknowledged, accepted_risk, remediated/);

    const noReason = await put(t, { status: "accepted_risk" });
    expect(noReason.status).toBe(400);
    expect((await json<ErrorBody>(noReason)).error.message).toMatch(/needs a reason/);
    expect((await put(t, { status: "acknowledged", expiresAt: "2999-01-01" })).status).toBe(400);
    expect((await put(t, { status: "accepted_risk", reason: "r", expiresAt: "2001-01-01" })).status).toBe(400);
    expect((await put(t, { status: "accepted_risk", reason: "r", expiresAt: "next week" })).status).toBe(400);
    expect((await put("T1059.001", { status: "acknowledged" })).status).toBe(404); // covered: no gap
    expect((await put("nonsense", { status: "acknowledged" })).status).toBe(400);
    expect((await gapRow(t))?.status).toBe("open");
    // Another tenant's key does not see the gap.
    expect((await put(t, { status: "acknowledged" }, (await newTenantKey("gap-intruder")).key)).status).toBe(404);
  });

  it("audits each change, refused ones included", async () => {
    const t = "T1003.001";
    await move(t, { status: "acknowledged" });
    expect((await put(t, { status: "acknowledged" })).status).toBe(409);
    expect(await auditRows(`/gaps/${t}/status`)).toEqual([
      {
        keyPrefix: displayPrefix(a.key),
        action: "PUT /api/v1/accounts/:accountId/gaps/:techniqueId/status",
        outcome: "success",
      },
      {
        keyPrefix: displayPrefix(a.key),
        action: "PUT /api/v1/accounts/:accountId/gaps/:techniqueId/status",
        outcome: "failure",
      },
    ]);
  });

  it("reopens an accepted risk once its expiry passed, by the cron, audited as the system", async () => {
    const soon = "T1486";
    const later = "T1110";
    const day = 86_400_000;
    await move(soon, {
      status: "accepted_risk",
      reason: "backups",
      expiresAt: new Date(Date.now() + day).toISOString(),
    });
    await move(later, {
      status: "accepted_risk",
      reason: "MFA",
      expiresAt: new Date(Date.now() + 10 * day).toISOString(),
    });
    await runScheduled(SWEEP_CRON); // now: nothing has expired
    expect((await gapRow(soon))?.status).toBe("accepted_risk");

    await runScheduled(SWEEP_CRON, Date.now() + 2 * day);
    expect(await gapRow(soon)).toMatchObject({ status: "open", changedBy: "system", expiresAt: null });
    expect((await gapRow(later))?.status).toBe("accepted_risk");
    expect(await auditRows(`${account}/${soon}`)).toEqual([
      { keyPrefix: "system", action: "cron:gap.reopen", outcome: "success" },
    ]);
    expect(await auditRows(`${account}/${later}`)).toEqual([]);
  });

  it("keeps a gap's status across recomputes; a gap that gets covered goes, and comes back open", async () => {
    const kept = "T1078";
    const covered = "T1021.001";
    await move(kept, { status: "accepted_risk", reason: "kept" });
    await move(covered, { status: "acknowledged" });
    const rdp = {
      path: "rdp.yml",
      content: sigma("55555555-5555-4555-8555-555555555555", "RDP", ["attack.t1021.001"]),
    };
    // Covering one technique recomputes the account: the other keeps its status and reason.
    expect((await importRules(a.key, account, [rdp])).status).toBe(200);
    expect(await gapRow(kept)).toMatchObject({ status: "accepted_risk", reason: "kept" });
    expect(await gapRow(covered)).toBeNull();
    expect((await put(covered, { status: "open" })).status).toBe(404);
    // The rule goes (a complete scan without it): the gap is back, open, with no trace of before.
    expect((await importRules(a.key, account, COVERING, { complete: true })).status).toBe(200);
    expect(await gapRow(covered)).toMatchObject({ status: "open", changedBy: null, reason: null });
    expect((await gapRow(kept))?.status).toBe("accepted_risk");
  });
});

describe("MCP", () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectMcp(a.key);
  });
  afterAll(async () => {
    await client.close();
  });

  it("set_gap_status changes a gap (audited), refuses an invalid move, and list_gaps filters by status", async () => {
    const t = "T1190";
    const ok = await callTool(client, "set_gap_status", {
      account_id: account,
      technique_id: t,
      status: "accepted_risk",
      reason: "WAF in front",
    });
    expect(ok.isError).toBeFalsy();
    expect(dataOf(ok)).toMatchObject({ status: "accepted_risk", previousStatus: "open" });
    const bad = await callTool(client, "set_gap_status", {
      account_id: account,
      technique_id: t,
      status: "acknowledged",
    });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/can become: open, accepted_risk, remediated/);
    expect(await auditRows(`${account}/${t}`)).toEqual([
      { keyPrefix: displayPrefix(a.key), action: "mcp:set_gap_status", outcome: "success" },
      { keyPrefix: displayPrefix(a.key), action: "mcp:set_gap_status", outcome: "failure" },
    ]);

    const gaps = async (args: Record<string, unknown>) =>
      (
        dataOf(await callTool(client, "list_gaps", { account_id: account, limit: 100, ...args })) as {
          items: { techniqueId: string; status: string }[];
        }
      ).items;
    const accepted = await gaps({ status: "accepted_risk" });
    expect(accepted.map((g) => g.techniqueId)).toContain(t);
    expect(new Set(accepted.map((g) => g.status))).toEqual(new Set(["accepted_risk"]));
    // The default shows open and acknowledged gaps only.
    const byDefault = await gaps({});
    expect(byDefault.length).toBe(100);
    expect(new Set(byDefault.map((g) => g.status))).toEqual(new Set(["open", "acknowledged"]));
  });
});
