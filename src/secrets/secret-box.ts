/**
 * @module Secrets the server must read back (a tenant's webhook signing secret today, tenant
 * settings later), sealed at rest with AES-256-GCM through WebCrypto.
 *
 * Keys come from the Worker secret `SECRET_KEYS`: `id:base64key[,id:base64key…]`, each key 32
 * random bytes. The first key seals; every listed key opens. To rotate, put a new key first and keep
 * the old one until nothing sealed with it is left (`sealedWith` tells, `openSecret` answers
 * `stale: true` so a caller can re-seal what it reads).
 *
 * A sealed value is `v1.<key id>.<iv>.<ciphertext and tag>` (base64url), bound to a context (the
 * GCM additional data, e.g. the table and the tenant): a value copied into another row does not open.
 */
import { ConfigError } from "../config";
import { fromBase64Url, toBase64, toBase64Url } from "../lib/bytes";

/** The Worker secret holding the keys. */
export const SECRET_KEYS_VARIABLE = "SECRET_KEYS";

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const VERSION = "v1";
const IV_BYTES = 12;

export interface Keyring {
  /** The key that seals. */
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

/** A sealed value that does not open: unknown key id, another context, or tampered with. */
export class SecretUnreadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretUnreadable";
  }
}

const enc = new TextEncoder();
const cache = new Map<string, Promise<Keyring>>();

function keyringProblem(message: string): ConfigError {
  return new ConfigError([`${SECRET_KEYS_VARIABLE} ${message} (expected id:base64key[,id:base64key…], 32-byte keys)`]);
}

function parseEntries(value: string): [string, Uint8Array][] {
  const entries = value
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length === 0) throw keyringProblem("is not set");
  const seen = new Set<string>();
  return entries.map((entry, i) => {
    const colon = entry.indexOf(":");
    const id = colon < 0 ? "" : entry.slice(0, colon);
    if (!KEY_ID.test(id)) throw keyringProblem(`entry ${i + 1} has no valid key id`);
    if (seen.has(id)) throw keyringProblem(`names key '${id}' twice`);
    seen.add(id);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(entry.slice(colon + 1)); // reads standard base64 too
    } catch {
      throw keyringProblem(`key '${id}' is not base64`);
    }
    if (bytes.length !== 32) throw keyringProblem(`key '${id}' is ${bytes.length} bytes, not 32`);
    return [id, bytes];
  });
}

async function importKeyring(value: string): Promise<Keyring> {
  const entries = parseEntries(value);
  const keys = new Map<string, CryptoKey>();
  for (const [id, bytes] of entries) {
    keys.set(id, await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  return { currentId: entries[0]?.[0] ?? "", keys };
}

/** The keyring of `SECRET_KEYS`, imported once per value (per isolate). Throws ConfigError when unusable. */
export function keyringOf(env: { SECRET_KEYS?: string | undefined }): Promise<Keyring> {
  const value = env.SECRET_KEYS ?? "";
  let ring = cache.get(value);
  if (!ring) {
    ring = importKeyring(value);
    cache.set(value, ring);
    ring.catch(() => cache.delete(value)); // a bad value is reported again on the next use
  }
  return ring;
}

/** Seals `plaintext` with the current key, bound to `context`. */
export async function sealSecret(ring: Keyring, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = ring.keys.get(ring.currentId);
  if (!key) throw new SecretUnreadable(`the current key '${ring.currentId}' is missing`);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(context) },
    key,
    enc.encode(plaintext),
  );
  return [VERSION, ring.currentId, toBase64Url(iv), toBase64Url(new Uint8Array(sealed))].join(".");
}

/** The id of the key a value was sealed with, or null when it is not a sealed value. */
export function sealedWith(sealed: string): string | null {
  const [version, keyId, ...rest] = sealed.split(".");
  return version === VERSION && keyId !== undefined && KEY_ID.test(keyId) && rest.length === 2 ? keyId : null;
}

/** Opens a sealed value; `stale` when it was sealed with a key other than the current one. */
export async function openSecret(
  ring: Keyring,
  sealed: string,
  context: string,
): Promise<{ plaintext: string; stale: boolean }> {
  const keyId = sealedWith(sealed);
  if (!keyId) throw new SecretUnreadable("not a sealed value");
  const key = ring.keys.get(keyId);
  if (!key) throw new SecretUnreadable(`sealed with key '${keyId}', which ${SECRET_KEYS_VARIABLE} does not hold`);
  const [, , iv = "", data = ""] = sealed.split(".");
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: enc.encode(context) },
      key,
      fromBase64Url(data),
    );
    return { plaintext: new TextDecoder().decode(plain), stale: keyId !== ring.currentId };
  } catch {
    throw new SecretUnreadable(`does not open with key '${keyId}' in this context (tampered with, or another row's)`);
  }
}

/** A fresh `SECRET_KEYS` value with one key (for `npm start`'s .dev.vars and deployments). */
export function newKeyringValue(id = `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`): string {
  return `${id}:${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}
