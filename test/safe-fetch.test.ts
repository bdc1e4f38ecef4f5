import { delay, http, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { extractDocument } from "../src/documents/extract";
import { classifyAddress } from "../src/documents/ip";
import { safeFetch } from "../src/documents/safe-fetch";
import { documentFixture, failure } from "./helpers";
import { server, useHandlers } from "./setup/msw";

const DOH = "https://cloudflare-dns.com/dns-query";
const A = 1;
const AAAA = 28;

/** What the mocked DNS-over-HTTPS endpoint answers; names not listed are NXDOMAIN. */
const DNS: Record<string, { A?: string[]; AAAA?: string[]; cname?: string; status?: number }> = {
  "reports.example.com": { A: ["93.184.216.34"], AAAA: ["2606:2800:220:1:248:1893:25c8:1946"] },
  "cdn.example.com": { A: ["93.184.216.35"] },
  "rebind.example.net": { A: ["127.0.0.1"] },
  "127.0.0.1.nip.io": { A: ["127.0.0.1"] },
  "cname.example.net": { cname: "internal-lb.example.net.", A: ["10.0.0.5"] },
  "dual.example.net": { A: ["93.184.216.36"], AAAA: ["::1"] },
  "meta.example.net": { A: ["169.254.169.254"] },
  "ula.example.net": { AAAA: ["fd12:3456::1"] },
  "servfail.example.org": { status: 2 },
};
const dnsQueries: string[] = [];

const REPORT_HTML = "<html><head><title>Report</title></head><body><p>Hello analysts.</p></body></html>";
const redirect = (location: string, status = 302) => new HttpResponse(null, { status, headers: { location } });

useHandlers(
  http.get(DOH, ({ request }) => {
    const q = new URL(request.url).searchParams;
    const name = q.get("name") ?? "";
    const type = q.get("type") === "AAAA" ? AAAA : A;
    dnsQueries.push(`${name}/${q.get("type")}`);
    if (request.headers.get("accept") !== "application/dns-json") return new HttpResponse(null, { status: 400 });
    const entry = DNS[name];
    if (!entry) return HttpResponse.json({ Status: 3 });
    if (entry.status) return HttpResponse.json({ Status: entry.status });
    const data = (type === A ? entry.A : entry.AAAA) ?? [];
    const Answer = [
      ...(entry.cname ? [{ name, type: 5, TTL: 60, data: entry.cname }] : []),
      ...data.map((d) => ({ name: entry.cname ?? name, type, TTL: 60, data: d })),
    ];
    return HttpResponse.json({ Status: 0, Answer });
  }),
  http.get(
    "https://reports.example.com/report.html",
    () => new HttpResponse(REPORT_HTML, { headers: { "content-type": 'Text/HTML; Charset="UTF-8"' } }),
  ),
  http.get("https://reports.example.com/go-metadata", () => redirect("http://169.254.169.254/latest/meta-data/")),
  http.get("https://reports.example.com/go-rebind", () => redirect("https://rebind.example.net/x", 301)),
  http.get("https://reports.example.com/go-file", () => redirect("file:///etc/passwd")),
  http.get("https://reports.example.com/go-ssh", () => redirect("//reports.example.com:22/", 307)),
  http.get("https://reports.example.com/go-ipv6", () => redirect("http://[::ffff:10.0.0.1]/", 308)),
  http.get("https://reports.example.com/hop/:n", ({ params }) => {
    const n = Number(params["n"]);
    return n > 0 ? redirect(`/hop/${n - 1}`, n % 2 ? 301 : 302) : HttpResponse.text("arrived");
  }),
  http.get("https://reports.example.com/docs/a/start", () => redirect("../final?x=1")),
  http.get("https://reports.example.com/docs/final", ({ request }) =>
    HttpResponse.text(`final ${new URL(request.url).search}`),
  ),
  http.get("https://reports.example.com/to-cdn", () => redirect("https://cdn.example.com:8443/r.md", 303)),
  http.get(
    "https://cdn.example.com:8443/r.md",
    () => new HttpResponse("# Title\n\nbody", { headers: { "content-type": "text/markdown; charset=UTF-8" } }),
  ),
);

afterEach(() => {
  dnsQueries.length = 0;
});

describe("safeFetch refuses URLs that could reach us", () => {
  it.each([
    ["ftp scheme", "ftp://reports.example.com/report.txt", /only http and https/],
    ["file scheme", "file:///etc/passwd", /only http and https/],
    ["gopher scheme", "gopher://reports.example.com:70/_GET", /only http and https/],
    ["javascript scheme", "javascript:alert(1)", /only http and https/],
    ["not a URL", "reports.example.com/report.html", /not a valid absolute URL/],
    ["credentials", "https://user:secret@reports.example.com/report.html", /credentials/],
    ["credentials hiding the real host", "http://reports.example.com@127.0.0.1/", /credentials/],
    ["SSH port", "http://reports.example.com:22/", /port 22 is not allowed/],
    ["Redis port", "https://reports.example.com:6379/", /port 6379 is not allowed/],
    ["loopback", "http://127.0.0.1/", /loopback/],
    ["loopback on port 80", "http://127.0.0.1:80/admin", /loopback/],
    ["loopback as a decimal integer", "http://2130706433/", /loopback.*127\.0\.0\.1/],
    ["loopback in hex", "http://0x7f000001/", /loopback/],
    ["loopback in octal", "http://0177.0.0.1/", /loopback/],
    ["loopback as an octal integer", "http://017700000001/", /loopback/],
    ["loopback in short form", "http://127.1/", /loopback/],
    ["loopback hex short form", "http://0x7f.1/", /loopback/],
    ["loopback percent-encoded", "http://%31%32%37.0.0.1/", /loopback/],
    ["loopback in full-width digits", "http://\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11/", /loopback/],
    ["0 as a host", "http://0/", /unspecified/],
    ["unspecified", "http://0.0.0.0:8080/", /unspecified/],
    ["private 10/8", "http://10.0.0.1/", /private/],
    ["private 172.16/12", "http://172.16.5.4/", /private/],
    ["private 192.168/16", "http://192.168.1.1/", /private/],
    ["carrier-grade NAT", "http://100.64.0.1/", /carrier-grade NAT/],
    ["link-local", "http://169.254.1.1/", /link-local/],
    ["AWS/GCP/Azure metadata IP", "http://169.254.169.254/latest/meta-data/", /metadata/],
    ["Alibaba metadata IP", "http://100.100.100.200/latest/meta-data/", /metadata/],
    ["AWS IPv6 metadata", "http://[fd00:ec2::254]/latest/meta-data/", /metadata/],
    ["multicast", "http://224.0.0.1/", /multicast/],
    ["broadcast", "http://255.255.255.255/", /broadcast/],
    ["reserved 240/4", "http://240.0.0.1/", /reserved/],
    ["benchmarking range", "http://198.18.0.1/", /benchmarking/],
    ["documentation range", "http://192.0.2.10/", /documentation/],
    ["IPv6 loopback", "http://[::1]/", /loopback/],
    ["IPv6 unspecified", "http://[::]/", /unspecified/],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/", /IPv4-mapped.*127\.0\.0\.1/],
    ["IPv4-mapped loopback in hex", "http://[::ffff:7f00:1]/", /IPv4-mapped.*127\.0\.0\.1/],
    ["IPv4-mapped metadata", "http://[0:0:0:0:0:ffff:a9fe:a9fe]/", /IPv4-mapped.*169\.254\.169\.254/],
    ["IPv4-compatible", "http://[::127.0.0.1]/", /IPv4-compatible/],
    ["NAT64", "http://[64:ff9b::a00:1]/", /NAT64.*10\.0\.0\.1/],
    ["IPv6 link-local", "http://[fe80::1]/", /link-local/],
    ["IPv6 unique-local", "http://[fc00::1]/", /unique-local/],
    ["IPv6 multicast", "http://[ff02::1]/", /multicast/],
    ["IPv6 documentation", "http://[2001:db8::1]/", /documentation/],
    ["localhost", "http://localhost:8080/", /localhost/],
    ["localhost with a trailing dot", "http://localhost./", /localhost/],
    ["a .localhost name", "http://api.localhost/", /localhost/],
    ["mDNS .local", "http://printer.local/", /\.local\b/],
    ["an .internal name", "http://db.internal/", /\.internal/],
    ["home.arpa", "http://router.home.arpa/", /\.home\.arpa/],
    ["GCP metadata name", "http://metadata.google.internal/computeMetadata/v1/", /metadata/],
    ["bare metadata name", "http://metadata/", /metadata/],
    ["EC2 instance-data name", "http://instance-data/latest/", /metadata/],
    ["single-label host", "http://fileserver/", /single-label/],
    ["undelegated .corp name", "http://wiki.corp/", /\.corp/],
    ["five-part numeric host", "http://1.2.3.4.5/", /not a valid absolute URL/],
    [
      "public name resolving to loopback (DoH)",
      "https://rebind.example.net/",
      /rebind\.example\.net resolves to 127\.0\.0\.1, a loopback/,
    ],
    ["nip.io-style name resolving to loopback", "http://127.0.0.1.nip.io/", /resolves to 127\.0\.0\.1/],
    ["CNAME chain ending in a private address", "https://cname.example.net/", /resolves to 10\.0\.0\.5, a private/],
    ["name with a public A and a loopback AAAA", "https://dual.example.net/", /resolves to ::1/],
    ["name resolving to the metadata IP", "https://meta.example.net/", /resolves to 169\.254\.169\.254, a link-local/],
    ["name resolving to a unique-local IPv6", "https://ula.example.net/", /unique-local/],
    [
      "redirect to the metadata IP",
      "https://reports.example.com/go-metadata",
      /redirect from https:\/\/reports\.example\.com\/go-metadata refused.*metadata/,
    ],
    [
      "redirect to a name resolving to loopback",
      "https://reports.example.com/go-rebind",
      /redirect target refused.*resolves to 127\.0\.0\.1/,
    ],
    ["redirect to a file: URL", "https://reports.example.com/go-file", /redirect from .* refused.*only http and https/],
    [
      "scheme-relative redirect to a disallowed port",
      "https://reports.example.com/go-ssh",
      /redirect from .* refused.*port 22/,
    ],
    [
      "redirect to an IPv4-mapped private address",
      "https://reports.example.com/go-ipv6",
      /redirect from .* refused.*IPv4-mapped/,
    ],
  ])("%s: %s", async (_name, url, reason) => {
    const error = await failure(safeFetch(url));
    expect(error).toMatchObject({ status: 400, code: "url_refused", retryable: false });
    expect(error.message).toMatch(reason);
  });
});

describe("classifyAddress (DNS answers)", () => {
  it("passes public addresses and refuses the rest, failing closed on garbage", () => {
    for (const ok of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e"])
      expect(classifyAddress(ok), ok).toBeNull();
    for (const [bad, reason] of [
      ["127.0.0.2", /loopback/],
      ["172.31.255.255", /private/],
      ["100.127.0.1", /carrier-grade/],
      ["::ffff:8.8.8.8", /IPv4-mapped.*8\.8\.8\.8/],
      ["2002:7f00:1::", /6to4/],
      ["2001:0:4136:e378::1", /Teredo/],
      ["fec0::1", /site-local/],
      ["1::", /outside global unicast/],
      ["1.2.3", /unparsable/],
      ["256.1.1.1", /unparsable/],
      ["1:2:3:4:5:6:7:8:9", /unparsable/],
      ["not-an-ip", /unparsable/],
    ] as const) {
      expect(classifyAddress(bad), bad).toMatch(reason);
    }
  });
});

describe("safeFetch fetches public documents", () => {
  it("fetches a public URL after checking its DNS answers", async () => {
    const doc = await safeFetch("https://reports.example.com/report.html");
    expect(doc).toMatchObject({
      url: "https://reports.example.com/report.html",
      finalUrl: "https://reports.example.com/report.html",
      status: 200,
      contentType: "text/html",
      charset: "utf-8",
    });
    expect(new TextDecoder().decode(doc.bytes)).toBe(REPORT_HTML);
    expect(dnsQueries.sort()).toEqual(["reports.example.com/A", "reports.example.com/AAAA"]);
  });

  it("allows a public IP literal without a DNS lookup", async () => {
    server.use(http.get("http://93.184.216.34/r.txt", () => HttpResponse.text("plain report")));
    const doc = await safeFetch("http://93.184.216.34/r.txt");
    expect(doc).toMatchObject({ contentType: "text/plain", status: 200 });
    expect(dnsQueries).toEqual([]);
  });

  it("follows a chain of 5 redirects, re-checking DNS at every hop", async () => {
    const doc = await safeFetch("https://reports.example.com/hop/5");
    expect(doc.finalUrl).toBe("https://reports.example.com/hop/0");
    expect(new TextDecoder().decode(doc.bytes)).toBe("arrived");
    expect(dnsQueries.filter((q) => q === "reports.example.com/A")).toHaveLength(6);
  });

  it("gives up after 5 redirects", async () => {
    const error = await failure(safeFetch("https://reports.example.com/hop/6"));
    expect(error).toMatchObject({ status: 422, code: "too_many_redirects", retryable: false });
    const fewer = await failure(safeFetch("https://reports.example.com/hop/3", { maxRedirects: 2 }));
    expect(fewer.code).toBe("too_many_redirects");
  });

  it("resolves a relative redirect against the current URL", async () => {
    const doc = await safeFetch("https://reports.example.com/docs/a/start");
    expect(doc.finalUrl).toBe("https://reports.example.com/docs/final?x=1");
    expect(new TextDecoder().decode(doc.bytes)).toBe("final ?x=1");
  });

  it("follows a redirect to another public host on port 8443 and normalises the media type", async () => {
    const doc = await safeFetch("https://reports.example.com/to-cdn");
    expect(doc).toMatchObject({
      finalUrl: "https://cdn.example.com:8443/r.md",
      contentType: "text/markdown",
      charset: "utf-8",
    });
    expect(dnsQueries).toContain("cdn.example.com/A");
  });

  it("skips the DNS check when configured off, and uses an injected resolver otherwise", async () => {
    server.use(http.get("https://rebind.example.net/", () => HttpResponse.text("reached")));
    const unchecked = await safeFetch("https://rebind.example.net/", { dnsCheck: false });
    expect(new TextDecoder().decode(unchecked.bytes)).toBe("reached");
    expect(dnsQueries).toEqual([]);

    const asked: string[] = [];
    const resolve = async (host: string) => (
      asked.push(host),
      host === "rebind.example.net" ? ["8.8.8.8"] : ["10.1.2.3"]
    );
    expect((await safeFetch("https://rebind.example.net/", { resolve })).status).toBe(200);
    const refused = await failure(safeFetch("https://reports.example.com/report.html", { resolve }));
    expect(refused.message).toMatch(/resolves to 10\.1\.2\.3, a private address/);
    expect(asked).toEqual(["rebind.example.net", "reports.example.com"]);
    expect(dnsQueries).toEqual([]);
  });

  it("uses an injected fetcher for the document and for DNS", async () => {
    const seen: string[] = [];
    const fetcher: typeof fetch = async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      seen.push(new URL(url).host);
      return url.startsWith(DOH)
        ? Response.json({ Status: 0, Answer: [{ type: 1, data: "93.184.216.34" }] })
        : new Response("hi", { headers: { "content-type": "text/plain" } });
    };
    const doc = await safeFetch("https://elsewhere.example.org/x", { fetcher });
    expect(new TextDecoder().decode(doc.bytes)).toBe("hi");
    expect(seen.sort()).toEqual(["cloudflare-dns.com", "cloudflare-dns.com", "elsewhere.example.org"]);
  });

  it("fails on names that do not resolve (not retryable) and on DNS failures (retryable)", async () => {
    const nx = await failure(safeFetch("https://nothing-here.example.org/"));
    expect(nx).toMatchObject({ status: 422, code: "fetch_failed", retryable: false });
    expect(nx.message).toMatch(/does not resolve/);
    const servfail = await failure(safeFetch("https://servfail.example.org/"));
    expect(servfail).toMatchObject({ status: 502, code: "fetch_failed", retryable: true });
  });
});

describe("safeFetch limits", () => {
  it("cuts off a streamed body as soon as it passes the size cap", async () => {
    let pulls = 0;
    server.use(
      http.get("https://reports.example.com/endless", () => {
        const body = new ReadableStream<Uint8Array>(
          { pull: (c) => (pulls++, c.enqueue(new Uint8Array(16 * 1024).fill(0x61))) },
          { highWaterMark: 0 },
        );
        return new HttpResponse(body, { headers: { "content-type": "text/plain" } });
      }),
    );
    const error = await failure(safeFetch("https://reports.example.com/endless", { maxBytes: 100_000 }));
    expect(error).toMatchObject({ status: 413, code: "document_too_large", retryable: false });
    expect(error.message).toMatch(/97\.7 KB limit/);
    expect(pulls).toBeGreaterThanOrEqual(7);
    expect(pulls).toBeLessThan(12);
  });

  it("refuses a Content-Length over the cap before reading the body", async () => {
    let pulls = 0;
    server.use(
      http.get("https://reports.example.com/huge", () => {
        const body = new ReadableStream<Uint8Array>({ pull: () => void pulls++ }, { highWaterMark: 0 }); // would hang if read
        return new HttpResponse(body, {
          headers: { "content-type": "application/pdf", "content-length": String(50 * 1024 * 1024) },
        });
      }),
    );
    const error = await failure(safeFetch("https://reports.example.com/huge", { timeoutMs: 5_000 }));
    expect(error).toMatchObject({ status: 413, code: "document_too_large" });
    expect(error.message).toMatch(/20 MB limit/);
    expect(pulls).toBe(0);
  });

  it("times out (retryable 504) when the server never answers", async () => {
    server.use(
      http.get("https://reports.example.com/never", async () => {
        await delay("infinite");
        return HttpResponse.text("too late");
      }),
    );
    const error = await failure(safeFetch("https://reports.example.com/never", { timeoutMs: 150 }));
    expect(error).toMatchObject({ status: 504, code: "fetch_failed", retryable: true });
    expect(error.message).toMatch(/timed out after 0\.15 s/);
  });

  it("times out when the body stalls after the headers", async () => {
    server.use(
      http.get("https://reports.example.com/stall", () => {
        const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode("partial")) });
        return new HttpResponse(body, { headers: { "content-type": "text/plain" } });
      }),
    );
    const error = await failure(safeFetch("https://reports.example.com/stall", { timeoutMs: 150 }));
    expect(error).toMatchObject({ status: 504, retryable: true });
  });

  it.each([
    [500, 502, true],
    [503, 502, true],
    [404, 422, false],
    [403, 422, false],
    [410, 422, false],
    [408, 422, true],
    [429, 422, true],
  ])("maps an upstream %i to %i (retryable: %s)", async (upstream, status, retryable) => {
    server.use(http.get("https://reports.example.com/status", () => new HttpResponse("nope", { status: upstream })));
    const error = await failure(safeFetch("https://reports.example.com/status"));
    expect(error).toMatchObject({ status, code: "fetch_failed", retryable });
    expect(error.message).toContain(`HTTP ${upstream}`);
  });

  it("treats a network error as retryable", async () => {
    server.use(http.get("https://reports.example.com/reset", () => HttpResponse.error()));
    const error = await failure(safeFetch("https://reports.example.com/reset"));
    expect(error).toMatchObject({ status: 502, code: "fetch_failed", retryable: true });
  });

  it.each(["image/png", "application/json", "application/zip", "video/mp4"])(
    "refuses content type %s with 415",
    async (type) => {
      server.use(
        http.get(
          "https://reports.example.com/file",
          () => new HttpResponse(new Uint8Array([1, 2, 3]), { headers: { "content-type": type } }),
        ),
      );
      const error = await failure(safeFetch("https://reports.example.com/file"));
      expect(error).toMatchObject({ status: 415, code: "unsupported_media_type", retryable: false });
      expect(error.message).toContain(type);
    },
  );

  it("sniffs a missing content type, and trusts octet-stream only for a PDF", async () => {
    const pdf = await documentFixture("report.pdf");
    const bodies: Record<string, [Uint8Array, string | null]> = {
      pdf: [pdf, null],
      html: [new TextEncoder().encode("\n  <!doctype html><p>x</p>"), null],
      text: [new TextEncoder().encode("just words"), null],
      octetPdf: [pdf, "application/octet-stream"],
      octetText: [new TextEncoder().encode("just words"), "application/octet-stream"],
      xpdf: [pdf, "application/x-pdf"],
    };
    server.use(
      http.get("https://reports.example.com/sniff/:kind", ({ params }) => {
        const [bytes, type] = bodies[String(params["kind"])] ?? [new Uint8Array(), null];
        return new HttpResponse(bytes, type ? { headers: { "content-type": type } } : {});
      }),
    );
    const type = async (kind: string) => (await safeFetch(`https://reports.example.com/sniff/${kind}`)).contentType;
    expect(await type("pdf")).toBe("application/pdf");
    expect(await type("html")).toBe("text/html");
    expect(await type("text")).toBe("text/plain");
    expect(await type("octetPdf")).toBe("application/pdf");
    expect(await type("xpdf")).toBe("application/pdf");
    expect((await failure(type("octetText"))).status).toBe(415);
  });
});

describe("from URL to text", () => {
  it("goes from URL to text: fetch an HTML report and extract it", async () => {
    const fetched = await safeFetch("https://reports.example.com/report.html");
    const doc = await extractDocument(fetched.bytes, fetched.contentType, fetched.charset);
    expect(doc).toEqual({ kind: "html", title: "Report", text: "Hello analysts." });
  });
});
