/**
 * @module API key material: generation, hashing and the display prefix. Only the SHA-256 of a key
 * is stored, so a leaked database does not leak working keys.
 */
import { sha256Hex } from "../lib/bytes";

const KEY_PREFIX = "ttp_";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** 40 base62 characters: about 238 bits of randomness. */
const KEY_CHARS = 40;
/** Characters kept for display: "ttp_" and 8 more. */
export const DISPLAY_PREFIX_LENGTH = 12;

export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function generateApiKey(): string {
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  while (out.length < KEY_CHARS) {
    for (const b of crypto.getRandomValues(new Uint8Array(64))) {
      if (b < 248 && out.length < KEY_CHARS) out.push(ALPHABET[b % 62] as string);
    }
  }
  return KEY_PREFIX + out.join("");
}

export function looksLikeApiKey(value: string): boolean {
  return (
    value.startsWith(KEY_PREFIX) && value.length === KEY_PREFIX.length + KEY_CHARS && /^[A-Za-z0-9_]+$/.test(value)
  );
}

export const hashApiKey = (key: string): Promise<string> => sha256Hex(key);

export const displayPrefix = (key: string) => key.slice(0, DISPLAY_PREFIX_LENGTH);
