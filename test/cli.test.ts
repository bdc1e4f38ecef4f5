/**
 * The analyze command line, run for real (`node scripts/run.mjs analyze`, as `npm run analyze` runs
 * it) by the CLI service binding on files this test sends: output, threads, errors, and the cached
 * bundle it runs from.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface Line {
  file: string;
  error?: string;
  attackVersion?: string;
  techniques?: { id: string; confidence: number; evidence: { text: string; start: number; end: number }[] }[];
}

async function cli(request: {
  args: string[];
  files?: Record<string, string>;
  copies?: Record<string, string>;
  stdin?: string;
}): Promise<Run> {
  const res = await env.CLI.fetch("http://cli/analyze", { method: "POST", body: JSON.stringify(request) });
  expect(res.status).toBe(200);
  return res.json<Run>();
}

async function bundle(): Promise<{ head: string; mtimeMs: number }> {
  const res = await env.CLI.fetch("http://cli/bundle");
  expect(res.status).toBe(200);
  return res.json();
}

const lines = (run: Run) =>
  run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
const ids = (line: Line | undefined) => (line?.techniques ?? []).map((t) => t.id);

const REPORT = [
  "The actor sent spearphishing emails with a malicious Word attachment to finance staff.",
  "When opened, the macro ran PowerShell to download a second-stage loader from a remote server.",
  "For persistence it created a scheduled task (T1053.005) that runs the loader every hour.",
].join("\n");
const OTHER = "Credentials were dumped from LSASS memory with Mimikatz, then used to move laterally over SMB.";

describe("analyze CLI", () => {
  it("maps a file to techniques, each with evidence that is the file's own text at its offsets", async () => {
    const run = await cli({ args: ["{dir}/report.txt"], files: { "report.txt": REPORT } });
    expect(run.status).toBe(0);
    const [line] = lines(run);
    expect(line?.file).toMatch(/report\.txt$/);
    expect(line?.attackVersion).toBe("18.1");
    expect(ids(line)).toEqual(expect.arrayContaining(["T1053.005", "T1059.001", "T1566.001"]));
    for (const t of line?.techniques ?? []) {
      expect(t.evidence.length).toBeGreaterThan(0);
      for (const e of t.evidence) expect(REPORT.slice(e.start, e.end)).toBe(e.text);
    }
  });

  it("reads PDF and HTML reports, and standard input", async () => {
    const run = await cli({
      args: ["{dir}/report.pdf", "{dir}/report.html", "-"],
      copies: {
        "report.pdf": "test/fixtures/documents/report.pdf",
        "report.html": "test/fixtures/documents/report.html",
      },
      stdin: OTHER,
    });
    expect(run.status).toBe(0);
    const [pdf, html, stdin] = lines(run);
    expect(ids(pdf)).toContain("T1566.001");
    expect(ids(html)).toContain("T1053.005");
    expect(stdin?.file).toBe("-");
    expect(ids(stdin)).toContain("T1003.001");
  });

  it("prints files in the order given, the same on one thread as on two", async () => {
    const files = { "a.txt": REPORT, "b.txt": OTHER, "c.txt": `${OTHER}\n${REPORT}` };
    const args = ["{dir}/c.txt", "{dir}/a.txt", "{dir}/b.txt"];
    const one = await cli({ args: ["--jobs", "1", ...args], files });
    const two = await cli({ args: ["--jobs", "2", ...args], files });
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(lines(one).map((l) => l.file.split("/").pop())).toEqual(["c.txt", "a.txt", "b.txt"]);
    // The temporary directories differ: compare all but the paths.
    const strip = (run: Run) => lines(run).map((l) => ({ ...l, file: l.file.split("/").pop() }));
    expect(strip(two)).toEqual(strip(one));
  });

  it("reports a file it cannot read on its own line, finishes the others, and exits 1", async () => {
    const run = await cli({
      args: ["{dir}/missing.txt", "{dir}/report.txt", "{dir}/locked.pdf"],
      files: { "report.txt": REPORT },
      copies: { "locked.pdf": "test/fixtures/documents/encrypted.pdf" },
    });
    expect(run.status).toBe(1);
    const [missing, report, locked] = lines(run);
    expect(missing?.error).toMatch(/missing\.txt|no such file/i);
    expect(ids(report)).toContain("T1053.005");
    expect(locked?.error).toMatch(/encrypted/);
  });

  it("stops with one clear line on bad settings: a file that is not a model, a threshold out of range, no files", async () => {
    const badModel = await cli({
      args: ["--model", "{dir}/model.json.gz", "{dir}/report.txt"],
      files: { "model.json.gz": "not a model", "report.txt": REPORT },
    });
    expect(badModel.status).toBe(1);
    expect(badModel.stdout).toBe("");
    expect(badModel.stderr.trim()).toMatch(/^error: .*model\.json\.gz is not a readable model: /);
    const threshold = await cli({ args: ["--threshold", "2", "{dir}/report.txt"], files: { "report.txt": REPORT } });
    expect(threshold.status).toBe(1);
    expect(threshold.stderr.trim()).toBe("error: --threshold takes a number between 0 and 1");
    const none = await cli({ args: [] });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^error: usage: npm run -s analyze/);
  });

  it("a higher threshold asserts a subset of the techniques", async () => {
    const low = await cli({ args: ["--threshold", "0.2", "{dir}/report.txt"], files: { "report.txt": REPORT } });
    const high = await cli({ args: ["--threshold", "0.9", "{dir}/report.txt"], files: { "report.txt": REPORT } });
    const [lowIds, highIds] = [ids(lines(low)[0]), ids(lines(high)[0])];
    expect(highIds.length).toBeLessThan(lowIds.length);
    expect(lowIds).toEqual(expect.arrayContaining(highIds));
  });
});

describe("analyze CLI's cached bundle (scripts/run.mjs)", () => {
  it("is reused while its sources are unchanged, and remade when they differ from what it records", async () => {
    const args = { args: ["{dir}/report.txt"], files: { "report.txt": REPORT } };
    const expected = ids(lines(await cli(args))[0]);
    const built = await bundle();
    expect(built.head).toMatch(/^\/\/ ttpscope-bundle v\d+ \{"/);
    expect(built.head).toContain('"scripts/analyze.ts"');
    expect(built.head).toContain('"src/analysis/engine.ts"');

    expect(ids(lines(await cli(args))[0])).toEqual(expected);
    expect((await bundle()).mtimeMs).toBe(built.mtimeMs);

    const outdated = await env.CLI.fetch("http://cli/bundle/outdate", { method: "POST" });
    expect(outdated.status).toBe(200);
    expect((await bundle()).head).toContain('"0:0"');
    expect(ids(lines(await cli(args))[0])).toEqual(expected);
    const rebuilt = await bundle();
    expect(rebuilt.head).not.toContain('"0:0"');
    expect(rebuilt.head).toBe(built.head);
  });
});
