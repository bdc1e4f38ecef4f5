/**
 * Exports: the CSV writer (parsed back equal, hostile cells inert), name-based UUIDs, a report as a
 * STIX 2.1 bundle validated against the OASIS schemas (test/fixtures/stix2-schemas), the CSV
 * routes, and the MCP `export` tool answering what REST serves.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { env } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell, toCsv } from "../src/lib/csv";
import { uuidV5 } from "../src/lib/uuid";
import * as fixtures from "./coverage-fixtures";
import { api, callTool, connectMcp, dataOf, json, loadShippedAttackAndModel, newTenantKey, postJson } from "./helpers";

/** RFC 4180 as a spreadsheet reads it: quoted or bare cells, `""` inside quotes, CRLF (or LF) rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") endCell();
    else if (ch === "\n") endRow();
    else if (ch === "\r" && text[i + 1] === "\n") {
      i++;
      endRow();
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) endRow();
  return rows;
}

const HOSTILE = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")'];

/** A cell a spreadsheet would not run: nothing it starts with makes it a formula. */
const inert = (cell: string) => !/^[=+\-@\t\r]/.test(cell);

describe("CSV writer", () => {
  it("writes a header and rows that parse back to the same cells", () => {
    const rows = [
      ["plain", 'a "quoted" word', "comma, inside", "line\nbreak", "crlf\r\ninside", ""],
      ["ünïcødé ✓", 3, 0.5, true, null, undefined],
    ];
    const text = toCsv(["a", "b", "c", "d", "e", "f"], rows);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c", "d", "e", "f"],
      rows[0],
      ["ünïcødé ✓", "3", "0.5", "true", "", ""],
    ]);
  });

  it("makes every formula-like cell inert, keeping its text after the quote", () => {
    const parsed = parseCsv(toCsv(HOSTILE, [HOSTILE]));
    for (const row of parsed) {
      expect(row.every(inert), JSON.stringify(row)).toBe(true);
      expect(row.map((c) => c.slice(1))).toEqual(HOSTILE);
    }
    // Numbers are the server's own: a negative one stays a number.
    expect(csvCell(-1.5)).toBe('"-1.5"');
    expect(csvCell("-1.5")).toBe(`"'-1.5"`);
  });
});

describe("UUIDv5", () => {
  it("matches the RFC's example and is stable", async () => {
    // RFC 9562 appendix A.4: the DNS namespace and www.example.com.
    expect(await uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });
});

const SCHEMA_BASE = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/";

/**
 * The schema with its regular expressions valid under the `u` flag JSON Schema asks for: core.json
 * writes `\-` outside a character class (four times), which only the legacy syntax accepts; there it
 * is a plain `-`, so that is what it becomes. The fixture files stay as OASIS wrote them.
 */
function unicodeSafe(value: unknown, key = ""): unknown {
  const fix = (re: string) => {
    try {
      new RegExp(re, "u");
      return re;
    } catch {
      return re.replaceAll("\\-", "-");
    }
  };
  if (key === "pattern" && typeof value === "string") return fix(value);
  if (Array.isArray(value)) return value.map((v) => unicodeSafe(v));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [key === "patternProperties" ? fix(k) : k, unicodeSafe(v, k)]),
  );
}

/** A validator of `path` (e.g. common/bundle.json) with every schema added by its `$id`. */
function stixValidator(path: string): Validator {
  const schemas = env.STIX_SCHEMAS.map((s) => unicodeSafe(s) as Schema & { $id: string });
  const root = schemas.find((s) => s.$id === SCHEMA_BASE + path);
  if (!root) throw new Error(`no schema ${path}: copy it into test/fixtures/stix2-schemas`);
  const validator = new Validator(root, "2020-12", false);
  for (const s of schemas) if (s !== root) validator.addSchema(s, s.$id);
  return validator;
}

function problems(validator: Validator, instance: unknown): string[] {
  const result = validator.validate(instance);
  return result.valid ? [] : result.errors.slice(-8).map((e) => `${e.instanceLocation}: ${e.error}`);
}

