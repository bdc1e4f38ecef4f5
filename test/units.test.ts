import { describe, expect, it } from "vitest";
import { normalizeTechniqueId } from "../src/attack/catalog.service";
import { compareVersions, stixObjectProblem, stripCitations, toRows, type StixObject } from "../src/attack/stix";
import { ftsQuery } from "../src/db/repos/attack-search";
import { decodeCursor, encodeCursor } from "../src/api/paging";
import { ConfigError, parseConfig } from "../src/config";
import { Int32Table } from "../src/lib/collections";
import { z } from "@hono/zod-openapi";
import { generateApiKey, hashApiKey, looksLikeApiKey } from "../src/tenants/api-keys";
import { detectionScore } from "../src/coverage/detection-score";
import { canonicalPlatforms, defaultPlatforms, inScope } from "../src/coverage/platforms";

describe("technique ids", () => {
  it.each([
    ["T1059.001", "T1059.001"],
    ["t1059.001", "T1059.001"],
    ["T1059/001", "T1059.001"],
    [" T1566 ", "T1566"],
    ["T159", null],
    ["T1059.1", null],
    ["TA0001", null],
    ["T1059.001; DROP TABLE", null],
  ])("%s → %s", (raw, id) => expect(normalizeTechniqueId(raw)).toBe(id));
});

describe("STIX mapping", () => {
  it("strips citation markers, including ones with parentheses inside", () => {
    expect(stripCitations("Used PowerShell.(Citation: Vendor (2020) Report)(Citation: Other) Then more.")).toBe(
      "Used PowerShell. Then more.",
    );
  });

  it("turns a sub-technique into a technique row with parent and tactics", () => {
    const rows = toRows(
      {
        type: "attack-pattern",
        id: "attack-pattern--6aac77c4-eaf2-4366-8c13-ce50ab951f38",
        name: "Spearphishing Attachment",
        x_mitre_is_subtechnique: true,
        external_references: [
          {
            source_name: "mitre-attack",
            external_id: "T1566.001",
            url: "https://attack.mitre.org/techniques/T1566/001",
          },
        ],
        kill_chain_phases: [
          { kill_chain_name: "mitre-attack", phase_name: "initial-access" },
          { kill_chain_name: "other", phase_name: "x" },
        ],
        x_mitre_platforms: ["Windows"],
      } satisfies StixObject,
      "18.1",
    );
    expect(rows).toMatchObject({
      techniques: [{ attackId: "T1566.001", parentId: "T1566", isSubtechnique: true, platforms: ["Windows"] }],
      techniqueTactics: [{ tacticShortname: "initial-access" }],
    });
  });

  it("files a group's use of a technique as a procedure example and other relationships as relationships", () => {
    const base = {
      type: "relationship",
      id: "relationship--00000000-0000-4000-8000-000000000001",
      description: "Did it.(Citation: X)",
    };
    expect(
      toRows(
        { ...base, relationship_type: "uses", source_ref: "intrusion-set--a", target_ref: "attack-pattern--b" },
        "1",
      ),
    ).toMatchObject({
      procedures: [{ sourceType: "group", description: "Did it." }],
    });
    expect(
      toRows(
        { ...base, relationship_type: "mitigates", source_ref: "course-of-action--a", target_ref: "attack-pattern--b" },
        "1",
      ),
    ).toHaveProperty("relationships");
  });

  it("says why a value is not a STIX object", () => {
    expect(stixObjectProblem([])).toMatch(/not a JSON object/);
    expect(stixObjectProblem({ type: "malware", id: "tool--6aac77c4-eaf2-4366-8c13-ce50ab951f38" })).toMatch(
      /no valid STIX id/,
    );
    expect(stixObjectProblem({ type: "malware", id: "malware--6aac77c4-eaf2-4366-8c13-ce50ab951f38" })).toBeNull();
  });

  it("orders ATT&CK versions numerically", () => {
    expect(["18.1", "9.0", "16.1", "17.0"].sort(compareVersions)).toEqual(["9.0", "16.1", "17.0", "18.1"]);
  });
});

describe("full-text query building", () => {
  it("quotes every word so FTS operators typed by a user are inert", () => {
    expect(ftsQuery('spearphishing "attach* OR NEAR(x', "all")).toBe('"spearphishing" "attach" "or" "near" "x"*');
    expect(ftsQuery("spearphishing attachment", "any")).toBe('"spearphishing" OR "attachment"*');
    expect(ftsQuery("*** ---", "all")).toBeNull();
  });
});

