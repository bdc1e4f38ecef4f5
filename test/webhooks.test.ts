import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { webhookSecrets, workflows } from "../src/db/schema";
import { signWebhook, verifyWebhook } from "../src/webhooks/standard-webhooks";
import { api, json, newTenantKey, signedHeaders, type ErrorBody } from "./helpers";

// No ATT&CK or model is loaded here: a started workflow would fail at extract, and that is not what
// these tests look at. They check what the webhook accepts, refuses and starts. Deliveries are
// signed with `standardwebhooks`, the specification's reference library, never with our own code.

interface Accepted {
  workflowId: string;
  status: string;
  duplicate: boolean;
}

const pathOf = (tenantId: string) => `/api/v1/webhooks/documents/${tenantId}`;
const REPORT = JSON.stringify({
  text: "The actor sent spearphishing attachments and ran PowerShell.",
  title: "webhook report",
});

const now = () => Math.floor(Date.now() / 1000);

/** The reference library's `v1,<base64>` signature. */
const referenceSignature = (secret: string, id: string, timestamp: number, body: string) =>
  new Webhook(secret).sign(id, new Date(timestamp * 1000), body);

interface Delivery {
  tenantId: string;
  secret: string;
  deliveryId?: string;
  body?: string;
  timestamp?: number;
  /** Headers to leave out or replace, by name. */
  headers?: Record<string, string | null>;
  path?: string;
}

async function deliver(d: Delivery): Promise<Response> {
  const body = d.body ?? REPORT;
  const timestamp = d.timestamp ?? now();
  const id = d.deliveryId ?? `msg_${crypto.randomUUID()}`;
  const headers: Record<string, string | null> = {
    "content-type": "application/json",
    ...signedHeaders(d.secret, body, id, new Date(timestamp * 1000)),
    ...d.headers,
  };
  const sent = Object.entries(headers).filter((e): e is [string, string] => e[1] !== null);
  return api(d.path ?? pathOf(d.tenantId), undefined, { method: "POST", headers: sent, body });
}

interface SecretInfo {
  secret: string;
  endpoint: string;
  createdAt: string;
}

/** A tenant with an admin key and a webhook secret created through the API. */
async function webhookTenant(name: string) {
  const t = await newTenantKey(name, "admin");
  const res = await api("/api/v1/webhooks/secret", t.key, { method: "POST" });
  expect(res.status).toBe(201);
  const info = await json<SecretInfo>(res);
  return { ...t, secret: info.secret, endpoint: info.endpoint };
}

async function workflowRows(tenantId: string) {
  return createDb(env.DB).select().from(workflows).where(eq(workflows.tenantId, tenantId));
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect((await json<ErrorBody>(res)).error.code).toBe(code);
}

describe("webhook secret administration", () => {
  it("needs a bearer key of a tenant admin", async () => {
    for (const method of ["POST", "DELETE"]) {
      await expectError(await api("/api/v1/webhooks/secret", undefined, { method }), 401, "unauthorized");
    }
    const member = await newTenantKey("wh-member");
    await expectError(await api("/api/v1/webhooks/secret", member.key, { method: "POST" }), 403, "forbidden");
  });

  it("answers a Standard Webhooks secret and the tenant's endpoint, enough to configure a sender", async () => {
    const t = await webhookTenant("wh-admin");
    expect(t.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Uint8Array.from(atob(t.secret.slice(6)), (c) => c.charCodeAt(0))).toHaveLength(32);
    expect(t.endpoint).toBe(`http://ttpscope.test${pathOf(t.tenantId)}`);
    // Nothing but that response: a sender posting to the endpoint with the secret is accepted.
    expect((await deliver({ ...t, path: new URL(t.endpoint).pathname })).status).toBe(202);
  });

  it("deleting the secret refuses deliveries", async () => {
    const t = await webhookTenant("wh-delete");
    expect((await api("/api/v1/webhooks/secret", t.key, { method: "DELETE" })).status).toBe(204);
    await expectError(await api("/api/v1/webhooks/secret", t.key, { method: "DELETE" }), 404, "not_found");
    await expectError(await deliver(t), 401, "invalid_signature");
  });

  it("stores the secret sealed, never in clear", async () => {
    const t = await webhookTenant("wh-sealed");
    const row = await createDb(env.DB)
      .select()
      .from(webhookSecrets)
      .where(eq(webhookSecrets.tenantId, t.tenantId))
      .get();
    expect(row?.secret).toMatch(/^v1\.test2\./);
    expect(row?.secret).not.toContain(t.secret.slice(6, 20));
  });

  it("documents both routes in the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(
      await api("/openapi.json"),
    );
    expect(doc.paths["/api/v1/webhooks/secret"]).toHaveProperty("post");
    expect(doc.paths["/api/v1/webhooks/documents/{tenantId}"]?.post?.security).toEqual([]);
  });
});

