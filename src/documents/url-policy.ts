/**
 * @module Which report URLs may be fetched at all, before any DNS or network I/O: scheme, port,
 * credentials and host rules (IP literals in refused ranges, local and private-use names, cloud
 * metadata endpoints). Every redirect hop goes through the same check.
 */
import { AppError } from "../errors";
import { classifyIPv4, classifyIPv6, formatIPv4, parseIPv4, parseIPv6, sameIPv6, type Refusal } from "./ip";

export const ALLOWED_PORTS: ReadonlySet<string> = new Set(["", "80", "443", "8080", "8443"]);
const MAX_URL_LENGTH = 4096;

/** Instance-metadata services: named separately so the refusal says what was being reached for. */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "kubernetes.default.svc",
]);
const METADATA_V4 = new Set(
  ["169.254.169.254", "169.254.170.2", "169.254.169.123", "100.100.100.200"].map((a) => parseIPv4(a)),
);
const METADATA_V6 = [parseIPv6("fd00:ec2::254"), parseIPv6("fd00:ec2::23")].filter((g): g is number[] => g !== null);

/**
 * Names that never resolve publicly: RFC 6761/6762 special-use names, `home.arpa`, the ICANN
 * private-use `.internal`, and undelegated TLDs that networks commonly use internally.
 */
const PRIVATE_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "home.arpa",
  "localdomain",
  "lan",
  "home",
  "corp",
  "intranet",
  "private",
  "test",
  "invalid",
  "onion",
];

export function urlRefused(message: string, internal?: string): AppError {
  return new AppError(400, "url_refused", message, { internal });
}

/**
 * Parses and checks a URL; throws `url_refused` with the reason, or returns the parsed URL.
 * `what` starts the message ("URL refused", "redirect from … refused").
 */
export function checkUrl(raw: string, what = "URL refused"): URL {
  if (raw.length > MAX_URL_LENGTH) throw urlRefused(`${what}: longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw urlRefused(`${what}: not a valid absolute URL`);
  }
  const shown = url.href.length > 200 ? `${url.href.slice(0, 200)}…` : url.href;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw urlRefused(`${what} (${shown}): only http and https URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw urlRefused(`${what}: URLs with credentials (user:password@) are not allowed`);
  }
  if (!ALLOWED_PORTS.has(url.port)) {
    throw urlRefused(`${what} (${shown}): port ${url.port} is not allowed (only 80, 443, 8080 and 8443)`);
  }
  const reason = hostRefusal(url.hostname);
  if (reason) throw urlRefused(`${what} (${shown}): host ${url.hostname} is ${reason}`);
  return url;
}

/** True when `hostname` (as `URL.hostname` gives it) is an IP literal, which needs no DNS lookup. */
export function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || parseIPv4(hostname.replace(/\.+$/, "")) !== null;
}

/** Why a host (as `URL.hostname` gives it) must not be fetched; null when it may be. */
export function hostRefusal(hostname: string): Refusal {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "") return "empty";
  if (host.startsWith("[")) {
    const groups = parseIPv6(host.slice(1, -1));
    if (!groups) return "not a valid IPv6 address";
    if (METADATA_V6.some((m) => sameIPv6(m, groups))) return "a cloud metadata endpoint";
    return classifyIPv6(groups);
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    if (METADATA_V4.has(v4)) return `a cloud metadata endpoint (${formatIPv4(v4)})`;
    const reason = classifyIPv4(v4);
    return reason && `${reason} (${formatIPv4(v4)})`;
  }
  if (METADATA_NAMES.has(host)) return "a cloud metadata endpoint";
  const suffix = PRIVATE_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix === "localhost") return "a localhost name";
  if (suffix) return `a local or private-use name (.${suffix})`;
  if (!host.includes(".")) return "a single-label name (intranet hosts are not fetched)";
  // No real top-level domain is numeric: this is a mangled IP address (e.g. 1.2.3.4.5, 1.2.3.999).
  if (/^(0x[0-9a-f]*|[0-9]+)$/.test(host.slice(host.lastIndexOf(".") + 1))) return "a malformed numeric address";
  return null;
}
