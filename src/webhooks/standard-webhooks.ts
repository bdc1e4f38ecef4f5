/**
 * @module Standard Webhooks (standardwebhooks.com) signing and verification, pure WebCrypto: inbound
 * document deliveries verify with it, outbound notifications will sign with it.
 *
 * A message carries `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`: one or
 * more space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (several while a
 * secret rotates). The secret is `whsec_` + standard base64 of the key bytes; the HMAC key is those
 * decoded bytes, so any Standard Webhooks library (Svix's, the reference `standardwebhooks`) signs
 * and verifies the same way.
 */
import { concatBytes, fromBase64, toBase64 } from "../lib/bytes";

/** A message is accepted this many seconds either side of the receiver's clock. */
export const SIGNATURE_TOLERANCE_S = 300;

const PREFIX = "whsec_";
/** Signatures beyond this many in one header are not looked at (each costs an HMAC). */
const MAX_SIGNATURES = 10;

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export type VerifyFailure = "stale_timestamp" | "invalid_signature";

export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: VerifyFailure,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** `whsec_` + standard base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The HMAC key of a secret: its base64 decoded (the `whsec_` prefix is optional, as in the spec's libraries). */
export function webhookKeyBytes(secret: string): Uint8Array {
  return fromBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
}

function importKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", webhookKeyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

const signedContent = (id: string, timestamp: string, body: Uint8Array) =>
  concatBytes([new TextEncoder().encode(`${id}.${timestamp}.`), body]);

/** The three headers of a message signed with `secret` (for outbound notifications, and tests). */
export async function signWebhook(
  secret: string,
  message: { id: string; timestamp: number; body: Uint8Array },
): Promise<WebhookHeaders> {
  const timestamp = String(Math.floor(message.timestamp));
  const mac = await crypto.subtle.sign(
    "HMAC",
    await importKey(secret, "sign"),
    signedContent(message.id, timestamp, message.body),
  );
  return {
    "webhook-id": message.id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${toBase64(new Uint8Array(mac))}`,
  };
}

/** The `v1` signatures of a `webhook-signature` header; other versions and malformed entries are skipped. */
function v1Signatures(header: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const entry of header.split(" ").slice(0, MAX_SIGNATURES)) {
    const [version, b64, ...rest] = entry.split(",");
    if (version !== "v1" || b64 === undefined || rest.length > 0) continue;
    try {
      const bytes = fromBase64(b64);
      if (bytes.length === 32) out.push(bytes);
    } catch {
      // not base64: cannot match
    }
  }
  return out;
}

/** Throws `stale_timestamp` unless `timestamp` is unix seconds within the tolerance of `nowMs`. */
export function assertFreshTimestamp(timestamp: string, nowMs = Date.now()): void {
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const skew = Math.abs(nowMs / 1000 - seconds);
  if (skew <= SIGNATURE_TOLERANCE_S) return;
  throw new WebhookVerificationError(
    "stale_timestamp",
    Number.isNaN(skew)
      ? "webhook-timestamp is not unix seconds"
      : `webhook-timestamp is ${Math.round(skew)} s from the server's clock; the limit is ${SIGNATURE_TOLERANCE_S} s`,
  );
}

/**
 * Verifies a message against `secret`: the timestamp within the tolerance, then any `v1` signature
 * matching (compared in constant time by `crypto.subtle.verify`). Throws WebhookVerificationError.
 */
export async function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  body: Uint8Array,
  nowMs = Date.now(),
): Promise<void> {
  const timestamp = headers["webhook-timestamp"];
  assertFreshTimestamp(timestamp, nowMs);
  const key = await importKey(secret, "verify");
  const content = signedContent(headers["webhook-id"], timestamp, body);
  for (const signature of v1Signatures(headers["webhook-signature"])) {
    if (await crypto.subtle.verify("HMAC", key, signature, content)) return;
  }
  throw new WebhookVerificationError("invalid_signature", "no v1 signature in webhook-signature verifies");
}
