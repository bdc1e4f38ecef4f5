/**
 * @module Webhook signatures: secrets and HMAC-SHA256 over `<timestamp>.<raw body>`, checked in
 * constant time (crypto.subtle.verify). Pure WebCrypto, for inbound deliveries and, later,
 * outbound notifications.
 */
import { toBase64Url } from "../lib/bytes";

/** A signed request is accepted this many seconds either side of the server's clock. */
export const SIGNATURE_TOLERANCE_S = 300;

/** `whsec_` and 32 random bytes (base64url); the HMAC key is this whole string. */
export function newSecret(): string {
  return "whsec_" + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** HMAC-SHA256 over `<timestamp>.<body>`; subtle.verify compares in constant time. */
export async function verifySignature(
  secret: string,
  timestamp: string,
  body: Uint8Array,
  hex: string,
): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  return crypto.subtle.verify("HMAC", key, hexToBytes(hex), signed);
}