describe("cursors and keys", () => {
  it("round-trips a cursor and refuses a forged one", () => {
    const schema = z.object({ v: z.string(), o: z.number() });
    expect(decodeCursor(encodeCursor({ v: "18.1", o: 50 }), schema)).toEqual({ v: "18.1", o: 50 });
    expect(() => decodeCursor(encodeCursor({ v: "18.1" }), schema)).toThrow(/invalid cursor/);
  });

  it("makes distinct well-formed keys and hashes them to 64 hex characters", async () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).not.toBe(b);
    expect(looksLikeApiKey(a)).toBe(true);
    expect(await hashApiKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("Int32Table", () => {
  it("maps colliding and negative keys, updates in place, and refuses more keys than it holds", () => {
    const table = new Int32Table(3);
    // 8 slots: 5, 21 and -11 all start at slot 5.
    table.set(5, 1);
    table.set(21, 2);
    table.set(-11, 3);
    expect([table.get(5), table.get(21), table.get(-11), table.get(37), table.get(0)]).toEqual([1, 2, 3, -1, -1]);
    table.set(21, 7);
    expect(table.get(21)).toBe(7);
    expect(() => table.set(37, 4)).toThrow(/full/);
    expect(() => new Int32Table(1).set(1, -1)).toThrow(/non-negative/);
  });
});

describe("configuration (wrangler.toml [vars])", () => {
  it("takes the defaults for what is absent or empty, and parses what is there", () => {
    const c = parseConfig({
      FETCH_TIMEOUT_MS: "5000",
      URL_DNS_CHECK: "false",
      REEVAL_SCOPE: "all",
      AUDIT_RETENTION_DAYS: "",
    });
    expect(c).toMatchObject({
      FETCH_TIMEOUT_MS: 5000,
      URL_DNS_CHECK: false,
      REEVAL_SCOPE: "all",
      AUDIT_RETENTION_DAYS: 365,
      WORKFLOW_MAX_ATTEMPTS: 5,
      ATTACK_URL_CHECK: true,
    });
  });

  it.each([
    ["REEVAL_SCOPE", "chanegd", /REEVAL_SCOPE="chanegd" must be one of changed, updated, all/],
    ["URL_DNS_CHECK", "yes", /URL_DNS_CHECK="yes" must be "true" or "false"/],
    ["FETCH_TIMEOUT_MS", "15s", /FETCH_TIMEOUT_MS="15s" must be a whole number/],
    ["WORKFLOW_MAX_ATTEMPTS", "0", /WORKFLOW_MAX_ATTEMPTS="0" .*>=1/],
    ["ATTACK_INDEX_URL", "ftp://x/index.json", /ATTACK_INDEX_URL=.* must be an http\(s\) URL/],
  ])("refuses %s=%s with a message that names it, never a silent default", (name, value, message) => {
    const error = (() => {
      try {
        parseConfig({ [name]: value });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ status: 500, code: "invalid_config" });
    expect((error as ConfigError).message).toMatch(message);
  });

  it("lists every bad variable at once", () => {
    expect(() => parseConfig({ REEVAL_SCOPE: "x", URL_DNS_CHECK: "1" })).toThrow(
      /URL_DNS_CHECK="1".*; REEVAL_SCOPE="x"/,
    );
  });
});

describe("detection score (DeTT&CT scale)", () => {
  const rule = (confirmed: boolean, health: "healthy" | "degraded" | "unknown") => ({
    confirmed,
    healthy: health === "healthy",
    degraded: health === "degraded",
  });
  it.each([
    ["no rule maps to it", [], false, -1],
    ["rules map to it, none counts", [], true, 0],
    ["one counting rule of unknown health", [rule(false, "unknown")], true, 2],
    ["one degraded rule", [rule(false, "degraded")], true, 1],
    ["one confirmed, degraded rule", [rule(true, "degraded")], true, 2],
    ["one healthy rule", [rule(false, "healthy")], true, 3],
    ["one confirmed rule of unknown health", [rule(true, "unknown")], true, 3],
    ["one confirmed healthy rule", [rule(true, "healthy")], true, 4],
    ["two rules of unknown health", [rule(false, "unknown"), rule(false, "unknown")], true, 3],
    ["a healthy rule and a degraded one (not backed)", [rule(false, "healthy"), rule(false, "degraded")], true, 3],
    ["two degraded rules", [rule(false, "degraded"), rule(false, "degraded")], true, 1],
    ["a confirmed healthy rule backed by another", [rule(true, "healthy"), rule(false, "unknown")], true, 5],
    [
      "three confirmed healthy rules (capped)",
      [rule(true, "healthy"), rule(true, "healthy"), rule(true, "healthy")],
      true,
      5,
    ],
  ] as const)("%s → %i", (_, rules, mapped, score) => {
    expect(detectionScore(rules, mapped)).toBe(score);
  });
  it("a counting rule implies a mapping, whatever `mapped` says", () => {
    expect(detectionScore([rule(false, "unknown")], false)).toBe(2);
  });
});

describe("account platforms", () => {
  const known = ["Containers", "IaaS", "Identity Provider", "Linux", "PRE", "Windows", "macOS"];
  it("spells platforms as ATT&CK does, in its order, once each", () => {
    expect(canonicalPlatforms([" windows", "IAAS", "Windows"], known, "18.1")).toEqual(["IaaS", "Windows"]);
  });
  it("refuses an unknown platform, naming the known ones", () => {
    expect(() => canonicalPlatforms(["Windows", "Mainframe", "z/OS"], known, "18.1")).toThrow(
      /unknown platforms 'Mainframe', 'z\/OS': ATT&CK 18.1 has Containers, IaaS/,
    );
  });
  it("gives every provider a default; PRE is never one", () => {
    for (const provider of ["aws", "azure", "gcp", "on_prem", "saas", "other", "a-later-one"]) {
      const platforms = defaultPlatforms(provider);
      expect(platforms.length, provider).toBeGreaterThan(0);
      expect(platforms, provider).not.toContain("PRE");
    }
    expect(defaultPlatforms("on_prem")).toContain("Windows");
    expect(defaultPlatforms("aws")).not.toContain("Windows");
  });
  it("keeps a technique in scope when it names one of the account's platforms", () => {
    const scope = new Set(["Windows"]);
    expect(inScope(["Windows", "Linux"], scope)).toBe(true);
    expect(inScope(["IaaS"], scope)).toBe(false);
    expect(inScope(["PRE"], scope)).toBe(false);
  });
});
