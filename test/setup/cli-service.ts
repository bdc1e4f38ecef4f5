/**
 * @module Node side of the CLI tests (a miniflare service binding, see vitest.config.ts): workerd
 * cannot start processes, so this runs `node scripts/run.mjs analyze`, as `npm run analyze` does.
 *
 * POST /analyze {args, files?, copies?, stdin?} → {status, stdout, stderr}. `files` (name → text)
 * and `copies` (name → path in this checkout) are put in a fresh directory first, and "{dir}" in
 * `args` stands for it.
 * GET /bundle → {head, mtimeMs} of the cached bundle (or 404); POST /bundle/outdate rewrites the
 * source stamps on its first line, as if every source had changed since it was built.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

interface AnalyzeRequest {
  args: string[];
  files?: Record<string, string>;
  copies?: Record<string, string>;
  stdin?: string;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function run(
  root: string,
  args: string[],
  stdin: string | undefined,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts", "run.mjs"), "analyze", ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

export function cliService(root: string): (request: Request) => Promise<Response> {
  const bundle = path.join(root, ".build", "cli", "analyze.mjs");
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/bundle" && request.method === "GET") {
      if (!fs.existsSync(bundle)) return json({ error: "no bundle" }, 404);
      const head = fs.readFileSync(bundle, "utf8").split("\n", 1)[0] ?? "";
      return json({ head, mtimeMs: fs.statSync(bundle).mtimeMs });
    }
    if (pathname === "/bundle/outdate" && request.method === "POST") {
      const [head = "", ...rest] = fs.readFileSync(bundle, "utf8").split("\n");
      const start = head.indexOf("{");
      const inputs = JSON.parse(head.slice(start)) as Record<string, string>;
      for (const file of Object.keys(inputs)) inputs[file] = "0:0";
      fs.writeFileSync(bundle, [head.slice(0, start) + JSON.stringify(inputs), ...rest].join("\n"));
      return json({ outdated: Object.keys(inputs).length });
    }
    if (pathname === "/analyze" && request.method === "POST") {
      const body = await request.json<AnalyzeRequest>();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-cli-test-"));
      try {
        for (const [name, text] of Object.entries(body.files ?? {})) fs.writeFileSync(path.join(dir, name), text);
        for (const [name, from] of Object.entries(body.copies ?? {}))
          fs.copyFileSync(path.join(root, from), path.join(dir, name));
        const args = body.args.map((a) => a.replaceAll("{dir}", dir));
        return json(await run(root, args, body.stdin));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    return json({ error: `no route ${request.method} ${pathname}` }, 404);
  };
}
