import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { workflows } from "../src/db/schema";
import { api, json, newTenantKey, type ErrorBody } from "./helpers";

// No ATT&CK or model is loaded here: a started workflow would fail at extract, and that is not what
// these tests look at. They check what the webhook accepts, refuses and starts.

interface Accepted {
  workflowId: string;
  status: string;
  duplicate: boolean;
}

const DELIVERY_PATH = "/api/v1/webhooks/documents";
const enc = new TextEncoder();
const REPORT = JSON.stringify({
  text: "The actor sent spearphishing attachments and ran PowerShell.",
  title: "webhook report",
});

async function signature(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${body}`)));
  return "sha256=" + [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const now = () => Math.floor(Date.now() / 1000);

interface Delivery {
  tenantId: string;
  secret: string;
  deliveryId?: string;
  body?: string;
  timestamp?: number;
  /** Headers to leave out or replace, by name. */
  headers?: Record<string, string | null>;
}

async function deliver(d: Delivery): Promise<Response> {
  const body = d.body ?? REPORT;
  const timestamp = String(d.timestamp ?? now());
  const headers: Record<string, string | null> = {
    "content-type": "application/json",
    "X-TTPscope-Tenant": d.tenantId,
    "X-TTPscope-Delivery": d.deliveryId ?? crypto.randomUUID(),
    "X-TTPscope-Timestamp": timestamp,
    "X-TTPscope-Signature": await signature(d.secret, timestamp, body),
    ...d.headers,
  };
  const sent = Object.entries(headers).filter((e): e is [string, string] => e[1] !== null);
  return api(DELIVERY_PATH, undefined, { method: "POST", headers: sent, body });
}

/** A tenant with a bearer key and a webhook secret created through the API. */
async function webhookTenant(name: string) {
  const t = await newTenantKey(name);
  const res = await api("/api/v1/webhooks/secret", t.key, { method: "POST" });
  expect(res.status).toBe(201);
  const { secret } = await json<{ secret: string; createdAt: string }>(res);
  return { ...t, secret };
}

async function workflowRows(tenantId: string) {
  return createDb(env.DB).select().from(workflows).where(eq(workflows.tenantId, tenantId));
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect((await json<ErrorBody>(res)).error.code).toBe(code);
}

describe("webhook secret administration", () => {
  it("needs a bearer key", async () => {
    for (const method of ["POST", "DELETE"]) {
      await expectError(await api("/api/v1/webhooks/secret", undefined, { method }), 401, "unauthorized");
    }
  });

  it("returns a whsec_ secret once, and deleting it refuses deliveries", async () => {
    const t = await webhookTenant("wh-admin");
    expect(t.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect((await api("/api/v1/webhooks/secret", t.key, { method: "DELETE" })).status).toBe(204);
    await expectError(await api("/api/v1/webhooks/secret", t.key, { method: "DELETE" }), 404, "not_found");
    await expectError(await deliver(t), 401, "invalid_signature");
  });

  it("documents both routes in the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(
      await api("/openapi.json"),
    );
    expect(doc.paths["/api/v1/webhooks/secret"]).toHaveProperty("post");
    expect(doc.paths["/api/v1/webhooks/documents"]?.post?.security).toEqual([]);
  });
});

describe("signed document deliveries", () => {
  it("start an analysis for the tenant that signed them", async () => {
    const t = await webhookTenant("wh-good");
    const res = await deliver(t);
    expect(res.status).toBe(202);
    const body = await json<Accepted>(res);
    expect(body).toMatchObject({ duplicate: false, status: "pending" });
    expect(res.headers.get("location")).toBe(`/api/v1/analyses/${body.workflowId}`);
    const rows = await workflowRows(t.tenantId);
    expect(rows.map((r) => r.id)).toEqual([body.workflowId]);
    expect(rows[0]?.input).toMatchObject({ via: "webhook", source: "text", title: "webhook report" });
  });

  it("refuse a bad signature and start nothing", async () => {
    const t = await webhookTenant("wh-badsig");
    const other = await webhookTenant("wh-badsig-other");
    const flipped = (await signature(t.secret, String(now()), REPORT)).replace(/.$/, (ch) => (ch === "0" ? "1" : "0"));
    await expectError(await deliver({ ...t, headers: { "X-TTPscope-Signature": flipped } }), 401, "invalid_signature");
    // Signed correctly, but with another tenant's secret.
    await expectError(await deliver({ ...t, secret: other.secret }), 401, "invalid_signature");
    // A body changed after signing.
    const ts = String(now());
    const signed = await signature(t.secret, ts, REPORT);
    const tampered = REPORT.replace("PowerShell", "cmd.exe");
    const res = await api(DELIVERY_PATH, undefined, {
      method: "POST",
      headers: {
        "X-TTPscope-Tenant": t.tenantId,
        "X-TTPscope-Delivery": "d-1",
        "X-TTPscope-Timestamp": ts,
        "X-TTPscope-Signature": signed,
      },
      body: tampered,
    });
    await expectError(res, 401, "invalid_signature");
    expect(await workflowRows(t.tenantId)).toEqual([]);
  });

  it.each([
    ["301 s old", -301],
    ["301 s ahead", 301],
  ])("refuse a timestamp %s", async (_name, offset) => {
    const t = await webhookTenant(`wh-stale${offset}`);
    await expectError(await deliver({ ...t, timestamp: now() + offset }), 401, "stale_timestamp");
    expect(await workflowRows(t.tenantId)).toEqual([]);
  });

  it("accept a timestamp just inside the window", async () => {
    const t = await webhookTenant("wh-window");
    expect((await deliver({ ...t, timestamp: now() - 290 })).status).toBe(202);
  });

  it.each([
    ["X-TTPscope-Tenant", null],
    ["X-TTPscope-Delivery", null],
    ["X-TTPscope-Timestamp", null],
    ["X-TTPscope-Signature", null],
    ["X-TTPscope-Delivery", "x".repeat(201)],
    ["X-TTPscope-Timestamp", "yesterday"],
    ["X-TTPscope-Signature", "deadbeef"],
  ])("answer 400 to %s missing or malformed (%s)", async (header, value) => {
    const t = await webhookTenant(`wh-headers-${header}-${value?.length ?? 0}`);
    const res = await deliver({ ...t, headers: { [header]: value } });
    expect(res.status).toBe(400);
    const body = await json<ErrorBody>(res);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message.toLowerCase()).toContain(header.toLowerCase());
  });

  it("refuse unknown tenants and tenants without a secret alike", async () => {
    const plain = await newTenantKey("wh-nosecret");
    await expectError(await deliver({ ...plain, secret: "whsec_guess" }), 401, "invalid_signature");
    await expectError(
      await deliver({ tenantId: crypto.randomUUID(), secret: "whsec_guess" }),
      401,
      "invalid_signature",
    );
  });

  it("stop accepting the old secret once it is rotated", async () => {
    const t = await webhookTenant("wh-rotate");
    expect((await deliver(t)).status).toBe(202);
    const rotated = await json<{ secret: string }>(await api("/api/v1/webhooks/secret", t.key, { method: "POST" }));
    expect(rotated.secret).not.toBe(t.secret);
    await expectError(await deliver(t), 401, "invalid_signature");
    expect((await deliver({ ...t, secret: rotated.secret })).status).toBe(202);
  });

  it("answer 400 to a signed body that is not a valid submission, and keep the delivery id free", async () => {
    const t = await webhookTenant("wh-invalid");
    await expectError(await deliver({ ...t, deliveryId: "d-bad", body: '{"text": ' }), 400, "bad_request");
    const twoSources = await deliver({
      ...t,
      deliveryId: "d-bad",
      body: JSON.stringify({ text: "a", url: "https://intel.example.com/" }),
    });
    expect(twoSources.status).toBe(400);
    expect((await json<ErrorBody>(twoSources)).error.message).toMatch(/exactly one of url, text or content/);
    expect(await workflowRows(t.tenantId)).toEqual([]);
    expect((await deliver({ ...t, deliveryId: "d-bad" })).status).toBe(202);
  });

  it("release the delivery id when the analysis cannot start, so a retry can succeed", async () => {
    const t = await webhookTenant("wh-release");
    await expectError(
      await deliver({ ...t, deliveryId: "d-retry", body: JSON.stringify({ text: "   " }) }),
      422,
      "empty_document",
    );
    expect((await deliver({ ...t, deliveryId: "d-retry" })).status).toBe(202);
  });
});

describe("delivery ids", () => {
  it("start no second workflow for a redelivery", async () => {
    const t = await webhookTenant("wh-dup");
    const first = await json<Accepted>(await deliver({ ...t, deliveryId: "evt-42" }));
    // A redelivery is signed anew, with a later timestamp.
    const again = await deliver({ ...t, deliveryId: "evt-42", timestamp: now() + 1 });
    expect(again.status).toBe(200);
    expect(await json<Accepted>(again)).toEqual({ workflowId: first.workflowId, status: "duplicate", duplicate: true });
    expect((await workflowRows(t.tenantId)).map((r) => r.id)).toEqual([first.workflowId]);
  });

  it("start one workflow for concurrent redeliveries", async () => {
    const t = await webhookTenant("wh-race");
    const answers = await Promise.all([1, 2, 3].map(() => deliver({ ...t, deliveryId: "evt-race" })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    // The others saw the claim: as a duplicate once the workflow was attached, or in progress before.
    expect(statuses.every((s) => s === 202 || s === 200 || s === 409)).toBe(true);
    expect(await workflowRows(t.tenantId)).toHaveLength(1);
  });

  it("are per tenant: the same id from two tenants starts two workflows", async () => {
    const a = await webhookTenant("wh-ids-a");
    const b = await webhookTenant("wh-ids-b");
    const fromA = await deliver({ ...a, deliveryId: "shared-id" });
    const fromB = await deliver({ ...b, deliveryId: "shared-id" });
    expect([fromA.status, fromB.status]).toEqual([202, 202]);
    const [wa, wb] = [await json<Accepted>(fromA), await json<Accepted>(fromB)];
    expect(wa.workflowId).not.toBe(wb.workflowId);
    expect((await workflowRows(a.tenantId)).map((r) => r.id)).toEqual([wa.workflowId]);
    expect((await workflowRows(b.tenantId)).map((r) => r.id)).toEqual([wb.workflowId]);
  });
});

describe("audit", () => {
  it("records deliveries in the tenant's audit log", async () => {
    const t = await webhookTenant("wh-audit");
    expect((await deliver(t)).status).toBe(202);
    await deliver({ ...t, body: "not json" });
    type Audit = { items: { action: string; outcome: string; status: number; keyPrefix: string; target: string }[] };
    const log = await json<Audit>(await api("/api/v1/audit", t.key));
    const delivery = { action: `POST ${DELIVERY_PATH}`, keyPrefix: "webhook", target: DELIVERY_PATH };
    expect(log.items).toEqual([
      expect.objectContaining({ ...delivery, outcome: "failure", status: 400 }),
      expect.objectContaining({ ...delivery, outcome: "success", status: 202 }),
      expect.objectContaining({ action: "POST /api/v1/webhooks/secret", outcome: "success", status: 201 }),
    ]);
  });
});
