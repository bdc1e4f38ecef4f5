/**
 * @module IP address parsing and classification for the SSRF guard: which addresses a report
 * fetch may never reach (private, loopback, link-local, metadata, multicast, reserved …).
 *
 * IPv4 hosts are parsed the way the WHATWG URL parser does (decimal, octal `0177`, hex `0x7f`,
 * and short forms `127.1`), so that no spelling of an address slips past, whatever normalisation
 * the runtime's URL parser did or did not apply first.
 */

/** Reason an address is refused, e.g. "a loopback address"; null when it is public. */
export type Refusal = string | null;

/** An IPv4 host in any encoding the URL standard accepts, as a 32-bit number; null if it is not one. */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // trailing dot
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Part(part);
    if (n === null) return null;
    nums.push(n);
  }
  const last = nums.pop() ?? 0;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return null;
  return nums.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last;
}

function parseIPv4Part(part: string): number | null {
  if (part === "") return null;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
    if (digits === "") return 0; // "0x" alone is zero in the URL standard
  } else if (part.length > 1 && part.startsWith("0")) {
    digits = part.slice(1);
    radix = 8;
  }
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : null;
}

/** Strict dotted quad (what DNS answers contain). */
function parseDottedQuad(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** An IPv6 address (without brackets) as eight 16-bit groups; null if it is not one. */
export function parseIPv6(input: string): number[] | null {
  let s = input.toLowerCase();
  if (s.includes("%")) return null; // zone ids have no place in a URL we fetch
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseDottedQuad(dotted[2] ?? "");
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    s = dotted[1] ?? "";
    if (!s.endsWith("::")) s = s.slice(0, -1); // "1:…:6:" → "1:…:6", but keep a "::"
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (h: string) =>
    h === "" ? [] : h.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const explicit = head.length + rest.length + tail.length;
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return null;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
}

const V4_RANGES: Array<[string, number, string]> = [
  ["255.255.255.255", 32, "the broadcast address"],
  ["0.0.0.0", 8, "an unspecified ('this network') address"],
  ["10.0.0.0", 8, "a private address (RFC 1918)"],
  ["100.64.0.0", 10, "a carrier-grade NAT address (RFC 6598)"],
  ["127.0.0.0", 8, "a loopback address"],
  ["169.254.0.0", 16, "a link-local address"],
  ["172.16.0.0", 12, "a private address (RFC 1918)"],
  ["192.0.0.0", 24, "an IETF protocol assignment address"],
  ["192.0.2.0", 24, "a documentation address (TEST-NET-1)"],
  ["192.88.99.0", 24, "a 6to4 relay anycast address"],
  ["192.168.0.0", 16, "a private address (RFC 1918)"],
  ["198.18.0.0", 15, "a benchmarking address (RFC 2544)"],
  ["198.51.100.0", 24, "a documentation address (TEST-NET-2)"],
  ["203.0.113.0", 24, "a documentation address (TEST-NET-3)"],
  ["224.0.0.0", 4, "a multicast address"],
  ["240.0.0.0", 4, "a reserved address (240.0.0.0/4)"],
];
const V4_TABLE = V4_RANGES.map(([base, bits, reason]) => ({ base: parseDottedQuad(base) ?? 0, bits, reason }));

export function classifyIPv4(n: number): Refusal {
  for (const { base, bits, reason } of V4_TABLE) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return reason;
  }
  return null;
}

/** `[prefix groups, prefix bits, reason]`; the first match wins. */
const V6_RANGES: Array<[number[], number, string]> = [
  [[0x64, 0xff9b, 0, 0, 0, 0], 96, "a NAT64 IPv6 address"],
  [[0x64, 0xff9b, 1], 48, "a local-use NAT64 IPv6 address"],
  [[0x100, 0, 0, 0], 64, "a discard-only IPv6 address"],
  [[0x2001, 0x2, 0], 48, "a benchmarking IPv6 address"],
  [[0x2001, 0xdb8], 32, "a documentation IPv6 address"],
  [[0x2001, 0x10], 28, "an ORCHID IPv6 address"],
  [[0x2001, 0x20], 28, "an ORCHIDv2 IPv6 address"],
  [[0x2001, 0], 32, "a Teredo tunnel IPv6 address"],
  [[0x2002], 16, "a 6to4 IPv6 address"],
  [[0x3fff, 0], 20, "a documentation IPv6 address"],
  [[0x5f00], 16, "a segment-routing IPv6 address"],
  [[0xfc00], 7, "a unique-local IPv6 address"],
  [[0xfe80], 10, "a link-local IPv6 address"],
  [[0xfec0], 10, "a site-local IPv6 address"],
  [[0xff00], 8, "a multicast IPv6 address"],
];

function inPrefix(groups: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i * 16 < bits; i++) {
    const take = Math.min(16, bits - i * 16);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

const embeddedV4 = (g: number[]) => formatIPv4(((g[6] ?? 0) * 0x10000 + (g[7] ?? 0)) >>> 0);

export function classifyIPv6(g: number[]): Refusal {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "the unspecified IPv6 address";
  if (zeros(0, 7) && g[7] === 1) return "the IPv6 loopback address";
  // Forms that embed an IPv4 address are refused whatever they embed: a report is never served from one.
  if (zeros(0, 5) && g[5] === 0xffff) return `an IPv4-mapped IPv6 address (embeds ${embeddedV4(g)})`;
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return `an IPv4-translated IPv6 address (embeds ${embeddedV4(g)})`;
  if (zeros(0, 6)) return `an IPv4-compatible IPv6 address (embeds ${embeddedV4(g)})`;
  for (const [prefix, bits, reason] of V6_RANGES) {
    if (inPrefix(g, prefix, bits)) return bits === 96 ? `${reason} (embeds ${embeddedV4(g)})` : reason;
  }
  if (!inPrefix(g, [0x2000], 3)) return "a reserved IPv6 address (outside global unicast 2000::/3)";
  return null;
}

/** Classifies an address as DNS returns it ("1.2.3.4" or "2001:db8::1"); unparsable answers are refused. */
export function classifyAddress(address: string): Refusal {
  if (address.includes(":")) {
    const g = parseIPv6(address);
    return g ? classifyIPv6(g) : "an unparsable address";
  }
  const n = parseDottedQuad(address);
  return n === null ? "an unparsable address" : classifyIPv4(n);
}

export function sameIPv6(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
