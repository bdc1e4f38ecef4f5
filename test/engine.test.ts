import { beforeAll, describe, expect, it } from "vitest";
import { analyzeText, type AnalysisResult } from "../src/analysis/engine";
import { loadModel, type Model } from "../src/analysis/model";
import { segmentSentences } from "../src/analysis/text";
import { shippedModelData } from "./helpers";

// Behaviour of the engine with the shipped model on small real sentences: which techniques and
// why, not exact scores (those move whenever the model is rebuilt).
let model: Model;
beforeAll(async () => {
  model = loadModel(await shippedModelData());
});

const ids = (r: AnalysisResult) => r.techniques.map((t) => t.id);
const find = (r: AnalysisResult, id: string) => r.techniques.find((t) => t.id === id);

describe("explicit ATT&CK ids", () => {
  it("asserts an id written in the text, in either spelling, with that text as evidence", () => {
    const text = "Initial access used T1566.001. Execution relied on T1059/001 scripts.";
    const r = analyzeText(text, model);
    expect(find(r, "T1566.001")).toMatchObject({ method: "explicit_id", evidence: [expect.objectContaining({ text: "Initial access used T1566.001." })] });
    expect(find(r, "T1059.001")?.method).toBe("explicit_id");
    for (const t of r.techniques) for (const e of t.evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
  });

  it("maps a revoked id to its successor and says so", () => {
    const r = analyzeText("The loader abused T1574.002 on every host.", model);
    expect(ids(r)).not.toContain("T1574.002");
    expect(find(r, "T1574.001")?.note).toMatch(/T1574\.002.*revoked.*T1574\.001/);
  });

  it("ignores ids that are not techniques", () => {
    // Neither id exists in ATT&CK and nothing else in the sentence describes a technique.
    expect(analyzeText("Ticket T9999 and T12345 were closed.", model).techniques).toEqual([]);
  });
});

describe("behaviour described in words", () => {
  it("names the sub-technique, not only its parent", () => {
    const r = analyzeText("The group sent spearphishing emails with a malicious Excel attachment to finance staff.", model);
    expect(ids(r)[0]).toBe("T1566.001");
  });

  it("recognises a technique's name and common phrasings", () => {
    const r = analyzeText(
      "Persistence was achieved with a scheduled task. The implant injected its code into explorer.exe to hide. Credentials were dumped from LSASS memory with Mimikatz.",
      model,
    );
    expect(ids(r)).toEqual(expect.arrayContaining(["T1053.005", "T1055", "T1003.001"]));
  });

  it("finds nothing in text about something else", () => {
    expect(analyzeText("The quarterly sales meeting moved to Thursday afternoon in the main hall.", model).techniques).toEqual([]);
    expect(analyzeText("", model).techniques).toEqual([]);
  });
});

describe("defanged indicators", () => {
  it("reads through defanging and reports evidence in the original text", () => {
    const text = "Stage two was downloaded from hxxp://update-check[.]com/p.exe over HTTP using certutil.";
    const r = analyzeText(text, model);
    expect(r.techniques.length).toBeGreaterThan(0);
    const evidence = r.techniques.flatMap((t) => t.evidence);
    expect(evidence.some((e) => e.text.includes("hxxp://update-check[.]com"))).toBe(true);
    for (const e of evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
  });
});

describe("sentence segmentation", () => {
  it("keeps abbreviations, file names and versions inside sentences", () => {
    const text = "The actor, e.g. APT29, ran cmd.exe v2.1 on Jan. 5. Then it left for J. Smith's host.\nNew line here";
    const spans = segmentSentences(text).map((s) => text.slice(s.start, s.end));
    expect(spans).toEqual(["The actor, e.g. APT29, ran cmd.exe v2.1 on Jan. 5.", "Then it left for J. Smith's host.", "New line here"]);
  });
});
