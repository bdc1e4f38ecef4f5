/**
 * @module Hostname resolution for the SSRF guard. Workers cannot resolve names themselves, so the
 * default resolver asks a DNS-over-HTTPS JSON endpoint for the A and AAAA records. A name whose
 * answers include a refused address (a public name pointing at 127.0.0.1, say) is refused.
 *
 * Residual risk: the runtime resolves the name again when it fetches, so a rebinding server could
 * answer differently the second time. Workers' egress cannot reach private networks anyway; the
 * check matters most for the Node CLI, and it shrinks the window to milliseconds.
 */
import { AppError, describeError } from "../errors";

/** Addresses (A and AAAA) of a host name; [] when it does not resolve. */
export type Resolver = (host: string) => Promise<string[]>;

export const DEFAULT_DOH_ENDPOINT = "https://cloudflare-dns.com/dns-query";

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE_NXDOMAIN = 3;

interface DohAnswer {
  type: number;
  data: string;
}

export interface DohOptions {
  fetcher?: typeof fetch;
  endpoint?: string;
  signal?: AbortSignal;
}

/** A resolver over the DoH JSON API (`accept: application/dns-json`), A and AAAA in parallel. */
export function dohResolver(options: DohOptions = {}): Resolver {
  const endpoint = options.endpoint ?? DEFAULT_DOH_ENDPOINT;
  return async (host) => {
    const fetcher = options.fetcher ?? globalThis.fetch; // read late: tests patch the global
    const query = async (type: "A" | "AAAA"): Promise<string[]> => {
      const url = `${endpoint}?name=${encodeURIComponent(host)}&type=${type}`;
      const res = await fetcher(url, { headers: { accept: "application/dns-json" }, signal: options.signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw dnsFailure(host, `DoH ${type} answered HTTP ${res.status}`);
      }
      return parseDohAnswer(host, await res.json());
    };
    const [a, aaaa] = await Promise.all([query("A"), query("AAAA")]);
    return [...a, ...aaaa];
  };
}

function parseDohAnswer(host: string, body: unknown): string[] {
  if (typeof body !== "object" || body === null || !("Status" in body) || typeof body.Status !== "number") {
    throw dnsFailure(host, "DoH answer without a Status");
  }
  if (body.Status === RCODE_NXDOMAIN) return [];
  if (body.Status !== 0) throw dnsFailure(host, `DoH rcode ${body.Status}`);
  const answers = "Answer" in body && Array.isArray(body.Answer) ? (body.Answer as unknown[]) : [];
  // CNAME records come first in the chain; only the final A/AAAA data are addresses.
  return answers.filter(isAddressAnswer).map((a) => a.data.trim());
}

function isAddressAnswer(a: unknown): a is DohAnswer {
  if (typeof a !== "object" || a === null || !("type" in a) || !("data" in a)) return false;
  return (a.type === TYPE_A || a.type === TYPE_AAAA) && typeof a.data === "string";
}

function dnsFailure(host: string, internal: string): AppError {
  return new AppError(502, "fetch_failed", `could not resolve ${host}: the DNS lookup failed`, {
    internal,
    retryable: true,
  });
}

/** Wraps a resolver's own failure (not ours) as a retryable lookup error. */
export function asDnsError(host: string, e: unknown): AppError {
  return e instanceof AppError ? e : dnsFailure(host, describeError(e));
}