describe("Standard Webhooks interoperability", () => {
  it("what our module signs, the reference library verifies, and the other way round", async () => {
    const secret = "whsec_" + btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const body = new TextEncoder().encode(REPORT);
    const headers = await signWebhook(secret, { id: "msg_1", timestamp: now(), body });
    expect(new Webhook(secret).verify(REPORT, { ...headers })).toEqual(JSON.parse(REPORT));
    const theirs = referenceSignature(secret, "msg_2", now(), REPORT);
    const fromThem = { "webhook-id": "msg_2", "webhook-timestamp": String(now()), "webhook-signature": theirs };
    await expect(verifyWebhook(secret, fromThem, body)).resolves.toBeUndefined();
    await expect(verifyWebhook(secret, { ...fromThem, "webhook-id": "msg_3" }, body)).rejects.toThrow(
      /no v1 signature/,
    );
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
    const good = referenceSignature(t.secret, "msg_x", now(), REPORT);
    const flipped = good.replace(/.(?==?$)/, (ch) => (ch === "A" ? "B" : "A"));
    await expectError(
      await deliver({ ...t, deliveryId: "msg_x", headers: { "webhook-signature": flipped } }),
      401,
      "invalid_signature",
    );
    // Signed correctly, but with another tenant's secret; or posted to another tenant's endpoint.
    await expectError(await deliver({ ...t, secret: other.secret }), 401, "invalid_signature");
    await expectError(await deliver({ ...other, secret: t.secret }), 401, "invalid_signature");
    // A body changed after signing.
    const ts = now();
    const res = await api(pathOf(t.tenantId), undefined, {
      method: "POST",
      headers: {
        "webhook-id": "msg_t",
        "webhook-timestamp": String(ts),
        "webhook-signature": referenceSignature(t.secret, "msg_t", ts, REPORT),
      },
      body: REPORT.replace("PowerShell", "cmd.exe"),
    });
    await expectError(res, 401, "invalid_signature");
    expect(await workflowRows(t.tenantId)).toEqual([]);
  });

  it("refuse a captured delivery replayed with a new webhook-id: the id is signed", async () => {
    const t = await webhookTenant("wh-replay");
    const ts = now();
    const signature = referenceSignature(t.secret, "msg_original", ts, REPORT);
    const send = (id: string) =>
      api(pathOf(t.tenantId), undefined, {
        method: "POST",
        headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature },
        body: REPORT,
      });
    expect((await send("msg_original")).status).toBe(202);
    for (const id of ["msg_replay1", "msg_replay2"]) await expectError(await send(id), 401, "invalid_signature");
    expect((await send("msg_original")).status).toBe(200); // the same id: the original workflow, nothing new
    expect(await workflowRows(t.tenantId)).toHaveLength(1);
  });

  it("accept any one of several signatures, as while the sender rotates secrets", async () => {
    const t = await webhookTenant("wh-multisig");
    const ts = now();
    const old = referenceSignature(`whsec_${btoa("x".repeat(32))}`, "msg_m", ts, REPORT);
    const current = referenceSignature(t.secret, "msg_m", ts, REPORT);
    const res = await deliver({
      ...t,
      deliveryId: "msg_m",
      timestamp: ts,
      headers: { "webhook-signature": `v1a,ignored ${old} ${current}` },
    });
    expect(res.status).toBe(202);
    await expectError(
      await deliver({ ...t, timestamp: ts, headers: { "webhook-signature": `${old} v2,${current.slice(3)}` } }),
      401,
      "invalid_signature",
    );
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
    ["webhook-id", null],
    ["webhook-timestamp", null],
    ["webhook-signature", null],
    ["webhook-id", "x".repeat(201)],
    ["webhook-timestamp", "yesterday"],
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
    const guess = `whsec_${btoa("g".repeat(32))}`;
    await expectError(await deliver({ ...plain, secret: guess }), 401, "invalid_signature");
    await expectError(await deliver({ tenantId: crypto.randomUUID(), secret: guess }), 401, "invalid_signature");
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
    await expectError(await deliver({ ...t, deliveryId: "msg_bad", body: '{"text": ' }), 400, "bad_request");
    const twoSources = await deliver({
      ...t,
      deliveryId: "msg_bad",
      body: JSON.stringify({ text: "a", url: "https://intel.example.com/" }),
    });
    expect(twoSources.status).toBe(400);
    expect((await json<ErrorBody>(twoSources)).error.message).toMatch(/exactly one of url, text or content/);
    expect(await workflowRows(t.tenantId)).toEqual([]);
    expect((await deliver({ ...t, deliveryId: "msg_bad" })).status).toBe(202);
  });

  it("release the delivery id when the analysis cannot start, so a retry can succeed", async () => {
    const t = await webhookTenant("wh-release");
    await expectError(
      await deliver({ ...t, deliveryId: "msg_retry", body: JSON.stringify({ text: "   " }) }),
      422,
      "empty_document",
    );
    expect((await deliver({ ...t, deliveryId: "msg_retry" })).status).toBe(202);
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
    const path = pathOf(t.tenantId);
    const delivery = { action: "POST /api/v1/webhooks/documents/:tenantId", keyPrefix: "webhook", target: path };
    expect(log.items).toEqual([
      expect.objectContaining({ ...delivery, outcome: "failure", status: 400 }),
      expect.objectContaining({ ...delivery, outcome: "success", status: 202 }),
      expect.objectContaining({ action: "POST /api/v1/webhooks/secret", outcome: "success", status: 201 }),
    ]);
  });
});
