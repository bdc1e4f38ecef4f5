/**
 * @module Byte helpers shared by the Worker and the Node tools: gzip through the web-standard
 * streams, base64, SHA-256.
 */
import { fromBase64, toBase64 } from "../analysis/model";

export { fromBase64, toBase64 };

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function gzip(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return collect(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")));
}

export function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return collect(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Base64 slices of `bytes`, each from `size` raw bytes. */
export function base64Chunks(bytes: Uint8Array, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(toBase64(bytes.subarray(i, i + size)));
  return out.length ? out : [""];
}

export function joinBase64Chunks(chunks: string[]): Uint8Array {
  const parts = chunks.map(fromBase64);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