type StixObject = { type: string; id: string } & Record<string, unknown>;
interface Bundle {
  type: string;
  id: string;
  objects: StixObject[];
}

let key: string;
let reportId: string;
let rejected: string;
/** Added by hand with hostile evidence (the analysis does not find it in TEXT). */
const MANUAL = "T1221";
/** What the bundle and the CSV hold: the analysis' techniques and MANUAL, less the rejected one. */
let expected: string[];

const TEXT = [
  "The actor used T1059 and then PowerShell (T1059.001) to run encoded commands.",
  "It created scheduled tasks with schtasks (T1053.005) for persistence.",
  "The lure held the cell =cmd|' /C calc'!A0 for a user to open.",
].join(" ");

beforeAll(async () => {
  await loadShippedAttackAndModel();
  key = (await newTenantKey("exports-tenant", "admin")).key;
  const report = await json<{ reportId: string; techniques: { id: string; matchId: string }[] }>(
    await postJson("/api/v1/analyze", key, { text: TEXT, title: "Exports test report" }),
  );
  reportId = report.reportId;
  const ids = report.techniques.map((t) => t.id);
  expect(ids).toEqual(expect.arrayContaining(["T1059", "T1059.001", "T1053.005"]));
  const added = await postJson(`/api/v1/reports/${reportId}/techniques`, key, {
    technique: MANUAL,
    evidence: "=cmd|' /C calc'!A0",
  });
  expect(added.status, await added.clone().text()).toBe(201);
  const reject = report.techniques.find((t) => t.id === "T1053.005");
  rejected = reject?.id ?? "";
  expected = [...ids.filter((id) => id !== rejected), MANUAL].sort();
  const fb = await postJson(`/api/v1/reports/${reportId}/matches/${reject?.matchId}/feedback`, key, {
    verdict: "reject",
  });
  expect(fb.status).toBe(201);
});

