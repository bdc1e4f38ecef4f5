import { env } from "cloudflare:test";
import { delay, http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { extractText, getDocumentProxy, getMeta } from "unpdf";
import { afterAll, beforeAll, expect, it } from "vitest";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

it("probe", async () => {
  const res = await env.FIXTURES.fetch("http://fixtures/repo/test/fixtures/documents/report.pdf");
  const bytes = new Uint8Array(await res.arrayBuffer());
  const pdf = await getDocumentProxy(bytes, { verbosity: 0 });
  console.log("meta", (await getMeta(pdf)).info.Title, JSON.stringify((await extractText(pdf)).text));
  const out: string[] = [];
  const rw = new HTMLRewriter().on("*", { element(el) { const n = el.tagName; out.push("<" + n + ">"); try { el.onEndTag(() => { out.push("</" + n + ">"); }); } catch (e) { out.push("ERR " + String(e)); } } })
    .onDocument({ text(t) { out.push(JSON.stringify(t.text)); } });
  await rw.transform(new Response('<meta charset="windows-1252"><p>a &amp; b &lt;c&gt; caf\u00e9<br>x<img src=x><div/>y<script>if (a<b) x()</script>')).arrayBuffer();
  console.log(out.join(" "));
  for (const enc of ["latin1", "windows-1252", "iso-8859-15", "utf-16be", "shift_jis", "bogus"]) {
    try { console.log(enc, new TextDecoder(enc).decode(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x80]))); } catch (e) { console.log(enc, "ERR", String(e)); }
  }
  console.log("any", typeof AbortSignal.any);
  server.use(
    http.get("https://a.example.com/r", () => new HttpResponse(null, { status: 302, headers: { location: "/b" } })),
    http.get("https://a.example.com/slow", async () => { await delay("infinite"); return HttpResponse.text("x"); }),
  );
  const r = await fetch("https://a.example.com/r", { redirect: "manual" });
  console.log("redirect", r.status, r.headers.get("location"));
  const t0 = Date.now();
  try { await fetch("https://a.example.com/slow", { signal: AbortSignal.timeout(100) }); } catch (e) { console.log("abort", String(e), (e as Error).name, Date.now() - t0); }
  try { await fetch("https://unmocked.example.com/"); } catch (e) { console.log("unhandled", String(e)); }
  expect(1).toBe(1);
});
