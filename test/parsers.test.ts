/**
 * @module Detection-rule parsers: small inline rules for each format and failure, then the real
 * Sigma, Splunk and Elastic corpora in ../shared/data/rules, checked against counts taken from
 * the raw text with plain regexes.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  detectFormat,
  PARSER_VERSION,
  parseRule,
  type ParsedRule,
  type ParseResult,
  type RuleFormat,
} from "../src/coverage/parsers";
import { listFixtures, readCorpus } from "./helpers";

function parsed(format: RuleFormat, path: string, content: string): ParsedRule {
  const r = parseRule(format, path, content);
  if (!r.ok) throw new Error(`expected ${path} to parse: ${r.error}`);
  return r.rule;
}

function failure(format: RuleFormat, path: string, content: string): string {
  const r = parseRule(format, path, content);
  if (r.ok) throw new Error(`expected ${path} to fail`);
  expect(r.error).not.toContain("\n");
  return r.error;
}

const SIGMA = `title: Suspicious Encoded PowerShell
id: 0b4f4a1e-0000-4000-8000-000000000001
status: test
description: Encoded command line
author: Someone
date: 2024-01-02
modified: 2024-06-30
tags: [attack.execution, attack.t1059.001, attack.T1059.001, attack.ta0002, attack.g0016, attack.s0002, attack.t1027]
logsource: { category: process_creation, product: windows, definition: not kept }
detection:
    selection_img:
        - Image|endswith: '\\powershell.exe'
        - OriginalFileName: PowerShell.EXE
    selection_cli:
        CommandLine|contains|all: [' -enc ', 'JAB']
    keywords: ['IEX']
    condition: all of selection_* or keywords
level: high
`;

describe("parsers: inline rules", () => {
  it("Sigma: ids from attack.t tags only, detection fields, condition, logsource", () => {
    const rule = parsed("sigma", "rules/windows/x.yml", SIGMA);
    expect(rule).toMatchObject({
      ruleId: "0b4f4a1e-0000-4000-8000-000000000001",
      name: "Suspicious Encoded PowerShell",
      status: "enabled",
      severity: "high",
      author: "Someone",
      modified: "2024-06-30",
      techniqueIds: ["T1027", "T1059.001"],
      tacticIds: ["TA0002"],
      logic: {
        entities: ["CommandLine", "Image", "OriginalFileName"],
        conditions: ["all of selection_* or keywords"],
        logsource: { category: "process_creation", product: "windows" },
      },
      parseConfidence: 1,
    });
    expect(rule.tags).toHaveLength(7);
    expect(PARSER_VERSION).toBe("1");
  });

  it("Sigma: status from the rule and the folder; first document of several; bare rules score lower", () => {
    const bare = "title: t\nid: i\n";
    expect(parsed("sigma", "rules/x.yml", bare).parseConfidence).toBeLessThan(0.5);
    expect(parsed("sigma", "deprecated/windows/x.yml", bare).status).toBe("deprecated");
    expect(parsed("sigma", "x.yml", `${bare}status: deprecated\n`).status).toBe("deprecated");
    expect(parsed("sigma", "x.yml", `${bare}status: unsupported\n`).status).toBe("disabled");
    expect(parsed("sigma", "x.yml", `${bare}status: experimental\n`).status).toBe("enabled");
    const multi = parsed(
      "sigma",
      "x.yml",
      `action: global\n${bare}tags: [attack.t1003]\n---\nlogsource: {product: linux}\n`,
    );
    expect(multi.techniqueIds).toEqual(["T1003"]);
    expect(multi.logic.logsource).toEqual({});
  });

  it("Sigma: broken indentation, a list document and a missing id fail with a reason", () => {
    expect(failure("sigma", "x.yml", "title: t\n  id: i\ndetection:\n   sel: 1\n  condition: sel\n")).toMatch(
      /^invalid YAML: .*line \d+, column \d+$/,
    );
    expect(failure("sigma", "x.yml", "- title: t\n")).toBe("Sigma file is not a YAML mapping (it is a list)");
    expect(failure("sigma", "x.yml", "")).toMatch(/empty/);
    expect(failure("sigma", "x.yml", "title: t\nstatus: test\n")).toBe("Sigma rule has no `id`");
    expect(failure("sigma", "x.yml", "id: i\n")).toBe("Sigma rule has no `title`");
    // An alias bomb is refused, not expanded.
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefg"[i]}`).join(", ")}]`),
    ];
    expect(failure("sigma", "x.yml", `title: t\nid: i\n${bomb.join("\n")}\n`)).toMatch(/^invalid YAML: .*alias/i);
    // So is a nest of flow sequences, before the parser recurses into it; a stray quote in a plain
    // scalar does not hide one, and brackets inside quoted strings are not a nest.
    const deep = "Sigma file nests flow collections more than 64 deep";
    for (const nest of ["[".repeat(400_000), `[a 'b, ${"[".repeat(100)}`, `[it's, ${"{".repeat(100)}`]) {
      expect(failure("sigma", "x.yml", `title: t\nid: i\nx: ${nest}\n`)).toBe(deep);
    }
    for (const fine of [`${"[".repeat(60)}${"]".repeat(60)}`, `'${"${".repeat(100)}'`, `["${"{".repeat(100)}"]`]) {
      const r = parseRule("sigma", "x.yml", `title: t\nid: i\nx: ${fine}\n`);
      expect(r.ok ? "parsed" : r.error).not.toBe(deep);
    }
  });

  it("Splunk: mitre_attack_id, required fields, clipped search, data sources, risk score", () => {
    const search = `| tstats count from datamodel=Endpoint.Processes where Processes.process_name=cmd.exe ${"x".repeat(3000)}`;
    const yml = `name: Windows Cmd Spawned
id: 11111111-2222-3333-4444-555555555555
version: 3
date: '2024-09-30'
author: Analyst, Splunk
status: production
type: TTP
description: Cmd spawned.
data_source: [Sysmon EventID 1, Windows Event Log Security 4688]
search: '${search}'
tags:
  analytic_story: [Living Off The Land]
  confidence: 80
  impact: 50
  mitre_attack_id: [t1059.003, T1574.002, T1059.003]
  required_fields: [_time, Processes.process_name]
  risk_score: 40
`;
    const rule = parsed("splunk", "detections/endpoint/x.yml", yml);
    expect(rule).toMatchObject({
      ruleId: "11111111-2222-3333-4444-555555555555",
      status: "enabled",
      severity: "40",
      author: "Analyst, Splunk",
      modified: "2024-09-30",
      techniqueIds: ["T1059.003", "T1574.002"],
      tacticIds: [],
      tags: ["Living Off The Land", "t1059.003", "T1574.002", "T1059.003"],
      logic: {
        entities: ["Processes.process_name", "_time"],
        logsource: { data_source: "Sysmon EventID 1, Windows Event Log Security 4688" },
      },
      parseConfidence: 1,
    });
    expect(rule.logic.conditions[0]).toHaveLength(2000);
    expect(parsed("splunk", "detections/deprecated/x.yml", yml).status).toBe("deprecated");
    expect(parsed("splunk", "x.yml", yml.replace("status: production", "status: deprecated")).status).toBe(
      "deprecated",
    );
    expect(failure("splunk", "x.yml", yml.replace(/^id: .*\n/m, ""))).toBe("Splunk detection has no `id`");
  });

  const ELASTIC = `[metadata]
creation_date = "2020/01/01"
maturity = "development"
updated_date = "2025/02/03"
[rule]
author = ["Elastic", "Someone"]
description = "Creates a service."
index = ["logs-endpoint.events.*", "winlogbeat-*"]
language = "eql"
name = "Service Created"
rule_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
severity = "medium"
tags = ["OS: Windows", "Tactic: Persistence"]
type = "eql"
query = '''
process where process.name == "sc.exe"
'''
required_fields = [{ name = "process.name", type = "keyword" }]
[[rule.threat]]
framework = "MITRE ATT&CK"
  [[rule.threat.technique]]
  id = "T1543"
    [[rule.threat.technique.subtechnique]]
    id = "T1543.003"
  [[rule.threat.technique]]
  id = "T1547"
    [[rule.threat.technique.subtechnique]]
    id = "t1547.011"
  [rule.threat.tactic]
  id = "TA0003"
[[rule.threat]]
framework = "MITRE ATLAS"
[[rule.threat.technique]]
id = "AML.T0051"
[rule.threat.tactic]
id = "AML.TA0005"
`;

  it("Elastic: techniques and sub-techniques, tactics, ATLAS skipped, maturity and folder status", () => {
    const rule = parsed("elastic", "rules/windows/x.toml", ELASTIC);
    expect(rule).toMatchObject({
      ruleId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
      name: "Service Created",
      status: "disabled",
      severity: "medium",
      author: "Elastic, Someone",
      modified: "2025/02/03",
      tags: ["OS: Windows", "Tactic: Persistence"],
      techniqueIds: ["T1543", "T1543.003", "T1547", "T1547.011"],
      tacticIds: ["TA0003"],
      logic: {
        entities: ["process.name"],
        conditions: ['process where process.name == "sc.exe"'],
        logsource: { index: "logs-endpoint.events.*, winlogbeat-*", type: "eql", language: "eql" },
      },
      parseConfidence: 1,
    });
    expect(parsed("elastic", "rules/_deprecated/x.toml", ELASTIC).status).toBe("deprecated");
    expect(parsed("elastic", "x.toml", ELASTIC.replace('"development"', '"production"')).status).toBe("enabled");
  });

  it("Elastic: TOML syntax errors, no [rule] table, a missing rule_id fail with a reason", () => {
    expect(failure("elastic", "x.toml", '[rule]\nname = "unterminated\nrule_id = "x"\n')).toMatch(
      /^invalid TOML: .+ \(line 2, column \d+\)$/,
    );
    expect(failure("elastic", "x.toml", '[metadata]\nmaturity = "production"\n')).toBe(
      "Elastic rule has no [rule] table",
    );
    expect(failure("elastic", "x.toml", ELASTIC.replace(/^rule_id = .*\n/m, ""))).toBe(
      "Elastic rule has no [rule] `rule_id`",
    );
  });

  it("never throws, whatever the input", () => {
    const junk = [
      "\u0000\u0001",
      "{{{{",
      "]]]",
      "key: [unclosed",
      '"',
      "a = 1\na = 2",
      "\uFEFF",
      "title: [a]\nid: {b: 1}\n",
      "rule = 5",
      "[rule]\nrule_id = [1]",
    ];
    for (const format of ["sigma", "splunk", "elastic"] as const) {
      for (const j of junk) expect(typeof parseRule(format, "x", j).ok).toBe("boolean");
    }
  });

  it("guesses the format from the path only when it can", () => {
    expect(detectFormat("rules/windows/x.toml")).toBe("elastic");
    expect(detectFormat("sigma/rules/windows/x.yml")).toBe("sigma");
    expect(detectFormat("security_content/detections/endpoint/x.yaml")).toBe("splunk");
    expect(detectFormat("detections/x.yml")).toBeNull();
    expect(detectFormat("sigma/README.md")).toBeNull();
  });
});

/** What each corpus is checked against: regexes over the raw text, and the figures known about it. */
interface CorpusSpec {
  format: RuleFormat;
  dir: string;
  files: number;
  /** Technique ids the file's text names where the format puts them. */
  idsInText: (text: string) => string[];
  /** A file that names techniques at all (technique tag, mitre_attack_id, technique table). */
  techniqueMarker: RegExp;
  ruleIdInText: RegExp;
  deprecated: (path: string, text: string) => boolean;
  disabled?: (text: string) => boolean;
  /** Ids some rule must carry (revoked in ATT&CK 18.1: the caller maps them). */
  mustContain?: string[];
}