describe("STIX export", () => {
  it("is a STIX 2.1 bundle the OASIS schemas accept, each object by its own schema too", async () => {
    const res = await api(`/api/v1/reports/${reportId}/stix`, key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/stix+json");
    const bundle = await json<Bundle>(res);
    expect(problems(stixValidator("common/bundle.json"), bundle)).toEqual([]);
    const folders: Record<string, string> = { relationship: "sros", bundle: "common" };
    for (const o of bundle.objects) {
      expect(problems(stixValidator(`${folders[o.type] ?? "sdos"}/${o.type}.json`), o), o.id).toEqual([]);
    }
    // Why the evidence is not in notes: OASIS's bundle schema refuses every note.
    const note = {
      type: "note",
      spec_version: "2.1",
      id: "note--0b6b3a3e-6a63-4d1a-9c55-3c0a1e6f1a01",
      created: "2026-01-01T00:00:00.000Z",
      modified: "2026-01-01T00:00:00.000Z",
      content: "evidence",
      object_refs: [bundle.objects[0]?.id],
    };
    expect(problems(stixValidator("sdos/note.json"), note)).toEqual([]);
    expect(problems(stixValidator("common/bundle.json"), { ...bundle, objects: [note] })).not.toEqual([]);
    // The schemas refuse what they do not know: a made-up type is no STIX object.
    const broken = { ...bundle, objects: [...bundle.objects, { type: "attack-pattern", id: "nope" }] };
    expect(problems(stixValidator("common/bundle.json"), broken)).not.toEqual([]);
  });

  it("has the identity, the report referring to everything, attack-patterns with ATT&CK references, evidence and relationships", async () => {
    const bundle = await json<Bundle>(await api(`/api/v1/reports/${reportId}/stix`, key));
    const of = (type: string) => bundle.objects.filter((o) => o.type === type);
    const [identity] = of("identity");
    expect(identity?.name).toBe("TTPscope");
    const [report] = of("report");
    expect(report?.name).toBe("Exports test report");
    expect(new Set(report?.object_refs as string[])).toEqual(
      new Set(bundle.objects.filter((o) => o.type !== "report").map((o) => o.id)),
    );
    const patterns = of("attack-pattern");
    const refOf = (p: StixObject) =>
      (p.external_references as { source_name: string; external_id: string; url: string }[])[0];
    expect(patterns.map((p) => refOf(p)?.external_id).sort()).toEqual(expected);
    expect(patterns.map(refOf)).toContainEqual({
      source_name: "mitre-attack",
      external_id: "T1059.001",
      url: "https://attack.mitre.org/techniques/T1059/001/",
    });
    // The rejected match is no finding.
    expect(patterns.some((p) => refOf(p)?.external_id === rejected)).toBe(false);
    const byAttackId = new Map(patterns.map((p) => [refOf(p)?.external_id, p.id]));
    const manual = patterns.find((p) => p.id === byAttackId.get(MANUAL));
    expect(manual?.description).toContain("Evidence:\n> =cmd|' /C calc'!A0");
    expect(of("relationship")).toEqual([
      expect.objectContaining({
        relationship_type: "subtechnique-of",
        source_ref: byAttackId.get("T1059.001"),
        target_ref: byAttackId.get("T1059"),
      }),
    ]);
    for (const o of bundle.objects.filter((x) => x.type !== "identity")) expect(o.created_by_ref).toBe(identity?.id);
  });

  it("gives the same bundle, ids included, on every export", async () => {
    const first = await (await api(`/api/v1/reports/${reportId}/stix`, key)).text();
    const second = await (await api(`/api/v1/reports/${reportId}/stix`, key)).text();
    expect(second).toBe(first);
  });

  it("is a 404 for a report the tenant does not have", async () => {
    expect((await api(`/api/v1/reports/${crypto.randomUUID()}/stix`, key)).status).toBe(404);
  });
});

describe("CSV exports", () => {
  it("lists the report's techniques, parsed back equal to the report, the hostile evidence inert", async () => {
    const res = await api(`/api/v1/reports/${reportId}/techniques.csv`, key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = parseCsv(await res.text());
    expect(header).toEqual(["technique_id", "name", "tactics", "confidence", "method", "feedback", "evidence"]);
    const report = await json<{
      techniques: { id: string; name: string; method: string; confidence: number; feedback?: string }[];
    }>(await api(`/api/v1/reports/${reportId}`, key));
    const kept = report.techniques.filter((t) => t.feedback !== "reject");
    expect(rows.map((r) => [r[0], r[1], r[4], Number(r[3])])).toEqual(
      kept.map((t) => [t.id, t.name, t.method, Number(t.confidence.toFixed(3))]),
    );
    expect(rows.find((r) => r[0] === "T1059.001")?.[2]).toBe("Execution");
    const manual = rows.find((r) => r[0] === MANUAL);
    expect(manual?.[6]).toBe("'=cmd|' /C calc'!A0");
    expect(rows.flat().every(inert)).toBe(true);
  });

  it("lists an account's gaps as its gaps list does, a hostile reason inert", async () => {
    const account = await fixtures.seedAccount(key, fixtures.RULES);
    const list = await json<{
      items: { techniqueId: string; riskScore: number; detectionScore: number }[];
      nextCursor: string | null;
    }>(await api(`/api/v1/accounts/${account}/gaps?limit=100`, key));
    const res = await api(`/api/v1/accounts/${account}/gaps.csv`, key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = parseCsv(await res.text());
    expect(header?.[0]).toBe("technique_id");
    const col = (name: string) => header?.indexOf(name) ?? -1;
    expect(
      rows
        .slice(0, list.items.length)
        .map((r) => [r[0], Number(r[col("risk_score")]), Number(r[col("detection_score")])]),
    ).toEqual(list.items.map((g) => [g.techniqueId, g.riskScore, g.detectionScore]));
    // The untagged Mimikatz rule's pending inference maps to T1003.001: a gap some rule maps to.
    expect(rows.find((r) => r[0] === "T1003.001")?.[col("detection_score")]).toBe("0");
    expect(rows.find((r) => r[0] === "T1595")?.[col("detection_score")]).toBe("-1");
    const first = list.items[0]?.techniqueId ?? "";
    const set = await api(`/api/v1/accounts/${account}/gaps/${first}/status`, key, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "accepted_risk", reason: "@SUM(1+1)*cmd|' /C calc'!A0" }),
    });
    expect(set.status, await set.clone().text()).toBe(200);
    const accepted = parseCsv(
      await (await api(`/api/v1/accounts/${account}/gaps.csv?status=accepted_risk`, key)).text(),
    );
    expect(accepted).toHaveLength(2);
    expect(accepted[1]?.[0]).toBe(first);
    expect(accepted[1]?.[accepted[0]?.indexOf("reason") ?? -1]).toBe("'@SUM(1+1)*cmd|' /C calc'!A0");
    expect((await api(`/api/v1/accounts/${crypto.randomUUID()}/gaps.csv`, key)).status).toBe(404);
  });
});

