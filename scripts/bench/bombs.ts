/**
 * @module Hostile documents (bomb-corpus.ts) against the Worker under `wrangler dev`: each is sent
 * where a caller would send it (the synchronous route when it fits in 1 MB, else a workflow
 * followed to its end, or a detections import) for its outcome, its time and the peak resident
 * memory of workerd meanwhile (sampled from outside, so synchronous work is seen too). Then Node
 * runs the same code on it in a child process (bomb-probe.ts) for the peak JS heap.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describeError } from "../../src/errors";
import { ROOT } from "../lib/cli";
import { workerdMemoryMb } from "../lib/rss";
import { BOMBS, type Bomb, type Doc } from "./bomb-corpus";
import { attackLoad, runScript, startDev } from "./harness";
import type { Row } from "./table";

interface WorkerRun {
  outcome: string;
  seconds: number;
  workerdMb: number | null;
}

interface NodeRun {
  outcome: string;
  seconds: number;
  heapMb: number;
  rssMb: number;
}

export async function benchBombs(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ttpscope-bombs-"));
  const dev = await startDev(dir); // boots while the data loads
  try {
    attackLoad(dir);
    runScript("model-load.ts", ["--persist-to", dir]);
    const key = runScript("key-create.ts", ["--tenant", "bench", "--admin", "--persist-to", dir]);
    await dev.ready();
    const call = (p: string, init: RequestInit = {}) =>
      fetch(`${dev.base}/api/v1${p}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string> | undefined) },
      });
    const account = await call("/accounts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "bench", provider: "aws", identifier: "1", environment: "dev", criticality: "low" }),
    });
    const { id: accountId } = await account.json<{ id: string }>();
    // One analysis first: the model is loaded once per isolate, not on a bomb's account.
    await call("/analyze", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "The actor used PowerShell to run a loader.",
    });
    const rows: Row[] = [
      [
        "Hostile documents: the Worker's answer; s; workerd peak RSS over its RSS before, MB",
        "",
        "4xx or failed; ≤ 25; ≤ 128",
      ],
    ];
    for (const [index, bomb] of BOMBS.entries()) {
      const doc = await bomb.make();
      const file = path.join(dir, `bomb-${index}`);
      fs.writeFileSync(file, doc.body);
      fs.writeFileSync(`${file}.type`, doc.contentType);
      const worker = await sendToWorker(bomb, doc, { call, accountId, pid: dev.pid });
      const node = probe(index, file);
      process.stderr.write(`bombs: ${bomb.name}: ${JSON.stringify({ worker, node })}\n`);
      const size =
        doc.body.length >= 1e6 ? `${(doc.body.length / 1e6).toFixed(1)} MB` : `${Math.ceil(doc.body.length / 1e3)} KB`;
      rows.push(
        [
          `  ${bomb.name} (${size})`,
          `${worker.outcome}; ${worker.seconds.toFixed(1)} s; +${worker.workerdMb ?? "?"} MB`,
          "",
        ],
        [
          `    Node: ${node.outcome}`,
          `${node.seconds.toFixed(1)} s; heap ${node.heapMb.toFixed(1)} MB; RSS +${node.rssMb.toFixed(0)} MB`,
          "",
        ],
      );
    }
    return rows;
  } finally {
    dev.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Call = (p: string, init?: RequestInit) => Promise<Response>;

async function sendToWorker(
  bomb: Bomb,
  doc: Doc,
  { call, accountId, pid }: { call: Call; accountId: string; pid: number | undefined },
): Promise<WorkerRun> {
  const before = pid ? (workerdMemoryMb(pid, "VmRSS") ?? 0) : 0;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, pid ? (workerdMemoryMb(pid, "VmRSS") ?? 0) : 0);
  }, 20);
  const t0 = performance.now();
  try {
    const path = bomb.route === "import" ? `/accounts/${accountId}/detections/import` : `/${bomb.route}`;
    const send = () =>
      call(path, {
        method: "POST",
        headers: { "content-type": doc.contentType },
        body: doc.body,
        signal: AbortSignal.timeout(WORKFLOW_DEADLINE_MS),
      });
    // wrangler dev closes sockets idle for 5 s (the probe takes longer): a request on a closed one
    // fails before it is sent, so it is sent once more.
    let res: Response;
    try {
      res = await send().catch((e: unknown) => {
        if (performance.now() - t0 < 1000) return send();
        throw e;
      });
    } catch (e) {
      return { outcome: `no answer: ${describeError(e)}`, seconds: (performance.now() - t0) / 1000, workerdMb: null };
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    let outcome = describe(res.status, body);
    if (res.status === 202 && typeof body["workflowId"] === "string") outcome = await follow(call, body["workflowId"]);
    return { outcome, seconds: (performance.now() - t0) / 1000, workerdMb: pid ? peak - before : null };
  } finally {
    clearInterval(sampler);
  }
}

/** "422 document_too_complex (pdf_pages)", "200, 1 file refused: …". */
function describe(status: number, body: Record<string, unknown>): string {
  const error = body["error"] as { code?: string; message?: string } | undefined;
  if (error) return `${status} ${error.code ?? ""}${capOf(error.message)}`;
  const errors = body["errors"] as { message: string }[] | undefined;
  if (errors?.length) return `${status}, file refused: ${errors[0]?.message.slice(0, 50)}`;
  return String(status);
}

const capOf = (message = "") => /^document too complex (\(\w+\))/.exec(message)?.[1]?.replace(/^/, " ") ?? "";

/** How long a workflow may take before the bench gives up on it. */
const WORKFLOW_DEADLINE_MS = 180_000;

/** Polls a workflow to its end: "workflow failed (pdf_pages)", "workflow completed", or no end. */
async function follow(call: Call, id: string): Promise<string> {
  const deadline = Date.now() + WORKFLOW_DEADLINE_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    // A Worker busy with a step may not answer at once: ask again until the deadline.
    const res = await call(`/analyses/${id}`, { signal: AbortSignal.timeout(20_000) }).catch(() => null);
    const s = await res?.json<{ status: string; error: string | null }>().catch(() => null);
    if (s && ["completed", "failed", "cancelled"].includes(s.status)) {
      const cap = capOf(s.error ?? "");
      return `workflow ${s.status}${cap || (s.error ? `: ${s.error.slice(0, 50)}` : "")}`;
    }
  }
  return `workflow not ended after ${WORKFLOW_DEADLINE_MS / 1000} s`;
}

function probe(index: number, file: string): NodeRun {
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", path.join(ROOT, "scripts", "bench", "bomb-probe.ts"), String(index), file],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 },
  );
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (!line.startsWith("{"))
    return { outcome: `probe failed: ${r.stderr.slice(-200)}`, seconds: 0, heapMb: NaN, rssMb: NaN };
  return JSON.parse(line) as NodeRun;
}
