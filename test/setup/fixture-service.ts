/**
 * @module The FIXTURES service binding (Node code, run by miniflare beside workerd): workerd has no
 * filesystem, so tests read files through it. Roots are named in vitest.config.ts: /repo/<path>
 * from this checkout, /shared/<path> from ../shared/data.
 */
import fs from "node:fs";
import path from "node:path";
import { Response } from "miniflare";

/** Files below a directory, relative to it, sorted. */
function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * GET /<root>/<path>: the file. GET /list/<root>/<dir>: JSON array of the files below the directory
 * (relative paths), so tests can walk a corpus such as ../shared/data/rules/sigma.
 */
export function fixtureService(roots: Record<string, string>): (request: Request) => Response {
  return (request) => serveFixture(roots, request);
}

function serveFixture(FIXTURE_ROOTS: Record<string, string>, request: Request): Response {
  const { pathname } = new URL(request.url);
  if (pathname.startsWith("/list/")) {
    const [, , rootName, ...rest] = pathname.split("/");
    const base = rootName ? FIXTURE_ROOTS[rootName] : undefined;
    const dir = base ? path.resolve(base, decodeURIComponent(rest.join("/"))) : undefined;
    if (!base || !dir || !(dir === base || dir.startsWith(base + path.sep)) || !fs.existsSync(dir))
      return new Response(`no directory at ${pathname}`, { status: 404 });
    return new Response(JSON.stringify(listFiles(dir)), { headers: { "content-type": "application/json" } });
  }
  const [, rootName, ...rest] = pathname.split("/");
  const base = rootName ? FIXTURE_ROOTS[rootName] : undefined;
  const file = base ? path.resolve(base, decodeURIComponent(rest.join("/"))) : undefined;
  if (!base || !file || !file.startsWith(base + path.sep) || !fs.existsSync(file)) {
    return new Response(`no fixture at ${pathname}`, { status: 404 });
  }
  return new Response(fs.readFileSync(file));
}