describe("MCP export", () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectMcp(key);
  });
  afterAll(async () => {
    await client.close();
  });

  interface Exported {
    format: string;
    name: string;
    items: number;
    download: string;
    mediaType: string;
    content?: unknown;
  }
  const exported = async (args: Record<string, unknown>) => dataOf(await callTool(client, "export", args)) as Exported;

  it("stix with include_content is the bundle REST serves, ids and all", async () => {
    const rest = await json<Bundle>(await api(`/api/v1/reports/${reportId}/stix`, key));
    const out = await exported({ format: "stix", report_id: reportId, include_content: true });
    expect(out).toMatchObject({
      format: "stix",
      name: "Exports test report",
      items: rest.objects.length,
      download: `/api/v1/reports/${reportId}/stix`,
      mediaType: "application/stix+json;version=2.1",
    });
    const bundle = out.content as Bundle;
    expect(bundle.id).toBe(rest.id);
    expect(bundle.objects.map((o) => o.id)).toEqual(rest.objects.map((o) => o.id));
    expect(bundle).toEqual(rest);
  });

  it("csv of a report is the REST CSV text; of an account, the REST gaps CSV", async () => {
    const techniques = await exported({ format: "csv", report_id: reportId, include_content: true });
    const restTechniques = await (await api(`/api/v1/reports/${reportId}/techniques.csv`, key)).text();
    expect(techniques.content).toBe(restTechniques);
    expect(techniques).toMatchObject({
      items: parseCsv(restTechniques).length - 1,
      download: `/api/v1/reports/${reportId}/techniques.csv`,
      mediaType: "text/csv; charset=utf-8",
    });
    expect(techniques.items).toBe(expected.length);

    const account = await fixtures.seedAccount(key, fixtures.RULES);
    const gaps = await exported({ format: "csv", account_id: account, include_content: true });
    const restGaps = await (await api(`/api/v1/accounts/${account}/gaps.csv`, key)).text();
    expect(gaps.content).toBe(restGaps);
    expect(gaps.items).toBe(parseCsv(restGaps).length - 1);
    expect(gaps.items).toBeGreaterThan(0);
    expect(gaps.download).toBe(`/api/v1/accounts/${account}/gaps.csv`);
  });

  it("answers a navigator layer by reference by default, without its content", async () => {
    const out = await exported({ report_id: reportId });
    expect(out).toEqual({
      format: "navigator",
      name: expect.any(String),
      items: expected.length,
      download: `/api/v1/reports/${reportId}/layer`,
      mediaType: "application/json",
    });
  });

  it("refuses what makes no sense, saying what to pass", async () => {
    for (const args of [{ format: "stix" }, {}, { format: "csv" }]) {
      const result = await callTool(client, "export", args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect((result.content[0] as { text: string }).text).toMatch(/report_id/);
    }
  });
});
