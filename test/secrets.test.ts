import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config";
import { createDb } from "../src/db/client";
import { webhookSecrets } from "../src/db/schema";
import { keyringOf, openSecret, sealedWith, sealSecret, SecretUnreadable } from "../src/secrets/secret-box";
import { api, newTenantKey, signedHeaders } from "./helpers";

const key = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));

describe("secret box", () => {
  it("seals with the first key, opens with any listed key, and says when a value is stale", async () => {
    const old = await keyringOf({ SECRET_KEYS: `a:${key(1)}` });
    const sealedOld = await sealSecret(old, "whsec_x", "ctx");
    expect(sealedWith(sealedOld)).toBe("a");
    const rotated = await keyringOf({ SECRET_KEYS: `b:${key(2)}, a:${key(1)}` });
    expect(await openSecret(rotated, sealedOld, "ctx")).toEqual({ plaintext: "whsec_x", stale: true });
    const sealedNew = await sealSecret(rotated, "whsec_x", "ctx");
    expect(sealedWith(sealedNew)).toBe("b");
    expect(await openSecret(rotated, sealedNew, "ctx")).toEqual({ plaintext: "whsec_x", stale: false });
    // Random IVs: the same secret never seals to the same value twice.
    expect(await sealSecret(rotated, "whsec_x", "ctx")).not.toBe(sealedNew);
  });

  it("does not open in another context, with a dropped key, or once tampered with", async () => {
    const ring = await keyringOf({ SECRET_KEYS: `a:${key(1)}` });
    const sealed = await sealSecret(ring, "s3cret", "webhook_secrets:tenant-a");
    await expect(openSecret(ring, sealed, "webhook_secrets:tenant-b")).rejects.toThrow(SecretUnreadable);
    const other = await keyringOf({ SECRET_KEYS: `c:${key(3)}` });
    await expect(openSecret(other, sealed, "webhook_secrets:tenant-a")).rejects.toThrow(/key 'a'/);
    const flipped = sealed.slice(0, -2) + (sealed.endsWith("AA") ? "AB" : "AA");
    await expect(openSecret(ring, flipped, "webhook_secrets:tenant-a")).rejects.toThrow(SecretUnreadable);
    await expect(openSecret(ring, "s3cret", "webhook_secrets:tenant-a")).rejects.toThrow(/not a sealed value/);
  });

  it.each([
    ["unset", undefined, /is not set/],
    ["without an id", key(1), /no valid key id/],
    ["a short key", `a:${btoa("short")}`, /5 bytes, not 32/],
    ["not base64", "a:!!!", /not base64/],
    ["a key id twice", `a:${key(1)},a:${key(2)}`, /twice/],
  ])("refuses SECRET_KEYS %s as a configuration error", async (_name, value, message) => {
    const refused = keyringOf({ SECRET_KEYS: value });
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(message);
  });
});

describe("webhook secrets at rest", () => {
  it("a secret sealed with a key being rotated out still verifies, and is re-sealed with the current key", async () => {
    const t = await newTenantKey("sealed-rotation", "admin");
    const db = createDb(env.DB);
    const secret = `whsec_${key(7)}`;
    // Sealed earlier with test1, the key vitest.config lists second (still opens, no longer seals).
    const old = await keyringOf({ SECRET_KEYS: `test1:${key(1)}` });
    const sealed = await sealSecret(old, secret, `webhook_secrets:${t.tenantId}`);
    await db.insert(webhookSecrets).values({ tenantId: t.tenantId, secret: sealed });
    const body = JSON.stringify({ text: "The actor ran PowerShell." });
    const res = await api(`/api/v1/webhooks/documents/${t.tenantId}`, undefined, {
      method: "POST",
      headers: signedHeaders(secret, body),
      body,
    });
    expect(res.status).toBe(202);
    const row = await db.select().from(webhookSecrets).where(eq(webhookSecrets.tenantId, t.tenantId)).get();
    expect(row && sealedWith(row.secret)).toBe("test2");
  });

  it("a secret no listed key opens refuses deliveries as an invalid signature, not a 500", async () => {
    const t = await newTenantKey("sealed-lost", "admin");
    const gone = await keyringOf({ SECRET_KEYS: `gone:${key(9)}` });
    const secret = `whsec_${key(8)}`;
    const sealed = await sealSecret(gone, secret, `webhook_secrets:${t.tenantId}`);
    await createDb(env.DB).insert(webhookSecrets).values({ tenantId: t.tenantId, secret: sealed });
    const res = await api(`/api/v1/webhooks/documents/${t.tenantId}`, undefined, {
      method: "POST",
      headers: signedHeaders(secret, "{}"),
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_signature" } });
  });
});
