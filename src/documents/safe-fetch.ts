/**
 * @module Fetches a report URL so that the URL cannot be turned against us (SSRF): only http(s)
 * on web ports, no credentials, no local/private/metadata hosts by literal, name or DNS answer,
 * redirects followed by hand with every hop checked again, one deadline over the whole exchange,
 * a byte cap enforced while streaming, and only document media types.
 */
import { AppError, describeError } from "../errors";
import { asDnsError, dohResolver, type Resolver } from "./dns";
import { classifyAddress } from "./ip";
import {
  mayBeAccepted,
  parseContentType,
  resolveMediaType,
  unsupportedDocumentType,
  type DocumentMediaType,
} from "./media-type";
import { checkUrl, isIpLiteral, urlRefused } from "./url-policy";

export interface SafeFetchOptions {
  /** Default `globalThis.fetch`, read at call time. Also used for DNS-over-HTTPS. */
  fetcher?: typeof fetch;
  /** Resolves a host name to its addresses; default DNS-over-HTTPS through `fetcher`. */
  resolve?: Resolver;
  /** Check what host names resolve to (default true); configuration may turn it off. */
  dnsCheck?: boolean;
  /** DoH JSON endpoint for the default resolver. */
  dohEndpoint?: string;
  /** Deadline for the whole fetch: DNS, every redirect hop and the body (default 15 s). */
  timeoutMs?: number;
  /** Largest body accepted (default 20 MB). */
  maxBytes?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  userAgent?: string;
}

export interface FetchedDocument {
  /** The URL as asked for. */
  url: string;
  /** The URL the body came from, after redirects. */
  finalUrl: string;
  status: number;
  /** Normalised media type, without parameters (sniffed when the server sent none). */
  contentType: DocumentMediaType;
  charset?: string;
  bytes: Uint8Array;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ACCEPT = "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,text/markdown;q=0.9";

export async function safeFetch(rawUrl: string, options: SafeFetchOptions = {}): Promise<FetchedDocument> {
  const fetcher = options.fetcher ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const signal = AbortSignal.timeout(timeoutMs);
  const resolve = options.resolve ?? dohResolver({ fetcher, endpoint: options.dohEndpoint, signal });
  const headers = { accept: ACCEPT, "user-agent": options.userAgent ?? "TTPscope/0.1 (report intake)" };

  let url = checkUrl(rawUrl);
  try {
    for (let hops = 0; ; hops++) {
      const what = hops === 0 ? "URL refused" : "redirect target refused";
      if (options.dnsCheck !== false) await checkResolvedAddresses(url, resolve, signal, what);
      const res = await untilAborted(fetcher(url.href, { method: "GET", redirect: "manual", headers, signal }), signal);
      if (REDIRECTS.has(res.status)) {
        await discard(res);
        if (hops >= maxRedirects) {
          throw new AppError(422, "too_many_redirects", `fetching ${rawUrl} took more than ${maxRedirects} redirects`);
        }
        url = nextHop(url, res.headers.get("location"));
        continue;
      }
      if (res.status < 200 || res.status > 299) {
        await discard(res);
        throw upstreamStatusError(url, res.status);
      }
      const { type, charset } = parseContentType(res.headers.get("content-type"));
      if (!mayBeAccepted(type)) {
        await discard(res);
        throw unsupportedDocumentType(String(type));
      }
      const bytes = await readCapped(res, maxBytes, signal);
      const contentType = resolveMediaType(type, bytes);
      return {
        url: rawUrl,
        finalUrl: url.href,
        status: res.status,
        contentType,
        ...(charset ? { charset } : {}),
        bytes,
      };
    }
  } catch (e) {
    throw toFetchError(e, url, signal, timeoutMs);
  }
}

/** Refuses a host name any of whose addresses is in a refused range. */
async function checkResolvedAddresses(url: URL, resolve: Resolver, signal: AbortSignal, what: string): Promise<void> {
  const host = url.hostname.replace(/\.+$/, "");
  if (isIpLiteral(host)) return; // already classified by checkUrl
  let addresses: string[];
  try {
    addresses = await untilAborted(resolve(host), signal);
  } catch (e) {
    if (signal.aborted) throw e;
    throw asDnsError(host, e);
  }
  if (addresses.length === 0) {
    throw new AppError(422, "fetch_failed", `could not fetch ${url.href}: ${host} does not resolve to any address`);
  }
  for (const address of addresses) {
    const reason = classifyAddress(address);
    if (reason) throw urlRefused(`${what} (${url.href}): ${host} resolves to ${address}, ${reason}`);
  }
}

function nextHop(from: URL, location: string | null): URL {
  if (!location) throw new AppError(422, "fetch_failed", `${from.href} redirected without a Location header`);
  let next: URL;
  try {
    next = new URL(location, from); // relative Locations resolve against the current URL
  } catch {
    throw new AppError(422, "fetch_failed", `${from.href} redirected to an invalid URL`);
  }
  return checkUrl(next.href, `redirect from ${from.href} refused`);
}

function upstreamStatusError(url: URL, status: number): AppError {
  const message = `could not fetch ${url.href}: the server answered HTTP ${status}`;
  if (status >= 500) return new AppError(502, "fetch_failed", message, { retryable: true });
  // 408 and 429 say "not now", not "never".
  return new AppError(422, "fetch_failed", message, { retryable: status === 408 || status === 429 });
}

/** Reads the body, failing with 413 as soon as it passes `maxBytes` (or up front on Content-Length). */
async function readCapped(res: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const tooLarge = () =>
    new AppError(413, "document_too_large", `the document is larger than the ${formatBytes(maxBytes)} limit`);
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await discard(res);
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array(0);
  // Workers type a response body's chunks as any; they are bytes.
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    throw e;
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

function toFetchError(e: unknown, url: URL, signal: AbortSignal, timeoutMs: number): AppError {
  if (e instanceof AppError) return e;
  if (signal.aborted) {
    return new AppError(504, "fetch_failed", `fetching ${url.href} timed out after ${timeoutMs / 1000} s`, {
      retryable: true,
    });
  }
  return new AppError(502, "fetch_failed", `could not fetch ${url.href}: the server could not be reached`, {
    internal: describeError(e),
    retryable: true,
  });
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (even if `promise` never settles). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (
        signal.removeEventListener("abort", onAbort),
        reject(e instanceof Error ? e : new Error(String(e)))
      ),
    );
  });
}

/** Why a signal aborted, as an Error (AbortSignal.reason may be any value). */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(typeof reason === "string" ? reason : "aborted");
}

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024
    ? `${+(n / 1024 / 1024).toFixed(1)} MB`
    : n >= 1024
      ? `${+(n / 1024).toFixed(1)} KB`
      : `${n} bytes`;
}