const upperAll = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => (m[1] ?? "").toUpperCase());
const SPECS: CorpusSpec[] = [
  {
    format: "sigma",
    dir: "/shared/rules/sigma",
    files: 3708,
    idsInText: (t) => upperAll(t, /^\s*-\s*['"]?attack\.(t\d{4}(?:\.\d{3})?)['"]?\s*(?:#.*)?$/gim),
    techniqueMarker: /^\s*-\s*['"]?attack\.t\d/im,
    ruleIdInText: /^id:\s*['"]?([^\s'"]+)/m,
    deprecated: (p, t) => /(^|\/)deprecated\//i.test(p) || /^status:\s*deprecated\b/m.test(t),
    disabled: (t) => /^status:\s*unsupported\b/m.test(t),
  },
  {
    format: "splunk",
    dir: "/shared/rules/splunk",
    files: 1711,
    techniqueMarker: /mitre_attack_id/,
    idsInText: (t) =>
      upperAll(/^\s*mitre_attack_id:[ \t]*\n((?:[ \t]*-[^\n]*\n?)+)/m.exec(t)?.[1] ?? "", /(T\d{4}(?:\.\d{3})?)/gi),
    ruleIdInText: /^id:\s*['"]?([^\s'"]+)/m,
    deprecated: (p, t) => /(^|\/)deprecated\//.test(p) || /^status:\s*deprecated\b/m.test(t),
    mustContain: ["T1574.002"],
  },
  {
    format: "elastic",
    dir: "/shared/rules/elastic",
    files: 2064,
    techniqueMarker: /^\s*\[\[rule\.threat\.technique\]\]/m,
    idsInText: (t) => upperAll(t, /^\s*id\s*=\s*"(T\d{4}(?:\.\d{3})?)"/gim),
    ruleIdInText: /^rule_id\s*=\s*"([^"]+)"/m,
    deprecated: (p, t) => /(^|\/)_deprecated\//.test(p) || /^maturity\s*=\s*"deprecated"/m.test(t),
    disabled: (t) => /^maturity\s*=\s*"development"/m.test(t),
    mustContain: ["T1547.011"],
  },
];

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function loadCorpus(spec: CorpusSpec) {
  const listed = await listFixtures(spec.dir);
  // LICENSE, README and other non-rule files sit beside the rules.
  const corpus = await readCorpus(spec.dir, /\.(ya?ml|toml)$/i);
  const files = corpus.map((f) => f.path);
  const texts = corpus.map((f) => f.content);
  await tick();
  const started = Date.now();
  const results: ParseResult[] = [];
  for (const [i, f] of files.entries()) {
    results.push(parseRule(spec.format, f, texts[i] ?? ""));
    // workerd's clock only moves across I/O: yield now and then so the time measured is real.
    if (i % 200 === 199) await tick();
  }
  await tick();
  return { files, texts, results, skipped: listed.length - files.length, parseMs: Date.now() - started };
}

describe.skipIf(!env.HAS_SHARED_DATA)("parsers: rule corpora (need ../shared/data/rules)", () => {
  for (const spec of SPECS)
    it(`${spec.format}: every rule file parses or says why; ids and status match the raw text`, async () => {
      const { files, texts, results, skipped, parseMs } = await loadCorpus(spec);
      expect(files).toHaveLength(spec.files);
      const errors: string[] = [];
      const mismatches: string[] = [];
      const parsedIds = new Set<string>();
      const textIds = new Set<string>();
      let [withTechnique, marked, markedOk, withTactic, threatTables] = [0, 0, 0, 0, 0];
      for (const [i, r] of results.entries()) {
        const [path, text] = [files[i] ?? "", texts[i] ?? ""];
        const isMarked = spec.techniqueMarker.test(text);
        if (isMarked) marked++;
        if (!r.ok) {
          errors.push(`${path}: ${r.error}`);
          continue;
        }
        if (isMarked) markedOk++;
        if (/^\s*\[\[rule\.threat\]\]/m.test(text)) threatTables++;
        const expected = [...new Set(spec.idsInText(text))].sort();
        expected.forEach((id) => textIds.add(id));
        r.rule.techniqueIds.forEach((id) => parsedIds.add(id));
        if (r.rule.techniqueIds.length > 0) withTechnique++;
        if (r.rule.tacticIds.length > 0) withTactic++;
        const status = spec.deprecated(path, text) ? "deprecated" : spec.disabled?.(text) ? "disabled" : "enabled";
        const ruleId = spec.ruleIdInText.exec(text)?.[1];
        if (expected.join() !== r.rule.techniqueIds.join())
          mismatches.push(`${path}: ids ${r.rule.techniqueIds.join()} vs ${expected.join()}`);
        if (ruleId !== r.rule.ruleId) mismatches.push(`${path}: rule id ${r.rule.ruleId} vs ${ruleId}`);
        if (status !== r.rule.status) mismatches.push(`${path}: status ${r.rule.status} vs ${status}`);
        if (!(r.rule.parseConfidence > 0 && r.rule.parseConfidence <= 1))
          mismatches.push(`${path}: confidence ${r.rule.parseConfidence}`);
      }
      console.log(
        `[parsers] ${spec.format}: ${files.length} rule files (${skipped} other files skipped), ${results.length - errors.length} parsed, ` +
          `${errors.length} errors; ${marked} files name techniques (${markedOk} of those parsed), ${withTechnique} rules with ≥1 technique, ` +
          `${parsedIds.size} distinct technique ids; parsed in ${parseMs} ms${errors.map((e) => `\n  ${e}`).join("")}`,
      );

      expect(mismatches.slice(0, 10)).toEqual([]);
      expect(withTechnique).toBe(markedOk);
      expect([...parsedIds].sort()).toEqual([...textIds].sort());
      for (const id of spec.mustContain ?? []) expect(parsedIds).toContain(id);
      if (spec.format === "sigma") expect(parsedIds.size).toBe(395); // SigmaHQ's own coverage layer
      // Every [[rule.threat]] entry names its tactic.
      if (spec.format === "elastic") expect(withTactic).toBe(threatTables);
      else expect(withTactic).toBe(0);
      // Two deprecated Splunk files continue a single-quoted search at column 0, which YAML 1.2 forbids.
      if (spec.format !== "splunk") expect(errors).toEqual([]);
      else {
        expect(errors).toHaveLength(2);
        for (const e of errors)
          expect(e).toMatch(
            /^detections\/deprecated\/okta_threatinsight_\w+\.yml: invalid YAML: Missing closing 'quote at line \d+, column \d+$/,
          );
      }
    });
});
