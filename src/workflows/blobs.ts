/**
 * @module Large intermediate values (the downloaded document, its text, the analysis) in a
 * Durable Object's storage, split in chunks under the per-value size limit.
 */
import { concatBytes } from "../lib/bytes";

const CHUNK = 512 * 1024;

export class BlobStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  async put(name: string, bytes: Uint8Array): Promise<void> {
    await this.delete(name);
    const entries: Record<string, Uint8Array | number> = { [`blob:${name}:n`]: Math.ceil(bytes.length / CHUNK) };
    for (let i = 0, k = 0; i < bytes.length; i += CHUNK, k++) entries[`blob:${name}:${k}`] = bytes.slice(i, i + CHUNK);
    // put() of many keys at once is atomic, and at most 128 keys per call.
    const keys = Object.keys(entries);
    for (let i = 0; i < keys.length; i += 128) {
      await this.storage.put(Object.fromEntries(keys.slice(i, i + 128).map((k) => [k, entries[k]])));
    }
  }

  async get(name: string): Promise<Uint8Array | null> {
    const n = await this.storage.get<number>(`blob:${name}:n`);
    if (n === undefined) return null;
    const parts: Uint8Array[] = [];
    // get() of many keys reads at most 128 per call.
    for (let start = 0; start < n; start += 128) {
      const keys = Array.from({ length: Math.min(128, n - start) }, (_, i) => `blob:${name}:${start + i}`);
      const found = await this.storage.get<Uint8Array>(keys);
      keys.forEach((key, i) => {
        const part = found.get(key);
        if (!part) throw new Error(`blob ${name} is missing chunk ${start + i}`);
        parts.push(part);
      });
    }
    return concatBytes(parts);
  }

  async putText(name: string, text: string): Promise<void> {
    await this.put(name, new TextEncoder().encode(text));
  }

  async getText(name: string): Promise<string | null> {
    const bytes = await this.get(name);
    return bytes && new TextDecoder().decode(bytes);
  }

  async putJson(name: string, value: unknown): Promise<void> {
    await this.putText(name, JSON.stringify(value));
  }

  async getJson<T>(name: string): Promise<T | null> {
    const text = await this.getText(name);
    return text === null ? null : (JSON.parse(text) as T);
  }

  /**
   * Deletes every blob, whatever step wrote it, but those named in `keep`. list() reads values
   * too: small pages bound memory.
   */
  async clear(keep: readonly string[] = []): Promise<void> {
    const kept = (key: string) => keep.some((name) => key.startsWith(`blob:${name}:`));
    let startAfter: string | undefined;
    for (;;) {
      const keys = [...(await this.storage.list({ prefix: "blob:", limit: 16, startAfter })).keys()];
      if (keys.length === 0) return;
      startAfter = keys.at(-1);
      const doomed = keys.filter((k) => !kept(k));
      if (doomed.length > 0) await this.storage.delete(doomed);
    }
  }

  async delete(name: string): Promise<void> {
    const n = await this.storage.get<number>(`blob:${name}:n`);
    if (n === undefined) return;
    const keys = [`blob:${name}:n`, ...Array.from({ length: n }, (_, k) => `blob:${name}:${k}`)];
    for (let i = 0; i < keys.length; i += 128) await this.storage.delete(keys.slice(i, i + 128));
  }
}
